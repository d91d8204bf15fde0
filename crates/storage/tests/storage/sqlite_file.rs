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
