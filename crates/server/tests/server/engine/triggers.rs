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
