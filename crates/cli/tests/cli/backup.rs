//! `sluice backup` while the server runs and `sluice restore` into a new server's data
//! directory: every secret reads back with its value under the same root key; another
//! root key, an existing database, or a running server are refused and change nothing.

use crate::support::*;
use serde_json::json;
use sluice_crypto::RootKey;
use sluice_testkit::{ApiClient, TestDatabase, test_settings};

/// Every secret of `env` (key → value) as `api` reads it.
async fn secrets_of(api: &ApiClient, project: &str, env: &str, path: &str) -> Vec<(String, String)> {
    let url = format!("/api/v3/secrets/raw?workspaceId={project}&environment={env}&secretPath={path}");
    let list = api.get(&url).await.expect(200);
    let mut out: Vec<(String, String)> = list["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| (s["secretKey"].as_str().expect("key").into(), s["secretValue"].as_str().expect("value").into()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_backup_restores_into_a_new_server_with_the_same_root_key() {
    let w = World::start().await;
    if w.app.db.is_postgres() {
        let url = w.app.settings().database_url.clone();
        w.sluice(&["backup", "x.db", "--database-url", &url]).await.code(1).stderr_has("pg_dump");
        w.sluice(&["restore", "x.db", "--database-url", &url]).await.code(1).stderr_has("pg_restore");
        return;
    }
    w.put_secrets("dev", &[("DATABASE_URL", "postgres://db/shop"), ("API_KEY", "k-1"), ("MULTI", "a\nb")]).await;
    w.put_secrets("prod", &[("API_KEY", "k-prod")]).await;
    let folder = json!({"workspaceId": w.app.project_id(), "environment": "dev", "name": "deep", "path": "/"});
    w.app.api.post("/api/v1/folders", folder).await.expect(200);
    let nested =
        json!({"workspaceId": w.app.project_id(), "environment": "dev", "secretPath": "/deep", "secretValue": "n"});
    w.app.api.post("/api/v3/secrets/raw/NESTED", nested).await.expect(200);
    let project = w.app.project_id().to_string();
    let places = [("dev", "/"), ("prod", "/"), ("dev", "/deep")];
    let mut expected = Vec::new();
    for (env, path) in places {
        expected.push(secrets_of(&w.app.api, &project, env, path).await);
    }

    // Online: the server keeps running (and serving) while the copy is made.
    let backup = w.cwd.path().join("sluice-backup.db");
    let backup_arg = backup.to_str().expect("utf-8");
    let url = w.app.settings().database_url.clone();
    w.sluice(&["backup", backup_arg, "--database-url", &url])
        .await
        .ok()
        .stdout_has("Backed up")
        .stdout_has("5 secrets");
    w.sluice(&["backup", backup_arg, "--database-url", &url]).await.code(1).stderr_has("--force");
    w.sluice(&["backup", backup_arg, "--database-url", &url, "--force"]).await.ok();
    assert_eq!(secrets_of(&w.app.api, &project, "dev", "/").await, expected[0], "the server still serves");
    // The copy holds ciphertext only.
    let raw = std::fs::read(&backup).expect("backup file");
    assert!(!raw.windows(b"postgres://db/shop".len()).any(|w| w == b"postgres://db/shop"), "a value in clear");

    // Another root key does not open it: refused, nothing written.
    let fresh = TestDatabase::fresh().await;
    let data_dir = fresh.dir.path().join("data");
    let dir_arg = data_dir.to_str().expect("utf-8");
    let other_key = RootKey::generate().to_base64();
    w.sluice(&["restore", backup_arg, "--data-dir", dir_arg, "--root-key", &other_key])
        .await
        .code(1)
        .stderr_has("does not open");
    assert!(!data_dir.join("sluice.db").exists());
    let not_a_backup = w.cwd.path().join("notes.txt");
    std::fs::write(&not_a_backup, "not a database").expect("write");
    w.sluice(&["restore", not_a_backup.to_str().expect("utf-8"), "--data-dir", dir_arg])
        .await
        .code(1)
        .stderr_has("is not a Sluice database");

    let key = w.app.root_key.to_base64();
    w.sluice(&["restore", backup_arg, "--data-dir", dir_arg, "--root-key", &key])
        .await
        .ok()
        .stdout_has("Restored")
        .stdout_has("The root key given opens it");

    // A new server on the restored database, with the same root key, reads every secret.
    let mut settings = test_settings(&fresh, w.app.root_key.clone());
    settings.data_dir = data_dir.clone();
    settings.database_url = format!("sqlite://{}?mode=rwc", data_dir.join("sluice.db").display());
    let restored = sluice_server::start(settings.clone()).await.expect("the restored server starts");
    let api = ApiClient::new(restored.url(), Some(w.app.creds.access_token.clone()));
    for ((env, path), want) in places.iter().zip(&expected) {
        assert_eq!(&secrets_of(&api, &project, env, path).await, want, "{env}:{path}");
    }
    // While it runs, a restore over its database is refused even with --force.
    w.sluice(&["restore", backup_arg, "--data-dir", dir_arg, "--force"]).await.code(1).stderr_has("stop it");
    restored.shutdown().await;

    // Stopped: refused without --force; with it, the old database is kept aside.
    w.sluice(&["restore", backup_arg, "--data-dir", dir_arg]).await.code(1).stderr_has("--force");
    w.sluice(&["restore", backup_arg, "--data-dir", dir_arg, "--force"]).await.ok().stdout_has("kept as");
    let kept = std::fs::read_dir(&data_dir)
        .expect("data dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("sluice.db.before-restore-"))
        .count();
    assert!(kept >= 1, "the replaced database is kept aside");

    // A server given another root key refuses to start on it, saying why.
    let mut wrong = settings.clone();
    wrong.root_key = RootKey::generate();
    let err = sluice_server::start(wrong).await.err().expect("refused");
    assert!(err.to_string().contains("root encryption key does not match"), "{err}");
}
