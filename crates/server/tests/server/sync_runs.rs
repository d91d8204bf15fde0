//! Syncs end to end against the fake Railway: secrets written through the secrets API
//! reach Railway when the queue is drained; a secret change re-syncs; a run with nothing
//! to change writes nothing; remove, delete-with-remove (and its failure), import; the
//! plan preview for a saved and an unsaved sync; and no value or token in any response,
//! run record or log.

use crate::sync_support::*;
use serde_json::{Value, json};
use sluice_railway_fake::Fault;
use sluice_testkit::TestApp;

const DB_PASSWORD: &str = "db-password-3f9a1c";
const API_KEY: &str = "api-key-77e0b2";

fn no_values(text: &str) {
    for v in [DB_PASSWORD, API_KEY, SEEDED_SECRET_VALUE, "sk_test_example_sealed"] {
        assert!(!text.contains(v), "a secret value leaked into: {text}");
    }
    for t in ALL_TOKENS {
        assert!(!text.contains(t), "a Railway token leaked into: {text}");
    }
}

/// A server with a team-token connection and two secrets in dev:/app.
async fn with_secrets() -> (sluice_railway_fake::FakeRailway, TestApp, String) {
    let (fake, app) = start().await;
    let c = connection(&app, "shop", "team-token", WORKSPACE_TOKEN).await;
    folder(&app, app.project_id(), "dev", "/app").await;
    put_secret(&app, "dev", "/app", "DB_PASSWORD", DB_PASSWORD).await;
    put_secret(&app, "dev", "/app", "API_KEY", API_KEY).await;
    app.drain().await;
    (fake, app, c["id"].as_str().expect("id").to_string())
}

fn api_vars(fake: &sluice_railway_fake::FakeRailway) -> std::collections::BTreeMap<String, Option<String>> {
    fake.variables(RW_PRODUCTION, Some(RW_API))
}

async fn sync_of(app: &TestApp, id: &str) -> Value {
    app.api.get(&format!("{SYNCS}/{id}")).await.expect(200)["secretSync"].clone()
}

#[tokio::test]
async fn a_new_sync_pushes_its_secrets_and_a_change_pushes_again() {
    let (fake, app, cid) = with_secrets().await;
    let (_guard, logs) = capture_logs();
    fake.clear_deploys();
    let created = app.api.post(SYNCS, sync_body(&app, "api", &cid, "/app")).await.expect(200)["secretSync"].clone();
    let id = created["id"].as_str().expect("id");
    assert_eq!(created["syncStatus"], "pending");
    assert!(!api_vars(&fake).contains_key("SLUICE_DB_PASSWORD"), "nothing happens before the queue runs");

    app.drain().await;
    app.assert_idle().await;
    let vars = api_vars(&fake);
    assert_eq!(vars.get("SLUICE_DB_PASSWORD"), Some(&Some(DB_PASSWORD.to_string())));
    assert_eq!(vars.get("SLUICE_API_KEY"), Some(&Some(API_KEY.to_string())));
    assert_eq!(vars.get("DATABASE_URL"), Some(&Some(SEEDED_SECRET_VALUE.to_string())), "unmanaged keys stay");
    assert_eq!(fake.deploys().len(), 1, "one redeploy of the service");

    let s = sync_of(&app, id).await;
    assert_eq!(s["syncStatus"], "succeeded");
    assert_eq!(s["lastSyncMessage"], Value::Null);
    assert!(s["lastSyncedAt"].is_string() && s["lastSyncJobId"].is_string(), "{s}");
    assert_eq!(s["syncAttempt"], 0);

    let runs = app.api.get(&format!("{SYNCS}/{id}/runs")).await;
    no_values(&runs.text);
    let runs = runs.expect(200);
    let run = &runs["runs"][0];
    assert_eq!(
        (run["status"].as_str(), run["trigger"].as_str(), run["kind"].as_str()),
        (Some("succeeded"), Some("create"), Some("sync"))
    );
    let mut planned: Vec<(String, String)> = run["plan"]
        .as_array()
        .expect("plan")
        .iter()
        .map(|e| (e["key"].as_str().expect("key").to_string(), e["action"].as_str().expect("action").to_string()))
        .collect();
    planned.sort();
    let pair = |k: &str, a: &str| (k.to_string(), a.to_string());
    assert_eq!(
        planned,
        [
            pair("DATABASE_URL", "skip"),
            pair("LOG_LEVEL", "skip"),
            pair("SLUICE_API_KEY", "create"),
            pair("SLUICE_DB_PASSWORD", "create"),
            pair("STRIPE_SECRET_KEY", "skip"),
        ],
        "the key schema's keys are created; Railway's other variables are left alone"
    );
    let skipped = run["plan"].as_array().expect("plan").iter().find(|e| e["key"] == "DATABASE_URL").expect("entry");
    assert_eq!(skipped["reason"], "unmanaged");
    let ops: Vec<&str> =
        run["railwayCalls"].as_array().expect("calls").iter().filter_map(|c| c["operation"].as_str()).collect();
    assert!(
        ops.contains(&"variables") && ops.contains(&"variableCollectionUpsert") && ops.contains(&"redeploy"),
        "{ops:?}"
    );
    assert!(run["redeploy"].is_object(), "{run}");

    // A secret change re-queues the sync (auto-sync) and reaches Railway.
    put_secret(&app, "dev", "/app", "API_KEY", "rotated-key-1").await;
    app.drain().await;
    app.assert_idle().await;
    assert_eq!(api_vars(&fake).get("SLUICE_API_KEY"), Some(&Some("rotated-key-1".to_string())));
    let runs = app.api.get(&format!("{SYNCS}/{id}/runs")).await.expect(200);
    assert_eq!(runs["totalCount"], 2);
    assert_eq!(runs["runs"][0]["trigger"], "secret-change");

    // Nothing changed: a manual run writes nothing and does not redeploy.
    fake.clear_deploys();
    app.api.post(&format!("{SYNCS}/{id}/sync-secrets"), json!({})).await.expect(200);
    app.drain().await;
    let runs = app.api.get(&format!("{SYNCS}/{id}/runs")).await.expect(200);
    let last = &runs["runs"][0];
    assert_eq!(last["trigger"], "manual");
    assert_eq!(last["status"], "succeeded");
    let ops: Vec<&str> =
        last["railwayCalls"].as_array().expect("calls").iter().filter_map(|c| c["operation"].as_str()).collect();
    assert_eq!(ops, ["variables"], "only a read");
    assert!(fake.deploys().is_empty());

    no_values(&sync_of(&app, id).await.to_string());
    no_values(&audit_text(&app, app.org_id(), app.project_id()).await);
    no_values(&logged(&logs));
    app.assert_idle().await;
    app.shutdown().await;
}

