//! Notifications of sync outcomes, end to end: Railway refuses the connection's token, the
//! sync fails, and the project's channels hear about it — a real HTTP receiver that
//! verifies the Standard Webhooks signature itself, and a real SMTP server — then the
//! sync recovers and they hear that too. No secret value appears in anything sent or
//! logged.

use super::support::*;
use crate::notify_support::{self, SmtpReceiver, WebhookReceiver, verify};
use serde_json::{Value, json};
use sluice_railway_fake::Fault;

const CANARY: &str = "canary-7f3a9c-do-not-send";

#[tokio::test]
async fn a_failing_sync_notifies_by_signed_webhook_and_email_then_its_recovery() {
    let mut smtp = SmtpReceiver::start().await;
    let smtp_settings = smtp.as_ref().map(SmtpReceiver::settings);
    let env = start_with(move |s| s.notify.smtp = smtp_settings).await;
    let app = &env.app;
    let receiver = WebhookReceiver::start().await;
    let (hook, secret) = notify_support::webhook(app, "ops-hook", &receiver.url, None).await;
    let only_recoveries = WebhookReceiver::start().await;
    let (_, recoveries_secret) =
        notify_support::webhook(app, "recoveries", &only_recoveries.url, Some(&["sync.recovered"])).await;
    let muted = WebhookReceiver::start().await;
    let (muted_hook, _) = notify_support::webhook(app, "muted", &muted.url, None).await;
    let path = format!("{}/{}", notify_support::channels_path(app), muted_hook["id"].as_str().expect("id"));
    app.api.patch(&path, json!({"isEnabled": false})).await.expect(200);
    let mail = notify_support::email(app, "ops-mail", &["ops@example.test", "oncall@example.test"]).await;

    env.put("dev", "/", "API_KEY", CANARY).await;
    let mut body = env.sync_body("shop-api", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    body["isAutoSyncEnabled"] = json!(false);
    let sync_id = env.create_sync(body).await["id"].as_str().expect("id").to_string();

    // Railway refuses the token: the sync fails at once (no retry for Not Authorized).
    env.fake.inject(Fault::not_authorized().times(1));
    env.trigger(&sync_id).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&sync_id).await["syncStatus"], "failed");
    let report = notify_support::deliver(app).await;
    let emails = if smtp.is_some() { 2 } else { 0 };
    assert_eq!((report.attempts, report.delivered), (4, 2 + emails), "two webhooks and two emails: {report:?}");

    // The webhook: sync.failed and connection.rejected, each correctly signed.
    let got = receiver.received();
    assert_eq!(got.len(), 2, "{got:?}");
    let events: Vec<Value> = got.iter().map(|r| verify(&secret, r)).collect();
    let failed = events.iter().find(|e| e["type"] == "sync.failed").expect("sync.failed");
    assert_eq!(failed["data"]["syncId"], sync_id.as_str());
    assert_eq!(failed["data"]["syncName"], "shop-api");
    assert_eq!(failed["data"]["projectId"], app.project_id());
    assert_eq!(failed["data"]["destination"], "railway");
    assert_eq!(failed["data"]["attempt"], 1);
    assert!(failed["data"]["runId"].is_string() && failed["data"]["jobId"].is_string(), "{failed}");
    assert!(failed["data"]["message"].as_str().is_some_and(|m| m.contains("Not Authorized")), "{failed}");
    assert!(failed["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{failed}");
    let rejected = events.iter().find(|e| e["type"] == "connection.rejected").expect("connection.rejected");
    assert_eq!(rejected["data"]["connectionId"], env.connection_id.as_str());
    assert_eq!(rejected["data"]["connectionName"], "railway");
    assert_ne!(got[0].id, got[1].id, "each event has its own webhook-id");
    assert!(only_recoveries.received().is_empty(), "a channel subscribed to sync.recovered heard nothing yet");
    assert!(muted.received().is_empty(), "a disabled channel hears nothing");

    // The email: both recipients, the sync named in the subject, Railway's words in the text.
    if let Some(smtp) = smtp.as_mut() {
        let mut mails = [smtp.next_mail().await, smtp.next_mail().await];
        mails.sort_by_key(|m| m.data.contains("connection.rejected"));
        let m = &mails[0];
        assert_eq!(m.from, "sluice@example.test");
        assert_eq!(m.to, vec!["ops@example.test".to_string(), "oncall@example.test".to_string()]);
        assert!(m.data.contains("Subject: [Sluice] A sync failed: shop-api"), "{}", m.data);
        assert!(m.data.contains("Not Authorized") && m.data.contains(&sync_id), "{}", m.data);
        assert!(mails[1].data.contains("Railway refused a connection"), "{}", mails[1].data);
        assert!(mails.iter().all(|m| !m.data.contains(CANARY)), "no secret value in email");
    }
    let mail_log = notify_support::log(app, mail["id"].as_str().expect("id")).await;
    let want = if smtp.is_some() { "delivered" } else { "failed" };
    assert!(mail_log.iter().all(|d| d["status"] == want), "{mail_log:?}");

    // The sync works again: sync.recovered, to the catch-all and to the subscriber.
    env.trigger(&sync_id).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&sync_id).await["syncStatus"], "succeeded");
    notify_support::deliver(app).await;
    let recovered = verify(&secret, receiver.received().last().expect("a third webhook"));
    assert_eq!(recovered["type"], "sync.recovered");
    assert_eq!(recovered["data"]["syncName"], "shop-api");
    assert!(recovered["data"]["previousMessage"].as_str().is_some_and(|m| m.contains("Not Authorized")), "{recovered}");
    let sub = only_recoveries.received();
    assert_eq!(sub.len(), 1);
    assert_eq!(verify(&recoveries_secret, &sub[0])["type"], "sync.recovered");
    if let Some(smtp) = smtp.as_mut() {
        let m = smtp.next_mail().await;
        assert!(m.data.contains("Subject: [Sluice] A sync recovered: shop-api"), "{}", m.data);
    }

    // A further success is no news.
    env.trigger(&sync_id).await;
    env.app.drain_all().await;
    assert_eq!(notify_support::deliver(app).await.attempts, 0);
    assert_eq!(receiver.received().len(), 3);

    // The delivery log: delivered, one attempt, HTTP 200; nothing secret anywhere.
    let hook_log = notify_support::log(app, hook["id"].as_str().expect("id")).await;
    assert_eq!(hook_log.len(), 3);
    assert_eq!(hook_log[0]["eventType"], "sync.recovered", "newest first");
    for d in &hook_log {
        assert_eq!(
            (d["status"].as_str(), d["attempts"].as_i64(), d["lastStatusCode"].as_i64()),
            (Some("delivered"), Some(1), Some(200))
        );
    }
    let everything = format!(
        "{:?} {:?} {:?} {}",
        receiver.received(),
        only_recoveries.received(),
        hook_log,
        app.api.get(&notify_support::channels_path(app)).await.text
    );
    assert!(!everything.contains(CANARY), "a secret value was sent or logged");
    assert!(!everything.contains(&secret[6..]), "the signing secret was sent or shown again");
    let stored: Vec<String> = {
        let mut conn = app.state().store.read().await.expect("conn");
        sqlx::query_scalar("SELECT data || COALESCE(last_error, '') FROM notification_deliveries")
            .fetch_all(&mut *conn)
            .await
            .expect("rows")
    };
    assert!(stored.iter().all(|d| !d.contains(CANARY) && !d.contains(&secret[6..])), "{stored:?}");
}

