//! Railway failing: rate limits, outages, refused tokens, timeouts, lost answers.

use super::support::*;
use sluice_railway_fake::Fault;
use std::time::Duration;

async fn synced_once() -> (Env, String) {
    let env = start_with(|s| s.engine.railway_timeout = Duration::from_millis(800)).await;
    env.put("dev", "/", "A", "1").await;
    let mut body = env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    body["isAutoSyncEnabled"] = serde_json::json!(false);
    let id = env.create_sync(body).await["id"].as_str().expect("id").to_string();
    (env, id)
}

#[tokio::test]
async fn a_rate_limit_is_retried_no_earlier_than_retry_after_and_visible_meanwhile() {
    let (env, id) = synced_once().await;
    env.fake.inject(Fault::rate_limited(120).times(1));
    env.trigger(&id).await;
    let before = sluice_storage::now_ms();
    env.app.drain().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "pending", "waiting to retry: {s}");
    assert_eq!(s["syncAttempt"], 1);
    let next = s["nextSyncAttemptAt"].as_str().expect("next attempt time");
    let next_ms = time::OffsetDateTime::parse(next, &time::format_description::well_known::Rfc3339)
        .expect("iso")
        .unix_timestamp()
        * 1000;
    assert!(next_ms >= before + 119_000, "honours Retry-After: {next}");
    assert!(s["lastSyncMessage"].as_str().is_some_and(|m| m.contains("rate limit")), "{s}");
    assert_eq!(env.runs(&id).await[0]["status"], "retrying");

    // Two minutes pass: the token's pause is over.
    env.let_pauses_pass().await;
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded");
    assert_eq!(s["syncAttempt"], 0);
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")));
}

#[tokio::test]
async fn outages_are_retried_until_they_pass() {
    let (env, id) = synced_once().await;
    env.fake.inject(Fault::http_status(503).times(2));
    env.fake.inject(Fault::problem_processing_request().times(1));
    env.trigger(&id).await;
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded", "{s}");
    let runs = env.runs(&id).await;
    assert_eq!(runs.len(), 4, "three failed attempts and a success");
    assert!(runs.iter().skip(1).all(|r| r["status"] == "retrying"));
    env.app.assert_idle().await;
}

#[tokio::test]
async fn a_refused_token_fails_at_once_with_railways_words() {
    let (env, id) = synced_once().await;
    env.fake.inject(Fault::not_authorized().times(10));
    env.trigger(&id).await;
    let report = env.app.drain_all().await;
    assert_eq!(report.runs, 1, "no retries for Not Authorized");
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "failed");
    assert!(s["lastSyncMessage"].as_str().is_some_and(|m| m.contains("Not Authorized")), "{s}");
    env.app.assert_idle().await;
}

#[tokio::test]
async fn a_slow_read_times_out_and_is_retried() {
    let (env, id) = synced_once().await;
    env.fake.inject(Fault::slow(Duration::from_secs(3)).times(1).for_root_field("variables"));
    env.trigger(&id).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")));
}

#[tokio::test]
async fn a_write_whose_answer_is_lost_is_never_blindly_resent() {
    let (env, id) = synced_once().await;
    env.fake.inject(Fault::fail_after_apply().times(1).for_root_field("variableCollectionUpsert"));
    env.trigger(&id).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")));
    // The upsert was applied by the first attempt; the retry re-read and found nothing to write.
    assert_eq!(env.count("variableCollectionUpsert"), 1, "{:?}", env.calls());
    assert_eq!(env.count("variables"), 2, "{:?}", env.calls());
    // The redeploy the first attempt owed is still made, once.
    assert_eq!(env.redeploys_of_api(), 1, "{:?}", env.fake.deploys());
}

#[tokio::test]
async fn a_redeploy_whose_answer_is_lost_is_not_made_again() {
    let (env, id) = synced_once().await;
    env.app.drain_all().await;
    env.fake.clear_deploys();
    env.fake.clear_requests();
    env.put("dev", "/", "A", "2").await;
    // Railway makes the redeploy, then its answer is lost (as when the node dies before
    // recording it): the retry finds the deployment made after the write and follows it.
    env.fake.inject(Fault::fail_after_apply().times(1).for_root_field("deploymentRedeploy"));
    env.trigger(&id).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(env.redeploys_of_api(), 1, "one change, one redeploy: {:?}", env.fake.deploys());
    assert_eq!(env.count("deploymentRedeploy"), 1, "{:?}", env.calls());
    let running = env.fake.running(PRODUCTION, API).expect("running");
    assert_eq!(running.variables.get("SLUICE_A"), Some(&Some("2".to_string())), "the app runs the new value");
}

