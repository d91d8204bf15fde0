//! The change outbox the sync engine builds on: every write path records exactly the
//! events it should (one per changed folder, with the changed keys) in its own
//! transaction; reads and refused or rolled-back writes record none; the dispatcher is
//! woken; PostgreSQL listeners are notified at commit.

use crate::secret_support::*;
use serde_json::json;
use sluice_core::secrets::SecretWrite;
use sluice_storage::changes;
use sluice_testkit::TestApp;
use std::time::Duration;

fn ev(path: &str, keys: &[&str]) -> (String, Vec<String>) {
    (path.to_string(), keys.iter().map(|k| k.to_string()).collect())
}

#[tokio::test]
async fn every_secret_write_path_records_exactly_its_events() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    folder(&app, "dev", "/", "app").await;

    let at = last_event(&app).await;
    put(&app.api, &app, "dev", "/", "A", "1").await;
    assert_eq!(changed(&app, at).await, [ev("/", &["A"])], "create");
    let events = events_since(&app, at).await;
    assert_eq!(events[0].project_id.as_str(), pid);
    assert_eq!(events[0].actor_type.as_str(), "identity");
    assert_eq!(events[0].actor_id.as_deref(), Some(app.creds.identity_id.as_str()));
    assert!(events[0].dispatched_at.is_none());

    let at = last_event(&app).await;
    app.api
        .patch(&format!("{RAW}/A"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "2"}))
        .await
        .expect(200);
    assert_eq!(changed(&app, at).await, [ev("/", &["A"])], "update");

    let at = last_event(&app).await;
    app.api
        .patch(&format!("{RAW}/A"), json!({"workspaceId": pid, "environment": "dev", "newSecretName": "B"}))
        .await
        .expect(200);
    assert_eq!(changed(&app, at).await, [ev("/", &["A", "B"])], "rename names both keys");

    let at = last_event(&app).await;
    app.api.delete_json(&format!("{RAW}/B"), json!({"workspaceId": pid, "environment": "dev"})).await.expect(200);
    assert_eq!(changed(&app, at).await, [ev("/", &["B"])], "delete");

    let at = last_event(&app).await;
    let batch = json!({"workspaceId": pid, "environment": "dev", "secrets": [{"secretKey": "X", "secretValue": "x"}, {"secretKey": "Y", "secretValue": "y"}]});
    app.api.post(BATCH, batch).await.expect(200);
    assert_eq!(changed(&app, at).await, [ev("/", &["X", "Y"])], "batch create: one event for the folder");

    let at = last_event(&app).await;
    let batch = json!({"workspaceId": pid, "environment": "dev", "mode": "upsert", "secrets": [
        {"secretKey": "X", "secretValue": "x2"}, {"secretKey": "Z", "secretValue": "z", "secretPath": "/app"}]});
    app.api.patch(BATCH, batch).await.expect(200);
    assert_eq!(changed(&app, at).await, [ev("/", &["X"]), ev("/app", &["Z"])], "batch update: one event per folder");

    let at = last_event(&app).await;
    let batch = json!({"workspaceId": pid, "environment": "dev", "secrets": [{"secretKey": "X"}, {"secretKey": "Y"}]});
    app.api.delete_json(BATCH, batch).await.expect(200);
    assert_eq!(changed(&app, at).await, [ev("/", &["X", "Y"])], "batch delete");

    // Reads and folder creation change no secret.
    let at = last_event(&app).await;
    list(&app.api, &app, "dev", "/", &[("include_imports", "true"), ("expandSecretReferences", "true")])
        .await
        .expect(200);
    get(&app.api, &app, "dev", "/app", "Z", &[]).await.expect(200);
    folder(&app, "dev", "/", "empty").await;
    assert_eq!(changed(&app, at).await, [], "reads record nothing");
    app.shutdown().await;
}

