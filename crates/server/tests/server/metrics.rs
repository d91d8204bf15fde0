//! `/metrics` and `/api/ready`: what an operator's Prometheus and load balancer see.
//! Figures come from a real server after real requests and a real sync against the fake
//! Railway (the queue drained by the test); each test reads them as Prometheus would.

use crate::engine::support::{ACCOUNT_TOKEN, SYNCS, opts, start_with};
use crate::secret_support;
use sluice_domain::SecretToken;
use sluice_railway_fake::RateLimit;
use sluice_testkit::TestApp;
use std::time::Duration;

const CANARY_KEY: &str = "METRICS_CANARY_KEY";
const CANARY_VALUE: &str = "canary-value-4711";

/// The figure of the series `series` (its name and labels, as the text has them).
fn figure(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.split(' ').next()?.parse().ok())
}

fn has(text: &str, series: &str) -> f64 {
    figure(text, series).unwrap_or_else(|| panic!("no {series} in /metrics:\n{text}"))
}

async fn scrape(app: &TestApp) -> String {
    let resp = app.anonymous().get("/metrics").await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let content_type = resp.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    assert!(resp.text.ends_with("# EOF\n"), "a complete exposition");
    resp.text
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_runs_and_railway_calls_and_name_no_secret() {
    let env = start_with(|s| s.metrics.enabled = true).await;
    // Railway reports the token's hourly budget with every answer.
    env.fake.set_rate_limit(Some(RateLimit::new(1_000, Duration::from_secs(3600))));
    let app = &env.app;
    secret_support::put(&app.api, app, "dev", "/", CANARY_KEY, CANARY_VALUE).await;
    secret_support::get(&app.api, app, "dev", "/", CANARY_KEY, &[]).await.expect(200);
    secret_support::get(&app.api, app, "dev", "/", "METRICS_MISSING_KEY", &[]).await.expect(404);
    let sync = env
        .app
        .api
        .post(SYNCS, env.sync_body("metrics", opts("overwrite-destination", Some("SLUICE_{{secretKey}}"))))
        .await
        .expect(200);
    let sync_id = sync["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain().await;
    // One more sync queued and left there, for the queue's figures.
    app.api.post(&format!("{SYNCS}/{sync_id}/sync-secrets"), serde_json::json!({})).await.expect(200);

    let text = scrape(app).await;
    let route = r#"route="/api/v3/secrets/raw/{secretName}""#;
    assert_eq!(has(&text, &format!(r#"sluice_http_requests_total{{method="GET",{route},status="200"}}"#)), 1.0);
    assert_eq!(has(&text, &format!(r#"sluice_http_requests_total{{method="GET",{route},status="404"}}"#)), 1.0);
    assert_eq!(has(&text, &format!(r#"sluice_http_requests_total{{method="POST",{route},status="200"}}"#)), 1.0);
    assert_eq!(has(&text, &format!(r#"sluice_http_request_duration_seconds_count{{method="GET",{route}}}"#)), 2.0);
    assert_eq!(
        has(&text, &format!(r#"sluice_http_request_duration_seconds_bucket{{le="+Inf",method="GET",{route}}}"#)),
        2.0
    );
    assert_eq!(has(&text, r#"sluice_sync_runs_total{destination="railway",kind="sync",outcome="succeeded"}"#), 1.0);
    assert_eq!(has(&text, r#"sluice_railway_calls_total{operation="GetVariables",status="200"}"#), 1.0);
    assert_eq!(has(&text, r#"sluice_railway_calls_total{operation="UpsertVariables",status="200"}"#), 1.0);
    assert_eq!(has(&text, r#"sluice_railway_call_duration_seconds_count{operation="GetVariables"}"#), 1.0);
    assert_eq!(has(&text, r#"sluice_job_queue_depth{kind="sync"}"#), 1.0);
    assert!(has(&text, "sluice_job_queue_oldest_wait_seconds") >= 0.0);
    assert_eq!(has(&text, "sluice_jobs_running"), 0.0);
    let budget = format!(r#"sluice_railway_budget_remaining{{connection_id="{}"}}"#, env.connection_id);
    assert_eq!(has(&text, &budget), (1_000 - env.fake.requests().len()) as f64, "the budget left after the sync");

    for secret in [CANARY_KEY, CANARY_VALUE, "METRICS_MISSING_KEY", ACCOUNT_TOKEN, &app.creds.admin_email] {
        assert!(!text.contains(secret), "/metrics names {secret:?}:\n{text}");
    }
    app.drain().await;
    let text = scrape(app).await;
    assert_eq!(has(&text, r#"sluice_sync_runs_total{destination="railway",kind="sync",outcome="succeeded"}"#), 2.0);
    assert_eq!(figure(&text, r#"sluice_job_queue_depth{kind="sync"}"#), None, "the queue is empty");
    assert_eq!(has(&text, "sluice_job_queue_oldest_wait_seconds"), 0.0);
    assert_eq!(has(&text, r#"sluice_syncs{status="succeeded"}"#), 1.0);
}

#[tokio::test]
async fn metrics_are_off_unless_enabled_and_each_server_counts_its_own() {
    let off = TestApp::spawn().await;
    let resp = off.anonymous().get("/metrics").await;
    assert_eq!(resp.status, 404, "not served unless enabled");

    let a = TestApp::spawn_with(Box::new(|s| s.metrics.enabled = true)).await;
    let b = TestApp::spawn_with(Box::new(|s| s.metrics.enabled = true)).await;
    for _ in 0..3 {
        a.anonymous().get("/api/status").await.expect(200);
    }
    let status = r#"sluice_http_requests_total{method="GET",route="/api/status",status="200"}"#;
    assert_eq!(has(&scrape(&a).await, status), 3.0);
    assert_eq!(figure(&scrape(&b).await, status), None, "another server's requests are not this one's");
    // A path no route matches is one label, whatever was asked for.
    a.anonymous().get("/no/such/METRICS_CANARY_KEY").await;
    let text = scrape(&a).await;
    assert_eq!(has(&text, r#"sluice_http_requests_total{method="GET",route="unmatched",status="404"}"#), 1.0);
    assert!(!text.contains(CANARY_KEY));
}

#[tokio::test]
async fn a_metrics_token_is_asked_for_when_set() {
    let app = TestApp::spawn_with(Box::new(|s| {
        s.metrics.enabled = true;
        s.metrics.token = Some(SecretToken::new("scrape-token-1"));
    }))
    .await;
    for client in [app.anonymous(), app.client_with("scrape-token-2"), app.client_with("scrape-token-1x")] {
        let resp = client.get("/metrics").await;
        assert_eq!(resp.status, 401, "{}", resp.text);
        assert_eq!(resp.body["statusCode"], 401);
        assert_eq!(resp.body["error"], "UnauthorizedError");
        assert!(resp.message().contains("--metrics-token"), "{}", resp.message());
        assert!(!resp.text.contains("scrape-token-1"));
    }
    let resp = app.client_with("scrape-token-1").get("/metrics").await;
    assert_eq!(resp.status, 200);
    assert!(resp.text.contains("sluice_http_requests_total"));
}

#[tokio::test]
async fn readiness_is_200_with_the_database_up_and_503_naming_it_when_it_is_gone() {
    let app = TestApp::spawn().await;
    let resp = app.anonymous().get("/api/ready").await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["ready"], true);
    assert_eq!(resp.body["database"]["status"], "ok");
    assert_eq!(resp.body["workers"]["status"], "off", "--workers 0: an API-only node");

    // The pool closed: no connection can be had, as when the database went away.
    app.state().store.close().await;
    let resp = app.anonymous().get("/api/ready").await;
    assert_eq!(resp.status, 503, "{}", resp.text);
    assert_eq!(resp.body["ready"], false);
    assert_eq!(resp.body["database"]["status"], "failing");
    assert!(resp.body["database"]["message"].as_str().is_some_and(|m| m.contains("database")), "{}", resp.text);
    assert_eq!(resp.body["workers"]["status"], "off");
}

#[tokio::test]
async fn readiness_counts_this_nodes_workers() {
    let app = TestApp::spawn_with(Box::new(|s| {
        s.engine.workers = 2;
        s.metrics.enabled = true;
    }))
    .await;
    let resp = app.anonymous().get("/api/ready").await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["workers"]["status"], "ok");
    let expected = app.state().engine.tasks_expected();
    assert!(expected >= 5, "two workers and the engine's loops: {expected}");
    let message = resp.body["workers"]["message"].as_str().unwrap_or_default();
    assert_eq!(message, format!("{expected} of {expected} engine tasks running"));
    let text = scrape(&app).await;
    assert_eq!(has(&text, "sluice_engine_tasks_alive"), expected as f64);
    assert_eq!(has(&text, "sluice_engine_tasks_expected"), expected as f64);
}
