//! Reconciliation: a sync that failed for good during a long Railway outage is tried
//! again on its own, paced like any other work, and recovers when Railway comes back,
//! without anyone clicking "Sync now" and without telling its failure again each time.

use super::support::*;
use crate::notify_support::{self, WebhookReceiver, verify};
use serde_json::Value;
use sluice_engine::reconcile::schedule_due;
use sluice_railway_fake::Fault;
use sluice_storage::now_ms;
use std::time::Duration;

fn ms(iso: &str) -> i64 {
    let t = time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339).expect("iso");
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn event_types(receiver: &WebhookReceiver, secret: &str) -> Vec<String> {
    receiver.received().iter().map(|r| verify(secret, r)["type"].as_str().unwrap_or("").to_string()).collect()
}

/// An auto-sync that has pushed `A=1` once, and a webhook that hears its outcomes.
async fn synced() -> (Env, String, WebhookReceiver, String) {
    let env = start_with(|s| s.engine.railway_timeout = Duration::from_millis(800)).await;
    let receiver = WebhookReceiver::start().await;
    let (_, secret) = notify_support::webhook(&env.app, "ops", &receiver.url, None).await;
    env.put("dev", "/", "A", "1").await;
    let body = env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    let id = env.create_sync(body).await["id"].as_str().expect("id").to_string();
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")));
    (env, id, receiver, secret)
}

#[tokio::test]
async fn a_sync_failed_by_a_long_outage_is_tried_again_on_its_own_and_recovers() {
    let (env, id, receiver, secret) = synced().await;
    let engine = &env.app.state().engine;

    // Railway is down for longer than a sync job's retries last.
    env.fake.inject(Fault::http_status(503).times(10_000));
    env.put("dev", "/", "A", "2").await;
    let failed_at = now_ms();
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "failed", "{s}");
    let next = ms(s["nextSyncAttemptAt"].as_str().expect("a failed auto-sync says when it is tried again"));
    assert!(
        (failed_at + 9 * 60_000 - 1_000..=now_ms() + 11 * 60_000).contains(&next),
        "tried again in about 10 minutes: {s}"
    );
    notify_support::deliver(&env.app).await;
    assert_eq!(event_types(&receiver, &secret), ["sync.failed"]);
    let page = crate::ui::Browser::sign_in(&env.app)
        .await
        .get(&format!("/projects/{}/syncs/{id}", env.app.project_id()))
        .await;
    page.assert_contains("Failed to sync");
    assert!(
        page.body.contains("tried again on its own in 9 minutes")
            || page.body.contains("tried again on its own in 10 minutes")
            || page.body.contains("tried again on its own in 11 minutes"),
        "the page says when: {}",
        page.body
    );

    // Not before its time.
    assert_eq!(schedule_due(engine, now_ms()).await.expect("schedule"), 0);
    env.app.assert_idle().await;

    // Due while Railway is still down: one more sync job, which fails again and is
    // scheduled again; the failure is not told a second time.
    assert_eq!(schedule_due(engine, next).await.expect("schedule"), 1);
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "failed", "{s}");
    assert_eq!(env.runs(&id).await[0]["trigger"], "reconcile");
    let again = ms(s["nextSyncAttemptAt"].as_str().expect("scheduled again"));
    assert!(again > now_ms() + 8 * 60_000, "the next try is an interval later: {s}");
    notify_support::deliver(&env.app).await;
    assert_eq!(event_types(&receiver, &secret), ["sync.failed"], "told once");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")), "Railway still holds the old value");

    // Railway comes back; at the next reconciliation the sync catches up by itself.
    env.fake.clear_faults();
    assert_eq!(schedule_due(engine, again).await.expect("schedule"), 1);
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded", "{s}");
    assert_eq!(s["nextSyncAttemptAt"], Value::Null, "{s}");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("2")));
    notify_support::deliver(&env.app).await;
    assert_eq!(event_types(&receiver, &secret), ["sync.failed", "sync.recovered"]);
    assert_eq!(schedule_due(engine, again + 3_600_000).await.expect("schedule"), 0, "nothing left to reconcile");
    env.app.assert_idle().await;
}

#[tokio::test]
async fn reconciliation_waits_out_a_rate_limit_and_skips_syncs_that_only_sync_when_asked() {
    let (env, id, _receiver, _secret) = synced().await;
    let engine = &env.app.state().engine;
    env.fake.inject(Fault::http_status(503).times(10_000));
    env.put("dev", "/", "A", "2").await;
    env.app.drain_all().await;
    let next = ms(env.sync(&id).await["nextSyncAttemptAt"].as_str().expect("scheduled"));
    env.fake.clear_faults();

    // Railway is rate-limiting the connection's token: the retry moves past the pause.
    env.fake.inject(Fault::rate_limited(3_600).times(1));
    let other = env.create_sync(env.sync_body("probe", opts("overwrite-destination", Some("P_{{secretKey}}")))).await;
    env.app.drain().await;
    assert_eq!(env.sync(other["id"].as_str().expect("id")).await["syncStatus"], "pending", "the probe hit the limit");
    assert_eq!(schedule_due(engine, next).await.expect("schedule"), 0, "paused");
    let moved = ms(env.sync(&id).await["nextSyncAttemptAt"].as_str().expect("still scheduled"));
    assert!(moved > now_ms() + 3_000_000, "moved past the token's pause");
    env.let_pauses_pass().await;
    env.app.drain_all().await;

    // Auto-sync switched off since: the failed sync is left for someone to run.
    let path = format!("/api/v1/secret-syncs/railway/{id}");
    env.app.api.patch(&path, serde_json::json!({"isAutoSyncEnabled": false})).await.expect(200);
    assert_eq!(schedule_due(engine, moved + 60_000).await.expect("schedule"), 0);
    let s = env.sync(&id).await;
    assert_eq!((s["syncStatus"].as_str(), &s["nextSyncAttemptAt"]), (Some("failed"), &Value::Null), "{s}");
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("1")));
    env.app.assert_idle().await;
}
