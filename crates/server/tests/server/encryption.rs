//! Encryption at rest: a canary value and comment never reach the database files in
//! plain text (SQLite: the database, its WAL and shared memory, uncheckpointed; PostgreSQL:
//! the data directory including `pg_wal`, after `CHECKPOINT`, when `SLUICE_TEST_PGDATA`
//! names it), while the API reads them back; and a ciphertext moved to another row does
//! not open there.

use crate::secret_support::*;
use serde_json::json;
use sluice_testkit::TestApp;
use std::path::Path;

/// Files under `dir` (recursively) whose bytes contain `needle`, with how many were read.
fn files_containing(dir: &Path, needle: &[u8]) -> (Vec<String>, usize) {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    search(&files, needle)
}

/// Which of `files` contain `needle`, with how many were read.
fn search(files: &[std::path::PathBuf], needle: &[u8]) -> (Vec<String>, usize) {
    let finder = memchr::memmem::Finder::new(needle);
    let mut hits = Vec::new();
    let mut scanned = 0;
    for path in files {
        if let Ok(bytes) = std::fs::read(path) {
            scanned += 1;
            if finder.find(&bytes).is_some() {
                hits.push(path.display().to_string());
            }
        }
    }
    (hits, scanned)
}

/// Writes a canary secret and checks it reads back; returns (key, value, comment).
async fn write_canary(app: &TestApp) -> (String, String, String) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (key, value, comment) =
        (format!("CANARY_KEY_{id}"), format!("CANARY-VALUE-{id}"), format!("CANARY-COMMENT-{id}"));
    let body =
        json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": value, "secretComment": comment});
    app.api.post(&format!("{RAW}/{key}"), body).await.expect(200);
    // A second version, so the history table holds the canary's ciphertexts too.
    let body =
        json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": value, "secretComment": comment});
    app.api.patch(&format!("{RAW}/{key}"), body).await.expect(200);
    let back = get(&app.api, app, "dev", "/", &key, &[]).await.expect(200);
    assert_eq!(
        (back["secret"]["secretValue"].as_str(), back["secret"]["secretComment"].as_str()),
        (Some(value.as_str()), Some(comment.as_str()))
    );
    (key, value, comment)
}

