//! `sluice notifications …`: add a webhook (its secret printed once) and an email channel,
//! list them, send a test event to a receiver in this test, read the delivery log,
//! disable, refusals naming the flag, and delete.

use crate::support::World;
use axum::Router;
use axum::routing::post;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A receiver on a loopback port counting the webhooks it got (answering 204).
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_test_log_disable_and_delete_channels() {
    let w = World::start().await;
    let (url, got) = receiver().await;

    let created = w.sluice(&["notifications", "create-webhook", "ops", &url, "--event", "sync.failed"]).await;
    created.ok().stdout_has("Created webhook ops (").stdout_has("receiving sync.failed.");
    let secret = created.stdout.split("Signing secret").nth(1).and_then(|l| l.split("whsec_").nth(1)).expect("secret");
    assert!(!secret.trim().is_empty(), "{}", created.stdout);

    let mail = w.sluice(&["notifications", "create-email", "oncall", "--to", "ops@example.test", "-o", "json"]).await;
    let mail = mail.ok().json();
    assert_eq!(mail["notificationChannel"]["recipients"][0], "ops@example.test");
    assert!(mail["signingSecret"].is_null());

    let list = w.sluice(&["notifications", "list"]).await;
    list.ok().stdout_has("NAME").stdout_has("ops").stdout_has(&url).stdout_has("oncall").stdout_has("every event");
    assert!(!list.stdout.contains(secret.trim()), "the secret is printed once, at creation");

    w.sluice(&["notifications", "test", "ops"]).await.ok().stdout_has("Test event delivered to ops (HTTP 204).");
    assert_eq!(got.load(Ordering::SeqCst), 1);
    let log = w.sluice(&["notifications", "deliveries", "ops"]).await;
    log.ok().stdout_has("test").stdout_has("delivered").stdout_has("1/6").stdout_has("HTTP 204");
    log.stdout_has("Deliveries 1–1 of 1.");

    // Without SMTP on the server, the email test fails, saying why, with exit status 1.
    w.sluice(&["notifications", "test", "oncall"]).await.code(1).stderr_has("SMTP is not configured");

    w.sluice(&["notifications", "disable", "ops"]).await.ok().stdout_has("Notification channel ops disabled.");
    let listed = w.sluice(&["notifications", "list", "-o", "json"]).await.json();
    let ops = listed.as_array().expect("array").iter().find(|c| c["name"] == "ops").expect("ops").clone();
    assert_eq!(ops["isEnabled"], false);

    // Refusals name the flag; unknown channels are exit 4.
    w.sluice(&["notifications", "create-webhook", "bad", "ftp://x.test/"]).await.code(2).stderr_has("URL");
    w.sluice(&["notifications", "create-webhook", "bad2", "https://x.test/", "--event", "sync.exploded"])
        .await
        .code(2)
        .stderr_has("--event");
    w.sluice(&["notifications", "test", "nope"]).await.code(4).stderr_has("no notification channel \"nope\"");

    w.sluice(&["notifications", "delete", "ops"]).await.ok().stdout_has("Deleted notification channel ops");
    w.sluice(&["notifications", "deliveries", "ops"]).await.code(4);
}
