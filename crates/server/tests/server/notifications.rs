//! Notification channels through the API: who may manage them, what is refused and how,
//! the test event through the real delivery path to a receiver that verifies the
//! signature, a receiver that is down (retried with backoff, every attempt in the log),
//! and email without SMTP.

use crate::access_support::{other_org, project_member};
use crate::notify_support::{self, WebhookReceiver, channels_path, deliver_all, verify};
use serde_json::json;
use sluice_testkit::TestApp;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn notification_channels_are_managed_by_project_admins_with_clear_refusals() {
    let app = TestApp::spawn().await;
    let path = channels_path(&app);
    let receiver = WebhookReceiver::start().await;
    let (hook, secret) =
        notify_support::webhook(&app, "ops", &receiver.url, Some(&["sync.failed", "connection.rejected"])).await;
    assert!(secret.starts_with("whsec_"));
    assert_eq!(hook["type"], "webhook");
    assert_eq!(hook["isEnabled"], true);
    assert_eq!(hook["allEvents"], false);
    assert_eq!(hook["eventTypes"], json!(["sync.failed", "connection.rejected"]));
    let id = hook["id"].as_str().expect("id").to_string();

    // The secret is shown once: never by a read.
    let one = app.api.get(&format!("{path}/{id}")).await.expect(200);
    let listed = app.api.get(&path).await;
    assert!(!one.to_string().contains(&secret[6..]) && !listed.text.contains(&secret[6..]));
    assert_eq!(listed.body["notificationChannels"].as_array().map(Vec::len), Some(1));

    // Edits: disable, every event, new URL; a name that is taken is refused.
    let patched = app
        .api
        .patch(
            &format!("{path}/{id}"),
            json!({"isEnabled": false, "eventTypes": null, "url": "https://example.test/h"}),
        )
        .await
        .expect(200)["notificationChannel"]
        .clone();
    assert_eq!((patched["isEnabled"].as_bool(), patched["allEvents"].as_bool()), (Some(false), Some(true)));
    assert_eq!(patched["eventTypes"].as_array().map(Vec::len), Some(5));
    assert_eq!(patched["url"], "https://example.test/h");
    let mail = notify_support::email(&app, "ops-mail", &["ops@example.test"]).await;
    let taken = app.api.patch(&format!("{path}/{}", mail["id"].as_str().expect("id")), json!({"name": "ops"})).await;
    assert_eq!(taken.status, 400, "{}", taken.text);
    assert!(taken.message().contains("already exists"), "{}", taken.text);

    // Refusals in Infisical's error shape, naming the field.
    for (body, field, words) in [
        (json!({"name": "a", "type": "webhook", "url": "ftp://example.test/"}), "body.url", "https://"),
        (json!({"name": "a", "type": "webhook", "url": "not a url"}), "body.url", "not a URL"),
        (json!({"name": "a", "type": "webhook"}), "body.url", "needs a URL"),
        (json!({"name": "a", "type": "email", "recipients": ["nope"]}), "body.recipients", "not an email address"),
        (json!({"name": "a", "type": "email", "recipients": []}), "body.recipients", "at least one"),
        (json!({"name": "a", "type": "sms"}), "body.type", "webhook or email"),
        (
            json!({"name": "a", "type": "webhook", "url": "https://x.test", "eventTypes": ["sync.exploded"]}),
            "body.eventTypes",
            "sync.exploded",
        ),
        (json!({"name": "Not A Slug", "type": "webhook", "url": "https://x.test"}), "body.name", ""),
    ] {
        let r = app.api.post(&path, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.body["error"], "ValidationFailure");
        assert_eq!(r.body["statusCode"], 422);
        assert!(r.body["reqId"].is_string());
        assert_eq!(r.body["details"][0]["path"], field, "{}", r.text);
        assert!(r.message().contains(words), "{body}: {}", r.text);
    }
    let dup = app.api.post(&path, json!({"name": "ops", "type": "webhook", "url": "https://x.test"})).await;
    assert_eq!(dup.status, 400);

    // Members and viewers may not see or touch channels; another organization does not
    // learn the project exists; a channel is reached only through its own project.
    for role in ["member", "viewer"] {
        let m = project_member(&app, role).await;
        for r in [
            m.client.get(&path).await,
            m.client.get(&format!("{path}/{id}")).await,
            m.client.post(&path, json!({"name": "x", "type": "webhook", "url": "https://x.test"})).await,
            m.client.post(&format!("{path}/{id}/test"), json!({})).await,
            m.client.get(&format!("{path}/{id}/deliveries")).await,
            m.client.delete(&format!("{path}/{id}")).await,
        ] {
            assert_eq!(r.status, 403, "{role}: {}", r.text);
            assert_eq!(r.body["error"], "PermissionDenied");
        }
    }
    let (_, outsider) = other_org(&app).await;
    assert_eq!(outsider.client.get(&path).await.status, 404);
    assert_eq!(outsider.client.post(&format!("{path}/{id}/test"), json!({})).await.status, 404);
    let other_project = app.api.post("/api/v1/projects", json!({"projectName": "second"})).await.expect(200)["project"]
        ["id"]
        .as_str()
        .expect("project id")
        .to_string();
    let elsewhere = format!("/api/v1/projects/{other_project}/notification-channels/{id}");
    assert_eq!(app.api.get(&elsewhere).await.status, 404);

    // Audited, without the secret; delete takes the log along.
    app.api.delete(&format!("{path}/{id}")).await.expect(200);
    assert_eq!(app.api.get(&format!("{path}/{id}")).await.status, 404);
    let audit = app.api.get(&format!("/api/v1/projects/{}/audit-logs?limit=100", app.project_id())).await.expect(200);
    let text = audit.to_string();
    for action in ["create-notification-channel", "update-notification-channel", "delete-notification-channel"] {
        assert!(text.contains(action), "{action} is audited");
    }
    assert!(!text.contains(&secret[6..]), "the signing secret is not in the audit log");
}