#[tokio::test]
async fn folder_and_import_changes_announce_the_folders_they_change() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let moving = folder(&app, "dev", "/", "old").await;
    folder(&app, "dev", "/old", "sub").await;
    folder(&app, "staging", "/", "app").await;
    put(&app.api, &app, "dev", "/old/sub", "S", "s").await;

    let at = last_event(&app).await;
    let created = import(&app, "staging", "/app", "dev", "/old/sub").await.expect(200);
    assert_eq!(changed(&app, at).await, [ev("/app", &[])], "import created");
    let id = created["secretImport"]["id"].as_str().expect("id").to_string();

    let at = last_event(&app).await;
    let rename = json!({"workspaceId": pid, "environment": "dev", "name": "new"});
    app.api.patch(&format!("{FOLDERS}/{}", moving["id"].as_str().unwrap_or("")), rename).await.expect(200);
    assert_eq!(
        changed(&app, at).await,
        [ev("/new", &[]), ev("/new/sub", &[]), ev("/old", &[]), ev("/old/sub", &[])],
        "a move announces each folder of the subtree at its old and new path"
    );

    let at = last_event(&app).await;
    let retarget = json!({"workspaceId": pid, "environment": "staging", "path": "/app", "import": {"environment": "dev", "path": "/"}});
    app.api.patch(&format!("{IMPORTS}/{id}"), retarget).await.expect(200);
    assert_eq!(changed(&app, at).await, [ev("/app", &[])], "import updated");

    let at = last_event(&app).await;
    app.api
        .delete_json(&format!("{IMPORTS}/{id}"), json!({"workspaceId": pid, "environment": "staging", "path": "/app"}))
        .await
        .expect(200);
    assert_eq!(changed(&app, at).await, [ev("/app", &[])], "import deleted");

    let at = last_event(&app).await;
    app.api
        .delete_json(&format!("{FOLDERS}/new"), json!({"workspaceId": pid, "environment": "dev", "path": "/"}))
        .await
        .expect(200);
    assert_eq!(
        changed(&app, at).await,
        [ev("/new", &[]), ev("/new/sub", &["S"])],
        "folder deletion announces the keys it removed"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn refused_and_rolled_back_writes_record_nothing() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    put(&app.api, &app, "dev", "/", "TAKEN", "t").await;
    let at = last_event(&app).await;
    // Refused before anything is written.
    let batch = json!({"workspaceId": pid, "environment": "dev", "secrets": [{"secretKey": "NEW", "secretValue": "n"}, {"secretKey": "TAKEN", "secretValue": "x"}]});
    assert_eq!(app.api.post(BATCH, batch).await.status, 400);
    // Refused half-way: TAKEN is renamed to FRESH (written), then creating FRESH fails,
    // and the whole transaction rolls back.
    let upd = json!({"workspaceId": pid, "environment": "dev", "mode": "upsert", "secrets": [
        {"secretKey": "TAKEN", "newSecretName": "FRESH"}, {"secretKey": "FRESH", "secretValue": "f"}]});
    let half = app.api.patch(BATCH, upd).await;
    assert_eq!((half.status, half.message()), (400, "Secret already exist: FRESH"));
    let viewer = member(&app, "viewer").await;
    assert_eq!(
        viewer
            .post(&format!("{RAW}/V"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v"}))
            .await
            .status,
        403
    );
    assert_eq!(changed(&app, at).await, [], "no event for a change that did not happen");
    assert_eq!(get(&app.api, &app, "dev", "/", "TAKEN", &[]).await.expect(200)["secret"]["secretValue"], "t");

    // A write dropped before commit takes its events with it.
    let mut conn = app.state().store.read().await.expect("conn");
    let env = sluice_storage::environments::get_by_slug(
        &mut conn,
        &sluice_domain::ProjectId::from_trusted(pid.clone()),
        "dev",
    )
    .await
    .expect("env")
    .expect("dev");
    let root = sluice_storage::folders::get_by_path(&mut conn, &env.id, &sluice_domain::FolderPath::root())
        .await
        .expect("root")
        .expect("root");
    drop(conn);
    let mut w = SecretWrite::begin(&app.state().core, sluice_core::audit::AuditActor::platform()).await.expect("begin");
    w.publish_change(&root, ["GHOST"]);
    drop(w);
    // Even a recorded event disappears when its transaction rolls back.
    let mut tx = app.state().store.write().await.expect("tx");
    let change = changes::NewChange {
        project_id: sluice_domain::ProjectId::from_trusted(pid.clone()),
        environment_id: env.id.clone(),
        folder_id: root.id.clone(),
        path: sluice_domain::FolderPath::root(),
        keys: vec!["GHOST".into()],
        actor_type: sluice_domain::ActorType::Platform,
        actor_id: None,
    };
    changes::record(&mut tx, &change).await.expect("record");
    tx.rollback().await.expect("rollback");
    assert_eq!(changed(&app, at).await, []);
    app.shutdown().await;
}

#[tokio::test]
async fn the_engine_reads_pending_events_and_is_woken_at_commit() {
    let app = TestApp::spawn().await;
    let at = last_event(&app).await;
    let mut listener = if app.db.is_postgres() {
        let mut l = sqlx::postgres::PgListener::connect(&app.db.url).await.expect("listen");
        l.listen(sluice_storage::dialect::NOTIFY_CHANNEL).await.expect("listen");
        Some(l)
    } else {
        None
    };
    put(&app.api, &app, "dev", "/", "WAKE", "w").await;
    // The write woke this node's dispatcher (a permit is stored when nobody waits yet).
    tokio::time::timeout(Duration::from_secs(5), app.state().core.changes().notified())
        .await
        .expect("dispatcher woken");
    let id = events_since(&app, at).await[0].id;
    if let Some(l) = listener.as_mut() {
        let n = tokio::time::timeout(Duration::from_secs(5), l.recv())
            .await
            .expect("notified in time")
            .expect("notification");
        assert_eq!(n.payload(), id.to_string(), "PostgreSQL listeners learn the event id at commit");
    }
    let mut tx = app.state().store.write().await.expect("tx");
    let pending = changes::pending(&mut tx, 100).await.expect("pending");
    assert!(pending.iter().any(|e| e.id == id && e.key_names() == ["WAKE"]));
    changes::mark_dispatched(&mut tx, &[id]).await.expect("mark");
    tx.commit().await.expect("commit");
    let mut conn = app.state().store.read().await.expect("conn");
    assert!(changes::pending(&mut conn, 100).await.expect("pending").iter().all(|e| e.id != id));
    drop(conn);
    app.shutdown().await;
}