#[tokio::test]
async fn the_plan_preview_shows_keys_and_actions_never_values() {
    let (fake, app, cid) = with_secrets().await;
    put_secret(&app, "dev", "/app", "DATABASE_URL", DB_PASSWORD).await;
    app.drain().await;
    let before = api_vars(&fake);
    let mut body = sync_body(&app, "preview", &cid, "/app");
    body["syncOptions"] = json!({"initialSyncBehavior": "overwrite-destination"});
    let mut unnamed = body.clone();
    unnamed.as_object_mut().expect("body").remove("name");

    let resp = app.api.post(&format!("{SYNCS}/plan"), unnamed.clone()).await;
    no_values(&resp.text);
    let plan = resp.expect(200)["plan"].clone();
    let action = |plan: &Value, key: &str| {
        plan["entries"].as_array().expect("entries").iter().find(|e| e["key"] == key).map(|e| e["action"].clone())
    };
    assert_eq!(action(&plan, "DATABASE_URL"), Some(json!("update")));
    assert_eq!(action(&plan, "DB_PASSWORD"), Some(json!("create")));
    assert_eq!(action(&plan, "API_KEY"), Some(json!("create")));
    assert_eq!(action(&plan, "STRIPE_SECRET_KEY"), Some(json!("skip")), "sealed values are never touched");
    assert_eq!(plan["changes"], true);
    assert_eq!(plan["redeploy"], true);
    assert!(plan["target"].as_str().is_some_and(|t| t.contains("shop") && t.contains("api")), "{plan}");
    assert_eq!(api_vars(&fake), before, "a preview writes nothing");
    app.assert_idle().await;
    assert_eq!(
        app.api.get(&format!("{SYNCS}?projectId={}", app.project_id())).await.expect(200)["secretSyncs"],
        json!([]),
        "and saves nothing"
    );

    // With an import first: the keys Sluice would import are listed, by name.
    unnamed["syncOptions"]["initialSyncBehavior"] = json!("import-prioritize-source");
    let plan = app.api.post(&format!("{SYNCS}/plan"), unnamed.clone()).await.expect(200)["plan"].clone();
    let imports: Vec<&str> =
        plan["imports"].as_array().expect("imports").iter().filter_map(|i| i["key"].as_str()).collect();
    assert!(imports.contains(&"LOG_LEVEL"), "{plan}");
    assert!(!imports.contains(&"STRIPE_SECRET_KEY"), "sealed values cannot be imported");

    // A saved sync previews the same way.
    let s = app.api.post(SYNCS, manualize(body)).await.expect(200)["secretSync"].clone();
    let resp = app.api.post(&format!("{SYNCS}/{}/plan", s["id"].as_str().expect("id")), json!({})).await;
    no_values(&resp.text);
    let saved = resp.expect(200)["plan"].clone();
    assert_eq!(action(&saved, "DATABASE_URL"), Some(json!("update")));
    assert_eq!(saved["counts"]["create"], 2);

    // Bad bodies and Railway failures are errors.
    let mut bad = unnamed.clone();
    bad["destinationConfig"] = json!({});
    assert_eq!(app.api.post(&format!("{SYNCS}/plan"), bad).await.status, 422);
    fake.inject(Fault::not_authorized());
    let resp = app.api.post(&format!("{SYNCS}/{}/plan", s["id"].as_str().expect("id")), json!({})).await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(resp.message().contains("Not Authorized"), "{}", resp.message());
    app.assert_idle().await;
    app.shutdown().await;
}