#[tokio::test]
async fn the_test_event_reaches_the_receiver_signed_and_a_rotated_secret_replaces_the_old_one() {
    let app = TestApp::spawn().await;
    let receiver = WebhookReceiver::start().await;
    let (hook, secret) = notify_support::webhook(&app, "ops", &receiver.url, Some(&["sync.failed"])).await;
    let path = format!("{}/{}", channels_path(&app), hook["id"].as_str().expect("id"));

    // A test event goes to the channel whatever it subscribes to, and is answered with its delivery.
    let delivery = app.api.post(&format!("{path}/test"), json!({})).await.expect(200)["delivery"].clone();
    assert_eq!(delivery["status"], "delivered", "{delivery}");
    assert_eq!((delivery["attempts"].as_i64(), delivery["lastStatusCode"].as_i64()), (Some(1), Some(200)));
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let event = verify(&secret, &got[0]);
    assert_eq!(event["type"], "test");
    assert_eq!(event["data"]["channelName"], "ops");
    assert_eq!(got[0].id, delivery["eventId"].as_str().expect("event id"), "webhook-id is the event id");

    // Rotating: the new secret (shown once) signs; the old one no longer verifies.
    let rotated = app.api.post(&format!("{path}/rotate-secret"), json!({})).await.expect(200);
    let new_secret = rotated["signingSecret"].as_str().expect("new secret").to_string();
    assert_ne!(new_secret, secret);
    app.api.post(&format!("{path}/test"), json!({})).await.expect(200);
    let second = receiver.received().pop().expect("second test");
    verify(&new_secret, &second);
    let old = std::panic::catch_unwind(|| verify(&secret, &second));
    assert!(old.is_err(), "the old secret must not verify a new delivery");

    // A disabled channel can still be tried; the log lists both tests, newest first.
    app.api.patch(&path, json!({"isEnabled": false})).await.expect(200);
    app.api.post(&format!("{path}/test"), json!({})).await.expect(200);
    assert_eq!(receiver.received().len(), 3);
    let page = app.api.get(&format!("{path}/deliveries?limit=2")).await.expect(200);
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["deliveries"].as_array().map(Vec::len), Some(2));
    assert_eq!(app.api.get(&format!("{path}/deliveries?limit=0")).await.status, 422);
    let audit = app.api.get(&format!("/api/v1/projects/{}/audit-logs?limit=100", app.project_id())).await.expect(200);
    assert!(audit.to_string().contains("test-notification-channel"));
    assert!(audit.to_string().contains("rotate-notification-channel-secret"));
}

