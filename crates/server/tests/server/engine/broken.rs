//! A secret whose value holds a reference that does not resolve is never pushed: the sync
//! holds that key back (Railway keeps its current value; a new key is not created), says
//! so in the plan and the run, and syncs the rest.

use super::support::*;
use serde_json::json;

#[tokio::test]
async fn a_sync_holds_back_broken_keys_and_syncs_the_rest() {
    let env = start().await;
    env.put("dev", "/", "DB_HOST", "db.internal").await;
    env.put("dev", "/", "DATABASE_URL", "postgres://${DB_HOST}/app").await;
    env.put("dev", "/", "OTHER", "1").await;
    let id = env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SL_{{secretKey}}")))).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SL_DATABASE_URL"), Some(&val("postgres://db.internal/app")));

    // The referenced secret is renamed (allowed), a new key references nothing, another changes.
    let pid = env.app.project_id().to_string();
    let rename = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "newSecretName": "PG_HOST"});
    env.app.api.patch("/api/v3/secrets/raw/DB_HOST", rename).await.expect(200);
    env.put("dev", "/", "NEW_URL", "${NOPE}").await;
    env.put("dev", "/", "OTHER", "2").await;
    env.app.drain_all().await;

    let vars = env.api_vars();
    assert_eq!(vars.get("SL_DATABASE_URL"), Some(&val("postgres://db.internal/app")), "Railway keeps its value");
    assert!(!vars.contains_key("SL_NEW_URL"), "a broken new key is not created");
    assert_eq!(vars.get("SL_OTHER"), Some(&val("2")), "the rest syncs");
    assert_eq!(vars.get("SL_PG_HOST"), Some(&val("db.internal")));
    let runs = env.runs(&id).await;
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["counts"]["warnings"], 2);
    let entry = |key: &str| runs[0]["plan"].as_array().expect("plan").iter().find(|e| e["key"] == key).cloned();
    let held = entry("SL_DATABASE_URL").expect("entry");
    assert_eq!((held["action"].as_str(), held["reason"].as_str()), (Some("skip"), Some("broken-reference")));
    assert_eq!(held["detail"], "broken reference: ${DB_HOST}; held back until it is fixed");
    assert_eq!(entry("SL_NEW_URL").expect("entry")["detail"], "broken reference: ${NOPE}; held back until it is fixed");
    // The preview says the same.
    let plan = env.app.api.post(&format!("{SYNCS}/{id}/plan"), json!({})).await.expect(200);
    assert!(plan.to_string().contains("broken reference: ${DB_HOST}"), "{plan}");

    // Fixed: it syncs again.
    env.put("dev", "/", "DATABASE_URL", "postgres://${PG_HOST}/app").await;
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SL_DATABASE_URL"), Some(&val("postgres://db.internal/app")));
    env.put("dev", "/", "DB_HOST", "other.internal").await;
    env.put("dev", "/", "DATABASE_URL", "postgres://${DB_HOST}/app").await;
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SL_DATABASE_URL"), Some(&val("postgres://other.internal/app")));
}