fn manualize(mut body: Value) -> Value {
    body["isAutoSyncEnabled"] = json!(false);
    body
}

#[tokio::test]
async fn remove_and_delete_with_remove_take_the_variables_back() {
    let (fake, app, cid) = with_secrets().await;
    let s = app.api.post(SYNCS, sync_body(&app, "api", &cid, "/app")).await.expect(200)["secretSync"].clone();
    let id = s["id"].as_str().expect("id");
    app.drain().await;
    assert!(api_vars(&fake).contains_key("SLUICE_DB_PASSWORD"));

    let r = app.api.post(&format!("{SYNCS}/{id}/remove-secrets"), json!({})).await.expect(200);
    assert_eq!(r["secretSync"]["removeStatus"], "pending");
    app.drain().await;
    let vars = api_vars(&fake);
    assert!(!vars.contains_key("SLUICE_DB_PASSWORD") && !vars.contains_key("SLUICE_API_KEY"), "{vars:?}");
    assert!(vars.contains_key("DATABASE_URL"), "only the sync's keys are removed");
    let after = sync_of(&app, id).await;
    assert_eq!(after["removeStatus"], "succeeded");
    assert!(after["lastRemovedAt"].is_string());

    app.api.post(&format!("{SYNCS}/{id}/sync-secrets"), json!({})).await.expect(200);
    app.drain().await;
    assert!(api_vars(&fake).contains_key("SLUICE_DB_PASSWORD"));
    let d = app.api.delete(&format!("{SYNCS}/{id}?removeSecrets=true")).await.expect(200);
    assert_eq!(d["secretSync"]["removeStatus"], "pending");
    assert_eq!(sync_of(&app, id).await["removeStatus"], "pending", "still there until the removal ran");
    app.drain().await;
    app.assert_idle().await;
    assert_eq!(app.api.get(&format!("{SYNCS}/{id}")).await.status, 404);
    assert!(!api_vars(&fake).contains_key("SLUICE_DB_PASSWORD"));
    let text = audit_text(&app, app.org_id(), app.project_id()).await;
    assert!(text.contains("delete-secret-sync") && text.contains("\"removeSecrets\":true"), "{text}");

    // When the removal fails, the sync stays, with Railway's words.
    let s = app.api.post(SYNCS, sync_body(&app, "kept", &cid, "/app")).await.expect(200)["secretSync"].clone();
    let id = s["id"].as_str().expect("id");
    app.drain().await;
    fake.inject(Fault::not_authorized());
    app.api.delete(&format!("{SYNCS}/{id}?removeSecrets=true")).await.expect(200);
    app.drain().await;
    app.assert_idle().await;
    let kept = sync_of(&app, id).await;
    assert_eq!(kept["removeStatus"], "failed");
    assert!(kept["lastRemoveMessage"].as_str().is_some_and(|m| m.contains("Not Authorized")), "{kept}");
    assert!(api_vars(&fake).contains_key("SLUICE_DB_PASSWORD"), "nothing was removed");
    app.shutdown().await;
}

#[tokio::test]
async fn import_secrets_brings_railways_managed_variables_into_the_source() {
    let (fake, app, cid) = with_secrets().await;
    let mut body = manualize(sync_body(&app, "api", &cid, "/app"));
    body["syncOptions"] = json!({"initialSyncBehavior": "overwrite-destination"});
    let s = app.api.post(SYNCS, body).await.expect(200)["secretSync"].clone();
    let id = s["id"].as_str().expect("id");
    let i = app.api.post(&format!("{SYNCS}/{id}/import-secrets?importBehavior=prioritize-source"), json!({})).await;
    assert_eq!(i.expect(200)["secretSync"]["importStatus"], "pending");
    app.drain().await;
    app.assert_idle().await;
    let after = sync_of(&app, id).await;
    assert_eq!(after["importStatus"], "succeeded", "{after}");
    assert_eq!(secret_value(&app, "dev", "/app", "DATABASE_URL").await.as_deref(), Some(SEEDED_SECRET_VALUE));
    assert_eq!(secret_value(&app, "dev", "/app", "STRIPE_SECRET_KEY").await, None, "sealed: no value to import");
    assert_eq!(secret_value(&app, "dev", "/app", "DB_PASSWORD").await.as_deref(), Some(DB_PASSWORD), "source kept");
    assert!(!api_vars(&fake).contains_key("DB_PASSWORD"), "an import pushes nothing");
    let runs = app.api.get(&format!("{SYNCS}/{id}/runs")).await;
    no_values(&runs.text);
    assert_eq!(runs.expect(200)["runs"][0]["counts"]["imported"].as_i64().map(|n| n >= 1), Some(true));
    app.shutdown().await;
}