#[tokio::test]
async fn a_dead_receiver_is_retried_with_backoff_and_the_log_shows_every_attempt() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let _guard = capture(&logs);
    let app = TestApp::spawn().await;
    let receiver = WebhookReceiver::start().await;
    receiver.answer(500);
    let (hook, secret) = notify_support::webhook(&app, "down", &receiver.url, None).await;
    let path = format!("{}/{}", channels_path(&app), hook["id"].as_str().expect("id"));

    let before = sluice_storage::now_ms();
    let first = app.api.post(&format!("{path}/test"), json!({})).await.expect(200)["delivery"].clone();
    assert_eq!(first["status"], "pending", "a 500 is retried: {first}");
    assert_eq!((first["attempts"].as_i64(), first["lastStatusCode"].as_i64()), (Some(1), Some(500)));
    assert!(first["lastError"].as_str().is_some_and(|e| e.contains("HTTP 500")), "{first}");
    // The first retry comes between one and two minutes later (2 min ceiling, equal jitter).
    let next = time::OffsetDateTime::parse(
        first["nextAttemptAt"].as_str().expect("next attempt"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("iso");
    let next_ms = (next.unix_timestamp_nanos() / 1_000_000) as i64;
    assert!((before + 59_000..=sluice_storage::now_ms() + 121_000).contains(&next_ms), "{first}");
    assert_eq!(notify_support::deliver(&app).await.attempts, 0, "nothing is due before the backoff passed");

    // Time passes: every remaining attempt fails too, then the delivery gives up.
    let report = deliver_all(&app).await;
    assert_eq!((report.attempts, report.delivered), (5, 0));
    let got = receiver.received();
    assert_eq!(got.len(), 6, "six attempts in all");
    assert!(got.iter().all(|r| r.id == got[0].id), "the same webhook-id on every attempt");
    for r in &got {
        verify(&secret, r);
    }
    let log = notify_support::log(&app, hook["id"].as_str().expect("id")).await;
    assert_eq!(log.len(), 1);
    let d = &log[0];
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64(), d["maxAttempts"].as_i64()),
        (Some("failed"), Some(6), Some(6))
    );
    assert_eq!(d["lastStatusCode"], 500);
    assert!(d["nextAttemptAt"].is_null() && d["finishedAt"].is_string(), "{d}");

    // A receiver that is not there at all: the error says so, without the URL.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{closed}/hook?token=receiver-token-123");
    let (gone, _) = notify_support::webhook(&app, "gone", &url, None).await;
    let gone_path = format!("{}/{}", channels_path(&app), gone["id"].as_str().expect("id"));
    let d = app.api.post(&format!("{gone_path}/test"), json!({})).await.expect(200)["delivery"].clone();
    assert_eq!(d["status"], "pending");
    assert!(d["lastStatusCode"].is_null());
    let error = d["lastError"].as_str().expect("error");
    assert!(error.contains("could not connect"), "{error}");
    assert!(!error.contains("receiver-token-123"), "errors never carry the URL: {error}");
    let audit = app.api.get(&format!("/api/v1/projects/{}/audit-logs?limit=100", app.project_id())).await.expect(200);
    assert!(!audit.to_string().contains("receiver-token-123"), "the audit log keeps the URL's host only");
    assert!(audit.to_string().contains(&format!("127.0.0.1:{closed}")));

    // Each failed attempt was logged, never with the secret or the URL's token.
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(logged.matches("notification delivery failed; it will be retried").count() >= 6, "{logged}");
    assert!(logged.contains("notification delivery failed for good"), "{logged}");
    assert!(!logged.contains(&secret[6..]) && !logged.contains("receiver-token-123"));
}

#[tokio::test]
async fn email_channels_without_smtp_can_be_made_and_their_deliveries_say_why_they_fail() {
    let app = TestApp::spawn().await;
    let mail = notify_support::email(&app, "ops-mail", &["ops@example.test"]).await;
    assert_eq!(mail["recipients"], json!(["ops@example.test"]));
    let path = format!("{}/{}", channels_path(&app), mail["id"].as_str().expect("id"));
    let d = app.api.post(&format!("{path}/test"), json!({})).await.expect(200)["delivery"].clone();
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("failed"), Some(1)), "not retried: {d}");
    assert!(d["lastError"].as_str().is_some_and(|e| e.contains("SMTP is not configured")), "{d}");
}

/// Captures this test's logs (the server runs on the test's runtime and thread).
fn capture(buf: &Arc<Mutex<Vec<u8>>>) -> tracing::subscriber::DefaultGuard {
    #[derive(Clone)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let writer = Buf(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("sluice_notify=trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_default(subscriber)
}
