//! Initial sync behaviours and key schemas.

use super::support::*;
use serde_json::json;

async fn secret_value(env: &Env, key: &str) -> Option<String> {
    let pid = env.app.project_id();
    let r = env.app.api.get(&format!("/api/v3/secrets/raw/{key}?workspaceId={pid}&environment=dev&secretPath=/")).await;
    (r.status == 200).then(|| r.body["secret"]["secretValue"].as_str().unwrap_or_default().to_string())
}

/// Railway holds SLUICE_SHARED=railway and SLUICE_ONLY_RW=rw; Sluice holds SHARED=sluice.
async fn conflicting(behavior: &str) -> Env {
    let env = start().await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_SHARED", "railway", false);
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_ONLY_RW", "rw", false);
    env.put("dev", "/", "SHARED", "sluice").await;
    env.create_sync(env.sync_body("s", opts(behavior, Some("SLUICE_{{secretKey}}")))).await;
    env.app.drain().await;
    env
}

#[tokio::test]
async fn overwrite_destination_replaces_and_deletes_managed_keys() {
    let env = conflicting("overwrite-destination").await;
    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_SHARED"), Some(&val("sluice")));
    assert!(!vars.contains_key("SLUICE_ONLY_RW"), "a managed key Sluice lacks is deleted");
    assert_eq!(secret_value(&env, "ONLY_RW").await, None, "nothing imported");
}

#[tokio::test]
async fn import_prioritizing_sluice_imports_new_keys_and_keeps_sluices_values() {
    let env = conflicting("import-prioritize-source").await;
    assert_eq!(secret_value(&env, "ONLY_RW").await.as_deref(), Some("rw"), "imported into Sluice");
    assert_eq!(secret_value(&env, "SHARED").await.as_deref(), Some("sluice"));
    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_SHARED"), Some(&val("sluice")));
    assert_eq!(vars.get("SLUICE_ONLY_RW"), Some(&val("rw")));
    env.app.assert_idle().await;
}

#[tokio::test]
async fn import_prioritizing_railway_takes_railways_values() {
    let env = conflicting("import-prioritize-destination").await;
    assert_eq!(secret_value(&env, "SHARED").await.as_deref(), Some("railway"));
    assert_eq!(secret_value(&env, "ONLY_RW").await.as_deref(), Some("rw"));
    assert_eq!(env.api_vars().get("SLUICE_SHARED"), Some(&val("railway")));
}

#[tokio::test]
async fn the_initial_behaviour_applies_only_to_the_first_sync() {
    let env = conflicting("import-prioritize-destination").await;
    env.put("dev", "/", "SHARED", "sluice-again").await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_LATE", "late", false);
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_SHARED"), Some(&val("sluice-again")), "later syncs push");
    // Later syncs do not import; a key a person added at Railway is not the sync's, so it
    // is left alone (with `deleteOnlyOwned` off it would be deleted, as in Infisical).
    assert_eq!(env.api_vars().get("SLUICE_LATE"), Some(&val("late")), "later syncs do not import");
    assert_eq!(secret_value(&env, "LATE").await, None);
}

#[tokio::test]
async fn two_syncs_with_different_schemas_on_one_service_never_touch_each_others_keys() {
    let env = start().await;
    env.put("dev", "/", "TOKEN", "dev-token").await;
    env.put("staging", "/", "TOKEN", "staging-token").await;
    // (b keeps a key, so removing TOKEN does not empty it: that would be held for a confirmation)
    env.put("staging", "/", "KEEP", "k").await;
    let a = env.create_sync(env.sync_body("a", opts("overwrite-destination", Some("DEV_{{secretKey}}")))).await;
    let mut b_body = env.sync_body("b", opts("overwrite-destination", Some("{{environment}}_{{secretKey}}")));
    b_body["environment"] = json!("staging");
    let b = env.create_sync(b_body).await;
    env.app.drain().await;
    let vars = env.api_vars();
    assert_eq!(vars.get("DEV_TOKEN"), Some(&val("dev-token")));
    assert_eq!(vars.get("staging_TOKEN"), Some(&val("staging-token")));

    // Each sync deletes its own removed keys only, many times over.
    env.put("dev", "/", "OTHER", "x").await;
    env.delete("staging", "/", "TOKEN").await;
    for id in [&a["id"], &b["id"]] {
        env.trigger(id.as_str().expect("id")).await;
    }
    env.app.drain().await;
    let vars = env.api_vars();
    assert_eq!(vars.get("DEV_TOKEN"), Some(&val("dev-token")), "b never deletes a's keys");
    assert_eq!(vars.get("DEV_OTHER"), Some(&val("x")));
    assert!(!vars.contains_key("staging_TOKEN"), "b deletes its own");
    assert!(vars.contains_key("DATABASE_URL") && vars.contains_key("LOG_LEVEL"));
}

#[tokio::test]
async fn the_plan_preview_names_keys_and_actions_never_values() {
    let env = start().await;
    env.put("dev", "/", "NEW_ONE", "brand-new-value").await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_GONE", "old-value", false);
    let id = env
        .create_sync({
            let mut b = env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
            b["isAutoSyncEnabled"] = json!(false);
            b
        })
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let resp = env.app.api.post(&format!("{SYNCS}/{id}/plan"), json!({})).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert!(!resp.text.contains("brand-new-value") && !resp.text.contains("old-value"));
    let entries = resp.body["plan"]["entries"].as_array().cloned().unwrap_or_default();
    let action =
        |k: &str| entries.iter().find(|e| e["key"] == k).map(|e| e["action"].as_str().unwrap_or("").to_string());
    assert_eq!(action("SLUICE_NEW_ONE").as_deref(), Some("create"));
    assert_eq!(action("SLUICE_GONE").as_deref(), Some("delete"));
    assert_eq!(action("STRIPE_SECRET_KEY").as_deref(), Some("skip"));
    assert_eq!(env.count("variableCollectionUpsert"), 0, "a preview writes nothing");
}