#[tokio::test]
async fn sealed_and_railway_provided_keys_are_never_touched_and_configuration_keys_are_synced() {
    let env = start().await;
    env.put("dev", "/", "STRIPE_SECRET_KEY", "from-sluice").await;
    env.put("dev", "/", "RAILWAY_PUBLIC_DOMAIN", "evil.example").await;
    env.put("dev", "/", "RAILWAY_STATIC_URL", "old.example").await;
    env.put("dev", "/", "RAILWAY_DOCKERFILE_PATH", "Dockerfile.x").await;
    let id = env.create_sync(env.sync_body("s", opts("overwrite-destination", None))).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    env.app.drain().await;
    let vars = env.api_vars();
    assert_eq!(vars.get("STRIPE_SECRET_KEY"), Some(&None), "still sealed, never overwritten");
    assert!(!vars.contains_key("RAILWAY_PUBLIC_DOMAIN"), "Railway provides it");
    assert!(!vars.contains_key("RAILWAY_STATIC_URL"), "an undocumented RAILWAY_ name is left to Railway");
    assert_eq!(vars.get("RAILWAY_DOCKERFILE_PATH"), Some(&val("Dockerfile.x")), "a configuration variable");

    let plan = env.runs(&id).await[0]["plan"].clone();
    let entry = |key: &str| plan.as_array().and_then(|p| p.iter().find(|e| e["key"] == key)).cloned();
    let provided = entry("RAILWAY_PUBLIC_DOMAIN").expect("entry");
    assert_eq!((provided["action"].as_str(), provided["reason"].as_str()), (Some("skip"), Some("provided")));
    let config = entry("RAILWAY_DOCKERFILE_PATH").expect("entry");
    assert_eq!(config["action"], "create");
    assert_eq!(config["configures"], true);
    assert!(config["detail"].as_str().is_some_and(|d| d.contains("configuration variable")), "{config}");
}

#[tokio::test]
async fn a_sync_whose_stored_options_cannot_be_read_fails_once_and_says_why() {
    let (env, id) = synced_once().await;
    env.app.drain_all().await;
    env.trigger(&id).await;
    // A newer Sluice sharing the database wrote an option this one does not know.
    let mut tx = env.app.state().store.write().await.expect("tx");
    sqlx::query("UPDATE secret_syncs SET sync_options = $1 WHERE id = $2")
        .bind(r#"{"initialSyncBehavior":"merge-by-magic"}"#)
        .bind(&id)
        .execute(&mut *tx)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    let calls_before = env.calls().len();

    env.app.drain_all().await;

    env.app.assert_idle().await;
    assert_eq!(env.calls().len(), calls_before, "nothing was sent to Railway");
    let mut conn = env.app.state().store.read().await.expect("conn");
    let (status, message): (String, Option<String>) =
        sqlx::query_as("SELECT sync_status, last_sync_message FROM secret_syncs WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *conn)
            .await
            .expect("row");
    assert_eq!(status, "failed");
    let message = message.unwrap_or_default();
    assert!(message.contains("stored configuration cannot be read"), "{message}");
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE sync_id = $1 AND state = 'failed'")
        .bind(&id)
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(failed, 1, "the job failed once instead of being claimed again and again");
}

/// The details page: the failure's message once (not again beside the badge), and no
/// "Railway said" for an error Sluice raised itself.
#[tokio::test]
async fn the_details_page_shows_a_failure_once_and_blames_railway_only_for_its_own_words() {
    let (env, id) = synced_once().await;
    let browser = crate::ui::Browser::sign_in(&env.app).await;
    let page_of = |id: &str| format!("/projects/{}/syncs/{id}", env.app.project_id());
    let shown = |body: &str, message: &str| body.matches(&format!("</strong> {message}</div>")).count();

    // Railway refuses the token: its words, introduced as what they are.
    env.fake.inject(Fault::not_authorized().times(10));
    env.trigger(&id).await;
    env.app.drain_all().await;
    let message = env.sync(&id).await["lastSyncMessage"].as_str().expect("message").to_string();
    assert!(message.starts_with("Railway refused the credentials"), "{message}");
    let page = browser.get(&page_of(&id)).await;
    assert_eq!(shown(&page.body, &message), 1, "{}", page.body);
    assert!(!page.body.contains("Railway said"), "{}", page.body);
    let beside_badge = page.body.split("data-next-attempt>").nth(1).and_then(|s| s.split("</span>").next());
    assert_eq!(beside_badge, Some(""), "the message is not repeated beside the badge");

    // Sluice's own error: the source folder is deleted while the sync waits in the queue.
    env.folder("dev", "/", "app").await;
    env.put("dev", "/app", "B", "2").await;
    let mut body = env.sync_body("from-app", opts("overwrite-destination", Some("APP_{{secretKey}}")));
    body["secretPath"] = serde_json::json!("/app");
    body["isAutoSyncEnabled"] = serde_json::json!(false);
    let app_sync = env.create_sync(body).await["id"].as_str().expect("id").to_string();
    let del = serde_json::json!({"projectId": env.app.project_id(), "environment": "dev", "path": "/"});
    env.trigger(&app_sync).await;
    env.app.api.delete_json("/api/v1/folders/app", del).await.expect(200);
    env.app.drain_all().await;
    let s = env.sync(&app_sync).await;
    assert_eq!(s["syncStatus"], "failed", "{s}");
    let message = s["lastSyncMessage"].as_str().expect("message").to_string();
    let page = browser.get(&page_of(&app_sync)).await;
    assert_eq!(shown(&page.body, &askama_escape(&message)), 1, "{message}\n{}", page.body);
    assert!(!page.body.contains("Railway said") && !message.contains("Railway"), "{message}");
    page.assert_contains("The sync failed:");
}

/// The text as the page's templates escape it.
fn askama_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")
}
