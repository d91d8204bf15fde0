//! The Notifications page over plain HTTP, as a browser without JavaScript uses it: add a
//! webhook (its signing secret shown once, then never), refusals shown in the form, send
//! a test event that a real receiver verifies with that secret, disable, the delivery
//! log, an email channel without SMTP, delete; CSRF refused.

use crate::notify_support::{WebhookReceiver, verify};
use crate::ui::{Browser, hidden};
use sluice_testkit::TestApp;

#[tokio::test]
async fn the_notifications_page_adds_tests_disables_logs_and_deletes_channels() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let base = format!("/projects/{}/notifications", app.project_id());
    let receiver = WebhookReceiver::start().await;

    let empty = b.get(&base).await;
    assert_eq!(empty.status, 200);
    empty.assert_contains("No channels yet");
    empty.assert_contains(&format!("href=\"{base}\" class=\"nav-subitem\" aria-current=\"page\">Notifications"));
    empty.assert_contains("SMTP is not configured on this server");
    let csrf = empty.csrf();

    // A refused URL comes back in the form, with the field marked.
    let refused =
        b.post(&base, &[("csrf", &csrf), ("name", "ops"), ("kind", "webhook"), ("url", "ftp://example.test/")]).await;
    assert_eq!(refused.status, 422);
    refused.assert_contains("must start with https://");
    refused.assert_contains("id=\"n-url\" name=\"url\" value=\"ftp://example.test/\"");

    // Adding a webhook shows its secret on the answering page only.
    let added = b
        .post(
            &base,
            &[("csrf", &csrf), ("name", "ops"), ("kind", "webhook"), ("url", &receiver.url), ("events", "sync.failed")],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    added.assert_contains("Copy its signing secret now");
    let start = added.body.find("data-secret>").expect("the secret is shown") + "data-secret>".len();
    let secret = added.body[start..].split('<').next().expect("secret").to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let listed = b.get(&base).await;
    assert!(!listed.body.contains(&secret), "the secret is shown once");
    listed.assert_contains("data-channel=\"ops\"");
    listed.assert_contains("sync.failed");
    let row = &listed.body[listed.body.find("data-channel=\"ops\"").expect("row")..];
    let channel_id = row.split("/notifications/").nth(1).expect("link").split('"').next().expect("id").to_string();

    // Send a test event: the receiver verifies it with the secret the page showed.
    let sent = b.post(&format!("{base}/{channel_id}/test"), &[("csrf", &csrf)]).await;
    assert_eq!(sent.status, 303);
    let after = b.get(sent.location()).await;
    after.assert_contains("Test event delivered to &#34;ops&#34; (HTTP 200).");
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(verify(&secret, &got[0])["type"], "test");

    // Disable it; the list says so.
    let off = b.post(&format!("{base}/{channel_id}/enable"), &[("csrf", &csrf), ("enabled", "false")]).await;
    assert_eq!(off.status, 303);
    let page = b.get(&base).await;
    page.assert_contains("Channel &#34;ops&#34; disabled");
    page.assert_contains("<span class=\"badge badge-off\">Disabled</span>");

    // The delivery log shows the test, delivered with HTTP 200.
    let log = b.get(&format!("{base}/{channel_id}")).await;
    assert_eq!(log.status, 200);
    log.assert_contains("Deliveries of ops");
    log.assert_contains("data-status=\"delivered\"");
    log.assert_contains("HTTP 200");
    assert!(!log.body.contains(&secret));

    // An email channel without SMTP: added, and its test says why nothing was sent.
    let mail = b
        .post(&base, &[("csrf", &csrf), ("name", "ops-mail"), ("kind", "email"), ("recipients", "ops@example.test")])
        .await;
    assert_eq!(mail.status, 303, "{}", mail.body);
    let page = b.get(mail.location()).await;
    page.assert_contains("Email channel &#34;ops-mail&#34; added.");
    let row = &page.body[page.body.find("data-channel=\"ops-mail\"").expect("row")..];
    let mail_id = row.split("/notifications/").nth(1).expect("link").split('"').next().expect("id").to_string();
    let tried = b.post(&format!("{base}/{mail_id}/test"), &[("csrf", &csrf)]).await;
    b.get(tried.location()).await.assert_contains("SMTP is not configured");

    // A form without its CSRF token is refused; delete works with it.
    let forged = b.post(&format!("{base}/{channel_id}/delete"), &[("csrf", "nope")]).await;
    assert_eq!(forged.status, 403);
    let deleted = b.post(&format!("{base}/{channel_id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, 303);
    let page = b.get(&base).await;
    page.assert_contains("Channel &#34;ops&#34; deleted.");
    assert!(!page.body.contains("data-channel=\"ops\""));
    assert_eq!(hidden(&page.body, "csrf"), csrf);
}
