//! A sync filtered by tags (`syncOptions.tagSlugs`): only the tagged secrets reach
//! Railway, and a key the filter leaves out is never deleted there as "absent from the
//! source": the plan shows it skipped, filtered out by tags.

use super::support::*;
use serde_json::{Value, json};

fn plan_entry<'a>(run: &'a Value, key: &str) -> &'a Value {
    run["plan"].as_array().expect("plan").iter().find(|e| e["key"] == key).unwrap_or(&Value::Null)
}

async fn tag_secret(env: &Env, key: &str, tag_ids: &[&str]) {
    let body = json!({"workspaceId": env.app.project_id(), "environment": "dev", "tagIds": tag_ids});
    env.app.api.patch(&format!("/api/v3/secrets/raw/{key}"), body).await.expect(200);
}

#[tokio::test]
async fn a_tag_filtered_sync_pushes_only_tagged_keys_and_never_deletes_the_others() {
    let env = start().await;
    let tags = format!("/api/v1/projects/{}/tags", env.app.project_id());
    let railway = env.app.api.post(&tags, json!({"slug": "railway"})).await.expect(200)["tag"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    env.put("dev", "/", "API_KEY", "k-1").await;
    env.put("dev", "/", "DB_PASS", "p-1").await;
    // First unfiltered: both keys reach Railway, and the sync owns both.
    let schema = Some("SLUICE_{{secretKey}}");
    let id = env.create_sync(env.sync_body("tagged", opts("overwrite-destination", schema))).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_DB_PASS"), Some(&val("p-1")));

    // Now only secrets tagged `railway`.
    tag_secret(&env, "API_KEY", &[&railway]).await;
    let mut options = opts("overwrite-destination", schema);
    options["tagSlugs"] = json!(["railway"]);
    let patched = env.app.api.patch(&format!("{SYNCS}/{id}"), json!({"syncOptions": options})).await.expect(200);
    assert_eq!(patched["secretSync"]["syncOptions"]["tagSlugs"], json!(["railway"]));
    env.app.drain().await;

    env.put("dev", "/", "API_KEY", "k-2").await;
    env.put("dev", "/", "DB_PASS", "p-2").await;
    env.put("dev", "/", "NEW_UNTAGGED", "n-1").await;
    env.app.drain().await;
    env.app.assert_idle().await;
    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_API_KEY"), Some(&val("k-2")), "tagged keys sync");
    assert_eq!(vars.get("SLUICE_DB_PASS"), Some(&val("p-1")), "untagged: neither written nor deleted");
    assert!(!vars.contains_key("SLUICE_NEW_UNTAGGED"), "untagged keys are not created");
    let runs = env.runs(&id).await;
    let last = &runs[0];
    assert_eq!(last["status"], "succeeded");
    let skipped = plan_entry(last, "SLUICE_DB_PASS");
    assert_eq!(skipped["action"], "skip", "{skipped}");
    assert_eq!(skipped["reason"], "filtered-by-tags", "{skipped}");
    assert!(skipped.to_string().contains("filtered out by tags"), "{skipped}");

    // The preview says the same; a PATCH that does not send tagSlugs keeps the filter.
    let plan = env.app.api.post(&format!("{SYNCS}/{id}/plan"), json!({})).await.expect(200);
    assert!(plan.to_string().contains("filtered-by-tags"), "{plan}");
    let keep = json!({"syncOptions": opts("overwrite-destination", schema)});
    let kept = env.app.api.patch(&format!("{SYNCS}/{id}"), keep).await.expect(200);
    assert_eq!(kept["secretSync"]["syncOptions"]["tagSlugs"], json!(["railway"]));
    env.app.drain().await;

    // Tagging a secret brings it in; an empty filter syncs everything again.
    tag_secret(&env, "NEW_UNTAGGED", &[&railway]).await;
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_NEW_UNTAGGED"), Some(&val("n-1")));
    let mut all = opts("overwrite-destination", schema);
    all["tagSlugs"] = json!([]);
    env.app.api.patch(&format!("{SYNCS}/{id}"), json!({"syncOptions": all})).await.expect(200);
    env.trigger(&id).await;
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_DB_PASS"), Some(&val("p-2")));

    // A bad slug names its field.
    let mut bad = opts("overwrite-destination", schema);
    bad["tagSlugs"] = json!(["ok", "Not Ok"]);
    let resp = env.app.api.patch(&format!("{SYNCS}/{id}"), json!({"syncOptions": bad})).await;
    assert_eq!(resp.status, 422, "{}", resp.text);
    assert!(resp.message().contains("syncOptions.tagSlugs[1]"), "{}", resp.message());
}
