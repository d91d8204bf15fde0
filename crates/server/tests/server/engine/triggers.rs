//! What queues a sync: secret changes in its folder, in folders it imports, in secrets it
//! references; create and enable; and, with auto-sync off, only the trigger endpoint.

use super::support::*;
use serde_json::json;

#[tokio::test]
async fn with_auto_sync_off_only_the_trigger_endpoint_runs_it() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let mut body = env.sync_body("manual", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    body["isAutoSyncEnabled"] = json!(false);
    let sync = env.create_sync(body).await;
    let id = sync["id"].as_str().expect("id").to_string();
    assert!(sync["syncStatus"].is_null());
    assert_eq!(env.app.drain().await.runs, 0, "created with auto-sync off: nothing runs");
    env.put("dev", "/", "A", "2").await;
    assert_eq!(env.app.drain().await.runs, 0, "changes do not trigger it");
    assert!(!env.api_vars().contains_key("SLUICE_A"));

    env.trigger(&id).await;
    assert_eq!(env.app.drain().await.runs, 1);
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("2")));

    // Enabling auto-sync queues a sync, and changes trigger it from then on.
    env.app.api.patch(&format!("{SYNCS}/{id}"), json!({"isAutoSyncEnabled": true})).await.expect(200);
    assert_eq!(env.app.drain().await.runs, 1);
    env.put("dev", "/", "A", "3").await;
    assert_eq!(env.app.drain().await.runs, 1);
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("3")));
}

#[tokio::test]
async fn a_change_in_an_imported_folder_or_a_referenced_secret_reaches_railway() {
    let env = start().await;
    env.folder("staging", "/", "shared").await;
    env.put("staging", "/shared", "SMTP_HOST", "smtp-1").await;
    env.put("prod", "/", "DB_HOST", "db-1").await;
    env.put("dev", "/", "DB_URL", "postgres://${prod.DB_HOST}/app").await;
    let pid = env.app.project_id();
    env.app
        .api
        .post(
            "/api/v1/secret-imports",
            json!({"projectId": pid, "environment": "dev", "path": "/", "import": {"environment": "staging", "path": "/shared"}}),
        )
        .await
        .expect(200);
    env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await;
    env.app.drain().await;
    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_SMTP_HOST"), Some(&val("smtp-1")), "imported secrets are synced");
    assert_eq!(vars.get("SLUICE_DB_URL"), Some(&val("postgres://db-1/app")), "references are expanded");

    env.put("staging", "/shared", "SMTP_HOST", "smtp-2").await;
    assert_eq!(env.app.drain().await.runs, 1, "a change in an imported folder queues the sync");
    assert_eq!(env.api_vars().get("SLUICE_SMTP_HOST"), Some(&val("smtp-2")));

    env.put("prod", "/", "DB_HOST", "db-2").await;
    assert_eq!(env.app.drain().await.runs, 1, "a change in a referenced secret queues the sync");
    assert_eq!(env.api_vars().get("SLUICE_DB_URL"), Some(&val("postgres://db-2/app")));

    env.put("prod", "/", "UNRELATED", "x").await;
    env.put("staging", "/", "UNRELATED", "x").await;
    assert_eq!(env.app.drain().await.runs, 1, "prod:/ is a dependency (folder-level), staging:/ is not");
}

/// A run reads its environment, folder and imports from what the process kept of the
/// project while nothing changed there: an import added, retargeted or removed after a run,
/// and the source folder moved, show in the next run.
#[tokio::test]
async fn imports_and_a_moved_folder_changed_after_a_run_show_in_the_next_one() {
    let env = start().await;
    env.folder("dev", "/", "app").await;
    env.put("dev", "/app", "A", "1").await;
    env.folder("staging", "/", "shared").await;
    env.put("staging", "/shared", "SMTP_HOST", "smtp-1").await;
    env.put("prod", "/", "DB_HOST", "db-1").await;
    let mut body = env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    body["secretPath"] = json!("/app");
    env.create_sync(body).await;
    assert_eq!(env.app.drain().await.runs, 1);
    assert!(!env.api_vars().contains_key("SLUICE_SMTP_HOST"));

    let pid = env.app.project_id();
    let created = env
        .app
        .api
        .post(
            "/api/v1/secret-imports",
            json!({"projectId": pid, "environment": "dev", "path": "/app", "import": {"environment": "staging", "path": "/shared"}}),
        )
        .await
        .expect(200);
    let id = created["secretImport"]["id"].as_str().expect("import id").to_string();
    assert_eq!(env.app.drain().await.runs, 1);
    assert_eq!(env.api_vars().get("SLUICE_SMTP_HOST"), Some(&val("smtp-1")), "an import added");

    let retarget = json!({"workspaceId": pid, "environment": "dev", "path": "/app", "import": {"environment": "prod", "path": "/"}});
    env.app.api.patch(&format!("/api/v1/secret-imports/{id}"), retarget).await.expect(200);
    assert_eq!(env.app.drain().await.runs, 1);
    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_DB_HOST"), Some(&val("db-1")), "an import retargeted");
    assert!(!vars.contains_key("SLUICE_SMTP_HOST"), "what the old target brought is gone");

    let folder =
        env.app.api.get(&format!("/api/v1/folders?workspaceId={pid}&environment=dev&path=/")).await.expect(200);
    let app_id = folder["folders"].as_array().expect("folders").iter().find(|f| f["name"] == "app").expect("app")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let rename = json!({"workspaceId": pid, "environment": "dev", "name": "api"});
    env.app.api.patch(&format!("/api/v1/folders/{app_id}"), rename).await.expect(200);
    env.app.drain().await;
    env.put("dev", "/api", "A", "2").await;
    assert_eq!(env.app.drain().await.runs, 1, "the moved folder's change queues the sync");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("2")), "read at its new path");

    env.app
        .api
        .delete_json(
            &format!("/api/v1/secret-imports/{id}"),
            json!({"workspaceId": pid, "environment": "dev", "path": "/api"}),
        )
        .await
        .expect(200);
    assert_eq!(env.app.drain().await.runs, 1);
    let vars = env.api_vars();
    assert!(!vars.contains_key("SLUICE_DB_HOST"), "an import removed: its keys are deleted");
    assert_eq!(vars.get("SLUICE_A"), Some(&val("2")));
}

#[tokio::test]
async fn a_reference_that_does_not_resolve_holds_the_key_back_and_deletes_nothing() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    env.put("dev", "/", "B", "2").await;
    env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await;
    env.app.drain().await;
    env.put("dev", "/", "B", "${prod.MISSING}").await;
    let id = {
        let list = env.app.api.get(&format!("{SYNCS}?projectId={}", env.app.project_id())).await.expect(200);
        list["secretSyncs"][0]["id"].as_str().expect("id").to_string()
    };
    env.app.drain().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded", "the rest syncs");
    assert_eq!(env.api_vars().get("SLUICE_B"), Some(&val("2")), "held back: nothing deleted or changed");
    assert_eq!(env.runs(&id).await[0]["counts"]["warnings"], 1);
    env.app.assert_idle().await;
}

#[tokio::test]
async fn jobs_survive_a_restart() {
    let mut env = start().await;
    env.put("dev", "/", "A", "1").await;
    env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await;
    env.app.restart().await;
    assert_eq!(env.app.drain().await.runs, 1, "the queued job is still there");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")));
}
