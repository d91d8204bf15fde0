//! Real receivers for the notification tests: an HTTP server on a loopback port that
//! verifies each webhook's Standard Webhooks signature itself (HMAC-SHA256 computed here,
//! from the `whsec_` secret the API returned) and records what it got, and a real SMTP
//! server (Python's aiosmtpd, which `scripts/test.sh` installs into the test virtualenv).
//! Deliveries are sent by draining the outbox in the test: nothing sleeps.

#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sluice_testkit::TestApp;
use std::process::Stdio;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
}

#[derive(Clone)]
struct Shared {
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

/// An HTTP receiver answering every `POST /hook` with the status it is told to.
pub struct WebhookReceiver {
    pub url: String,
    shared: Shared,
}

impl WebhookReceiver {
    /// Starts a receiver answering 200.
    pub async fn start() -> WebhookReceiver {
        let shared = Shared { got: Arc::default(), answer: Arc::new(AtomicU16::new(200)) };
        let app = Router::new().route("/hook", post(receive)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WebhookReceiver { url, shared }
    }

    /// Answers every request with `status` from now on (500: a receiver that is down).
    pub fn answer(&self, status: u16) {
        self.shared.answer.store(status, Ordering::SeqCst);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.got.lock().expect("receiver").clone()
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    shared.got.lock().expect("receiver").push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    StatusCode::from_u16(shared.answer.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK)
}

/// Verifies a webhook as a receiver following Standard Webhooks does, independently of
/// Sluice's code: the key is the base64 after `whsec_`; the signed content is
/// `{id}.{timestamp}.{body}`; one of the space-separated `v1,<base64>` signatures must
/// match; the timestamp must be within five minutes. Returns the parsed body.
#[track_caller]
pub fn verify(secret: &str, r: &Received) -> Value {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("whsec_ prefix")).expect("base64 secret");
    assert!(key.len() >= 24, "a Standard Webhooks secret holds at least 24 bytes");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("hmac key");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(
        r.signature.split(' ').any(|s| s == expected),
        "webhook-signature {:?} does not verify (expected {expected})",
        r.signature
    );
    let ts: i64 = r.timestamp.parse().expect("webhook-timestamp is unix seconds");
    let now = sluice_storage::now_ms() / 1000;
    assert!((now - ts).abs() <= 300, "webhook-timestamp {ts} is not within five minutes of {now}");
    assert!(!r.id.is_empty() && !r.id.contains('.'), "webhook-id {:?}", r.id);
    assert_eq!(r.content_type, "application/json");
    serde_json::from_str(&r.body).expect("the body is JSON")
}

/// A real SMTP server (aiosmtpd) in a child process.
pub struct SmtpReceiver {
    pub port: u16,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

/// One email the SMTP server received.
#[derive(Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, as sent.
    pub data: String,
}

impl SmtpReceiver {
    /// Starts it, or `None` (saying so) when the test virtualenv is missing; with
    /// `SLUICE_REQUIRE_EXTERNAL_TOOLS` set (CI) a missing one fails the test.
    pub async fn start() -> Option<SmtpReceiver> {
        let python = std::env::var("SLUICE_TEST_PYTHON").ok().filter(|p| !p.is_empty());
        let usable = match &python {
            Some(p) => tokio::process::Command::new(p)
                .args(["-c", "import aiosmtpd"])
                .output()
                .await
                .is_ok_and(|o| o.status.success()),
            None => false,
        };
        if !usable {
            assert!(
                std::env::var("SLUICE_REQUIRE_EXTERNAL_TOOLS").is_err(),
                "SLUICE_TEST_PYTHON with aiosmtpd is required (scripts/test.sh installs it)"
            );
            eprintln!("skipped the email part: SLUICE_TEST_PYTHON with aiosmtpd is not set (scripts/test.sh sets it)");
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/python/smtp_receiver.py");
        let mut child = tokio::process::Command::new(python.expect("python"))
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the SMTP receiver starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines.next_line().await.expect("read").expect("the SMTP receiver says where it listens");
        let port = first.strip_prefix("LISTENING ").expect("LISTENING <port>").parse().expect("port");
        Some(SmtpReceiver { port, child, lines })
    }

    /// The next email received. The server writes it before it answers 250, so after a
    /// delivery was recorded as delivered the line is already there; the timeout only
    /// bounds a broken test.
    pub async fn next_mail(&mut self) -> Mail {
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("an email arrived")
            .expect("read")
            .expect("the SMTP receiver is running");
        let v: Value = serde_json::from_str(&line).expect("json line");
        Mail {
            from: v["from"].as_str().unwrap_or("").to_string(),
            to: v["to"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            data: v["data"].as_str().unwrap_or("").to_string(),
        }
    }

    /// SMTP settings pointing at this server (plain text, on loopback).
    pub fn settings(&self) -> sluice_notify::SmtpSettings {
        sluice_notify::SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            username: None,
            password: None,
            from: "Sluice <sluice@example.test>".into(),
            tls: sluice_notify::SmtpTls::None,
        }
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// `/api/v1/projects/{projectId}/notification-channels`.
pub fn channels_path(app: &TestApp) -> String {
    format!("/api/v1/projects/{}/notification-channels", app.project_id())
}

/// Creates a webhook channel to `url` (subscribing to `events`, or every event) and
/// returns (channel, signing secret).
pub async fn webhook(app: &TestApp, name: &str, url: &str, events: Option<&[&str]>) -> (Value, String) {
    let mut body = json!({"name": name, "type": "webhook", "url": url});
    if let Some(events) = events {
        body["eventTypes"] = json!(events);
    }
    let created = app.api.post(&channels_path(app), body).await.expect(200);
    let secret = created["signingSecret"].as_str().expect("the signing secret is shown on creation").to_string();
    (created["notificationChannel"].clone(), secret)
}

/// Creates an email channel to `recipients`.
pub async fn email(app: &TestApp, name: &str, recipients: &[&str]) -> Value {
    let body = json!({"name": name, "type": "email", "recipients": recipients});
    let created = app.api.post(&channels_path(app), body).await.expect(200);
    assert!(created["signingSecret"].is_null(), "email channels have no signing secret");
    created["notificationChannel"].clone()
}

/// Sends every delivery due now, inline.
pub async fn deliver(app: &TestApp) -> sluice_notify::DrainReport {
    sluice_notify::drain(&app.state().notifier, Default::default()).await.expect("deliver")
}

/// Sends every pending delivery, retries included, as if the backoff had passed.
pub async fn deliver_all(app: &TestApp) -> sluice_notify::DrainReport {
    let opts = sluice_notify::DrainOptions { run_delayed: true, max_attempts: 0 };
    sluice_notify::drain(&app.state().notifier, opts).await.expect("deliver")
}

/// A channel's delivery log through the API, newest first.
pub async fn log(app: &TestApp, channel_id: &str) -> Vec<Value> {
    let path = format!("{}/{channel_id}/deliveries", channels_path(app));
    app.api.get(&path).await.expect(200)["deliveries"].as_array().cloned().unwrap_or_default()
}