#[tokio::test]
async fn a_held_run_and_a_drift_are_told_once_each() {
    let env = start().await;
    let app = &env.app;
    let receiver = WebhookReceiver::start().await;
    let (_, secret) = notify_support::webhook(app, "trust", &receiver.url, Some(&["sync.held", "sync.drifted"])).await;
    let keys = ["A", "B", "C", "D", "E", "F"];
    for k in keys {
        env.put("dev", "/", k, CANARY).await;
    }
    let id = env
        .create_sync(env.sync_body("shop-api", opts("overwrite-destination", Some("SLUICE_{{secretKey}}"))))
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    env.app.drain_all().await;

    // Someone edits a variable at Railway; two checks find it: one event.
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_A", "edited-at-railway", false);
    for _ in 0..2 {
        app.api.post(&format!("{SYNCS}/{id}/check-drift"), json!({})).await.expect(200);
        env.app.drain_all().await;
    }
    // The folder is emptied: the run is held.
    for k in keys {
        env.delete("dev", "/", k).await;
    }
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "held");

    notify_support::deliver(app).await;
    let events: Vec<Value> = receiver.received().iter().map(|r| verify(&secret, r)).collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap_or("")).collect();
    assert_eq!(types, ["sync.drifted", "sync.held"], "{events:?}");
    let drifted = &events[0]["data"];
    assert_eq!(drifted["syncId"], id.as_str());
    assert_eq!(drifted["changedKeys"], json!(["SLUICE_A"]));
    assert_eq!(drifted["changedCount"], 1);
    assert_eq!(drifted["policy"], "report");
    let held = &events[1]["data"];
    assert_eq!(held["deleteCount"], 6);
    assert_eq!(held["planHash"], env.sync(&id).await["heldPlanHash"]);
    let text = serde_json::to_string(&events).expect("json");
    assert!(!text.contains(CANARY) && !text.contains("edited-at-railway"), "no values sent: {text}");
}
