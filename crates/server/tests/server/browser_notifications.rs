//! The Notifications page in Chromium: add a webhook, copy the signing secret shown once,
//! send a test event that a real receiver verifies with it, then read the delivery log.
//! Screenshots go to `target/screenshots/notifications-*.png`.

use crate::browser::{Ui, browser};
use crate::notify_support::{WebhookReceiver, verify};
use sluice_testkit::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_added_tested_and_logged_in_chromium() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let app = TestApp::spawn().await;
    let receiver = WebhookReceiver::start().await;
    let ui = Ui { c: client, base: app.url() };
    let pid = app.project_id().to_string();

    ui.go("/projects").await;
    ui.fill("#email", &app.creds.admin_email).await;
    ui.fill("#password", &app.creds.admin_password).await;
    ui.click("button[type=submit]").await;
    ui.wait_text("h1", "Projects").await;

    // From the project's navigation to its Notifications page.
    ui.go(&format!("/projects/{pid}")).await;
    ui.click(&format!("a.nav-subitem[href='/projects/{pid}/notifications']")).await;
    ui.wait_text("h1", "Notifications").await;
    ui.fill("#n-name", "ops").await;
    ui.select("#n-kind", "webhook").await;
    ui.fill("#n-url", &receiver.url).await;
    ui.click("input[name=events][value='sync.failed']").await;
    ui.click("form[action$='/notifications'] button.btn-primary").await;
    ui.wait_text("#secret-title", "Copy its signing secret now").await;
    let secret = ui.text("[data-secret]").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    ui.shot("notifications-1-secret-shown-once").await;

    ui.click("tr[data-channel=ops] form[action$='/test'] button").await;
    ui.wait_text(".flash", "Test event delivered to \"ops\" (HTTP 200)").await;
    assert!(!ui.text("body").await.contains(&secret), "the secret is not shown again");
    ui.shot("notifications-2-test-delivered").await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(verify(&secret, &got[0])["type"], "test");

    ui.click("tr[data-channel=ops] a[aria-label='Delivery log of ops']").await;
    ui.wait_text("h1", "Deliveries of ops").await;
    ui.wait_text("tr[data-status=delivered]", "HTTP 200").await;
    ui.shot("notifications-3-delivery-log").await;
}
