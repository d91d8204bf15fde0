//! The SQLite file itself: a database made before `auto_vacuum = INCREMENTAL` is converted
//! once when opened (keeping its rows), so pruning can shrink it; a new one has it from
//! the start. (SQLite only: PostgreSQL's autovacuum needs nothing.)

use sluice_storage::{Store, StoreConfig};
use sqlx::{Connection, Executor};

async fn auto_vacuum(path: &std::path::Path) -> i64 {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("connect");
    sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(&mut conn).await.expect("pragma")
}

#[tokio::test]
async fn an_old_database_is_converted_to_incremental_vacuum_once_and_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    {
        // As an earlier Sluice left it: auto_vacuum NONE, WAL, rows.
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("connect");
        conn.execute("PRAGMA journal_mode = WAL").await.expect("wal");
        conn.execute("CREATE TABLE keepsake (v TEXT)").await.expect("table");
        conn.execute("INSERT INTO keepsake VALUES ('still here')").await.expect("row");
        conn.close().await.expect("close");
    }
    assert_eq!(auto_vacuum(&path).await, 0);
    let store = Store::open(&StoreConfig::sqlite_file(&path)).await.expect("open");
    store.close().await;
    assert_eq!(auto_vacuum(&path).await, 2, "converted to INCREMENTAL");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("connect");
    let kept: String = sqlx::query_scalar("SELECT v FROM keepsake").fetch_one(&mut conn).await.expect("row");
    assert_eq!(kept, "still here");

    let fresh = dir.path().join("new.db");
    Store::open(&StoreConfig::sqlite_file(&fresh)).await.expect("open").close().await;
    assert_eq!(auto_vacuum(&fresh).await, 2, "a new database starts INCREMENTAL");
}

/// Commits never stop to copy the write-ahead log into the database file (SQLite's
/// default makes the commit that takes the log past 1,000 pages do it, holding up every
/// write behind it): the engine's checkpointer copies it beside the writer, all of it, and
/// the next write starts the log over.
#[tokio::test]
async fn the_writer_leaves_the_log_to_the_checkpointer_which_copies_it_all_and_lets_it_start_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("wal.db");
    let store = Store::open(&StoreConfig::sqlite_file(&path)).await.expect("open");
    let write = |sql: &'static str| {
        let store = store.clone();
        async move {
            let mut conn = store.write_one().await.expect("writer");
            sqlx::query(sql).execute(&mut *conn).await.expect("write");
        }
    };
    write("CREATE TABLE filler (v BLOB)").await;
    // Each commit appends at least one page to the log.
    for _ in 0..1_200 {
        write("INSERT INTO filler VALUES (randomblob(64))").await;
    }
    let first = store.checkpoint().await.expect("checkpoint").expect("SQLite");
    assert!(first.log_frames >= 1_200, "no commit copied the log on its own: {first:?}");
    assert_eq!(first.copied_frames, first.log_frames, "the checkpoint copied all of it");

    write("INSERT INTO filler VALUES (randomblob(64))").await;
    let next = store.checkpoint().await.expect("checkpoint").expect("SQLite");
    assert!(next.log_frames < 10, "the write after a full copy starts the log over: {next:?}");
    store.close().await;
}