#[tokio::test]
async fn canary_values_never_reach_the_sqlite_files_wal_included() {
    // Always SQLite, whatever backend the suite runs on.
    let dir = tempfile::Builder::new().prefix("sluice-canary-").tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("sluice.db").display());
    let data_dir = dir.path().to_path_buf();
    let app = TestApp::spawn_with(Box::new(move |s| {
        s.database_url = url;
        s.data_dir = data_dir;
    }))
    .await;
    assert_eq!(app.state().store.backend().name(), "sqlite");
    let (key, value, comment) = write_canary(&app).await;
    // No checkpoint: the newest pages are still in the WAL, which must be scanned too.
    let wal = dir.path().join("sluice.db-wal");
    assert!(std::fs::metadata(&wal).map(|m| m.len() > 0).unwrap_or(false), "the WAL holds the recent writes");
    let (with_key, scanned) = files_containing(dir.path(), key.as_bytes());
    assert!(scanned >= 2 && !with_key.is_empty(), "the key name (stored in clear) is found, so the scan sees the data");
    for needle in [&value, &comment] {
        let (hits, _) = files_containing(dir.path(), needle.as_bytes());
        assert!(hits.is_empty(), "{needle} found in plain text in {hits:?}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn canary_values_never_reach_the_postgres_data_directory() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        eprintln!("skipped: the suite runs on SQLite (set SLUICE_TEST_DATABASE_URL for the PostgreSQL variant)");
        app.shutdown().await;
        return;
    }
    let Some(pgdata) = std::env::var("SLUICE_TEST_PGDATA").ok().filter(|p| !p.is_empty()) else {
        eprintln!("scanned nothing: SLUICE_TEST_PGDATA does not name the PostgreSQL data directory");
        app.shutdown().await;
        return;
    };
    let began = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let (key, value, comment) = write_canary(&app).await;
    let mut conn = app.state().store.read().await.expect("conn");
    sqlx::query("CHECKPOINT").execute(&mut *conn).await.expect("CHECKPOINT (needs a superuser)");
    let oid: i64 = sqlx::query_scalar("SELECT oid::int8 FROM pg_database WHERE datname = current_database()")
        .fetch_one(&mut *conn)
        .await
        .expect("database oid");
    drop(conn);
    // This test's database, the cluster-wide catalogs, the WAL segments written since the
    // test began (the canary cannot be in older ones), and the top-level files (the server
    // log when it is kept there). Other tests' databases are not this test's business.
    let dir = Path::new(&pgdata);
    assert!(dir.join("pg_wal").is_dir(), "{pgdata} is a PostgreSQL data directory");
    let mut files = Vec::new();
    for sub in [dir.join("base").join(oid.to_string()), dir.join("global")] {
        for entry in std::fs::read_dir(&sub).unwrap_or_else(|e| panic!("{}: {e}", sub.display())).flatten() {
            files.push(entry.path());
        }
    }
    for top in [dir.join("pg_wal"), dir.to_path_buf(), dir.join("log")] {
        for entry in std::fs::read_dir(&top).into_iter().flatten().flatten() {
            let recent = entry.metadata().and_then(|m| m.modified()).map(|t| t >= began).unwrap_or(true);
            if entry.path().is_file() && (top != dir.join("pg_wal") || recent) {
                files.push(entry.path());
            }
        }
    }
    let (with_key, scanned) = search(&files, key.as_bytes());
    assert!(
        !with_key.is_empty(),
        "the key name (stored in clear) is found in {scanned} files, so the scan sees the data"
    );
    for needle in [&value, &comment] {
        let (hits, _) = search(&files, needle.as_bytes());
        assert!(hits.is_empty(), "{needle} found in plain text in {hits:?}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_does_not_open_there() {
    let app = TestApp::spawn().await;
    folder(&app, "dev", "/", "app").await;
    put(&app.api, &app, "dev", "/", "SOURCE", "the-source-value").await;
    put(&app.api, &app, "dev", "/", "TARGET", "t").await;
    put(&app.api, &app, "dev", "/app", "SOURCE", "same-key-other-folder").await;
    put(&app.api, &app, "staging", "/", "SOURCE", "same-key-other-env").await;
    let copy = "UPDATE secrets SET value_ct = (SELECT s.value_ct FROM secrets s JOIN folders f ON f.id = s.folder_id
                JOIN environments e ON e.id = f.environment_id WHERE e.slug = 'dev' AND f.path = '/' AND s.key = 'SOURCE')
                WHERE id = $1";
    // The ids are read without values: what is read with them afterwards was not kept (the
    // rows are changed behind the server's back, without raising the project's counter).
    let hidden = [("viewSecretValue", "false")];
    for (env, path, key) in [("dev", "/", "TARGET"), ("dev", "/app", "SOURCE"), ("staging", "/", "SOURCE")] {
        let id = get(&app.api, &app, env, path, key, &hidden).await.expect(200)["secret"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        assert_eq!(exec(&app, copy, &[&id]).await, 1);
        let read = get(&app.api, &app, env, path, key, &[]).await;
        assert_eq!(read.status, 500, "{env}:{path}:{key}: {}", read.text);
        assert_eq!(read.message(), "Something went wrong");
        assert!(!read.text.contains("the-source-value"), "{}", read.text);
        assert_eq!(list(&app.api, &app, env, path, &[]).await.status, 500);
    }
    // A comment's ciphertext does not open as the same row's value either.
    let id = get(&app.api, &app, "dev", "/", "SOURCE", &hidden).await.expect(200)["secret"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(exec(&app, "UPDATE secrets SET value_ct = comment_ct WHERE id = $1", &[&id]).await, 1);
    assert_eq!(get(&app.api, &app, "dev", "/", "SOURCE", &[]).await.status, 500);
    app.shutdown().await;
}
