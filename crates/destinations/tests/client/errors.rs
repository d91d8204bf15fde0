//! Every error class end to end: rate limits (and their tracking), Cloudflare pages,
//! 5xx, `Problem processing request`, timeouts, validation and resolver rejections,
//! lost mutation answers — and that secret values never appear in any of them.

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_destinations::railway::{RailwayClient, RailwayConfig, RailwayError};
use sluice_railway_fake::{FakeConfig, Fault, FaultKind, Knobs, NameRule, RateLimit, ResetFormat, Seed};

use sluice_domain::SecretValue;

use crate::{Harness, account, api_target, seeded, shared_target, token, workspace};

const SECRET: &str = "s3cr3t-Value-never-printed";

fn secret_map(name: &str) -> BTreeMap<String, SecretValue> {
    BTreeMap::from([(name.to_owned(), SecretValue::from(SECRET))])
}

fn assert_no_secret(err: &RailwayError) {
    assert!(!err.to_string().contains(SECRET), "value leaked in Display: {err}");
    assert!(!format!("{err:?}").contains(SECRET), "value leaked in Debug: {err:?}");
}

#[tokio::test]
async fn rate_limit_headers_are_tracked_per_token_and_429_carries_retry_after() {
    for format in [ResetFormat::Iso8601, ResetFormat::EpochSeconds] {
        let mut limit = RateLimit::new(2, Duration::from_secs(3600));
        limit.reset_format = format;
        let config = FakeConfig { rate_limit: Some(limit), ..FakeConfig::default() };
        let h = Harness::with(config, Seed::example(), |_| {}).await;
        let ws = token(seeded::WORKSPACE_TOKEN);
        assert_eq!(h.client.rate_limit(&ws), None, "nothing known before the first answer");

        h.client.get_variables(&workspace(), &api_target()).await.expect("first request");
        let status = h.client.rate_limit(&ws).expect("tracked");
        assert_eq!((status.limit, status.remaining), (Some(2), Some(1)), "{format:?}");
        assert!(status.reset.is_some(), "{format:?}: reset parsed");
        assert_eq!(h.client.rate_limit(&token(seeded::ACCOUNT_TOKEN)), None, "per token");

        h.client.get_variables(&workspace(), &api_target()).await.expect("second request");
        let err = h.client.get_variables(&workspace(), &api_target()).await.expect_err("third is over the limit");
        let RailwayError::RateLimited { retry_after, reset, .. } = &err else {
            panic!("expected RateLimited, got {err:?}");
        };
        assert!(retry_after.is_some_and(|d| d > Duration::ZERO), "{err:?}");
        assert!(reset.is_some());
        assert!(err.is_retryable());
        assert_eq!(h.client.rate_limit(&ws).and_then(|s| s.remaining), Some(0));
    }
}

#[tokio::test]
async fn an_injected_429_is_rate_limited_even_for_a_mutation() {
    let h = Harness::start().await;
    h.fake.inject(Fault::rate_limited(7));
    let err = h.client.upsert_variables(&account(), &shared_target(), &secret_map("K"), true).await.expect_err("429");
    assert!(matches!(err, RailwayError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_cloudflare_page_is_transient_and_says_what_happened() {
    let h = Harness::start().await;
    h.fake.inject(Fault::cloudflare_block());
    let err = h.client.list_projects(&workspace()).await.expect_err("blocked");
    assert!(matches!(err, RailwayError::Transient { status: Some(403), .. }), "{err:?}");
    let message = err.message();
    assert!(message.starts_with("Railway answered HTTP 403 with an HTML page (Cloudflare: "), "{message}");
    assert!(message.contains("Access denied"), "{message}");
}

#[tokio::test]
async fn bad_gateway_and_unavailable_are_transient_for_reads() {
    let h = Harness::start().await;
    for status in [502u16, 503] {
        h.fake.inject(Fault::http_status(status));
        let err = h.client.get_variables(&account(), &api_target()).await.expect_err("5xx");
        assert!(matches!(err, RailwayError::Transient { status: Some(s), .. } if s == status), "{err:?}");
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn problem_processing_request_is_transient_for_reads_and_unknown_for_writes() {
    let h = Harness::start().await;
    h.fake.inject(Fault::problem_processing_request());
    let read = h.client.get_variables(&account(), &api_target()).await.expect_err("read");
    assert!(matches!(read, RailwayError::Transient { .. }), "{read:?}");
    assert!(read.message().starts_with("Problem processing request (traceId "), "{read}");

    h.fake.inject(Fault::problem_processing_request());
    let write = h.client.upsert_variables(&account(), &api_target(), &secret_map("K"), true).await.expect_err("write");
    assert!(matches!(write, RailwayError::OutcomeUnknown { .. }), "{write:?}");
    assert!(!write.is_retryable());
    assert_no_secret(&write);
}

#[tokio::test]
async fn a_slow_read_times_out_as_transient() {
    let h = Harness::with(FakeConfig::default(), Seed::example(), |c| c.timeout = Duration::from_millis(300)).await;
    h.fake.inject(Fault::slow(Duration::from_secs(3)));
    let err = h.client.get_variables(&account(), &api_target()).await.expect_err("timeout");
    assert!(matches!(err, RailwayError::Transient { status: None, .. }), "{err:?}");
    assert!(err.message().contains("timed out after 300 ms"), "{err}");
}

#[tokio::test]
async fn a_change_gets_a_longer_timeout_than_a_read() {
    let h = Harness::with(FakeConfig::default(), Seed::example(), |c| {
        c.timeout = Duration::from_millis(300);
        c.mutation_timeout = Duration::from_secs(10);
    })
    .await;
    h.fake.inject(Fault::slow(Duration::from_secs(1)).for_operation("UpsertVariables"));
    h.client
        .upsert_variables(&account(), &shared_target(), &secret_map("SLOW_KEY"), true)
        .await
        .expect("a change slower than the read timeout still lands within its own");
}

#[tokio::test]
async fn a_slow_mutation_is_outcome_unknown_and_was_sent_once() {
    let h = Harness::with(FakeConfig::default(), Seed::example(), |c| c.mutation_timeout = Duration::from_millis(300))
        .await;
    h.fake.inject(Fault::slow(Duration::from_secs(2)));
    let err = h
        .client
        .upsert_variables(&account(), &shared_target(), &secret_map("SLOW_KEY"), true)
        .await
        .expect_err("timeout");
    assert!(matches!(err, RailwayError::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.message().contains("timed out after 300 ms"), "a change has its own timeout: {err}");
    assert_no_secret(&err);
    // The fake applies first and delays the answer; the write landed exactly once.
    assert_eq!(h.operations(), ["UpsertVariables"]);
    assert_eq!(h.fake.variables(seeded::PRODUCTION, None).get("SLOW_KEY"), Some(&Some(SECRET.to_owned())));
}

#[tokio::test]
async fn a_lost_answer_to_a_mutation_is_outcome_unknown() {
    let h = Harness::start().await;
    h.fake.inject(Fault::fail_after_apply());
    let err =
        h.client.upsert_variables(&account(), &api_target(), &secret_map("LOST"), true).await.expect_err("lost answer");
    assert!(matches!(err, RailwayError::OutcomeUnknown { .. }), "{err:?}");
    assert!(!err.is_retryable(), "re-read, never resend");
    assert_no_secret(&err);
    assert_eq!(h.operations(), ["UpsertVariables"], "sent exactly once, no client retry");
    assert_eq!(
        h.fake.variables(seeded::PRODUCTION, Some(seeded::API)).get("LOST"),
        Some(&Some(SECRET.to_owned())),
        "it was applied"
    );

    h.fake.inject(Fault::fail_after_apply().for_operation("RedeployDeployment"));
    let redeploy = h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::API).await.expect_err("lost");
    assert!(matches!(redeploy, RailwayError::OutcomeUnknown { .. }), "{redeploy:?}");
    assert_eq!(h.fake.deploys().len(), 1, "the redeploy happened, once");
}

#[tokio::test]
async fn a_graphql_validation_error_is_rejected() {
    let h = Harness::start().await;
    let body = r#"{"errors":[{"message":"Cannot query field \"nope\" on type \"Query\".","locations":[{"line":1,"column":3}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"},"traceId":"42"}]}"#;
    h.fake.inject(Fault::new(FaultKind::HttpStatus { status: 400, body: Some(body.to_owned()) }));
    let err = h.client.list_projects(&workspace()).await.expect_err("400");
    assert_eq!(
        err,
        RailwayError::Rejected { message: "Cannot query field \"nope\" on type \"Query\". (traceId 42)".into() }
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_unknown_path_is_rejected() {
    let h = Harness::start().await;
    let url = h.fake.graphql_url().replace("/graphql/v2", "/graphql/v1");
    let client = RailwayClient::new(RailwayConfig::with_endpoint(url)).expect("client");
    let err = client.list_projects(&workspace()).await.expect_err("404");
    assert!(matches!(err, RailwayError::Rejected { .. }), "{err:?}");
    assert!(err.message().contains("HTTP 404"), "{err}");
}

#[tokio::test]
async fn a_resolver_rejection_names_the_variable_but_not_its_value() {
    let config = FakeConfig {
        knobs: Knobs { name_rule: NameRule::Posix, max_value_bytes: Some(8), ..Knobs::default() },
        ..FakeConfig::default()
    };
    let h = Harness::with(config, Seed::example(), |_| {}).await;
    let bad_name =
        h.client.upsert_variables(&account(), &api_target(), &secret_map("1-BAD"), true).await.expect_err("bad name");
    assert!(matches!(bad_name, RailwayError::Rejected { .. }), "{bad_name:?}");
    assert!(bad_name.message().contains("1-BAD"), "the key name may appear: {bad_name}");
    assert_no_secret(&bad_name);

    let too_long = h
        .client
        .upsert_variables(&account(), &api_target(), &secret_map("GOOD"), true)
        .await
        .expect_err("value too large");
    assert!(matches!(too_long, RailwayError::Rejected { .. }), "{too_long:?}");
    assert_no_secret(&too_long);
}

#[tokio::test]
async fn railway_text_echoing_a_sent_value_is_scrubbed() {
    let h = Harness::start().await;
    let body = format!(
        r#"{{"errors":[{{"message":"Variable \"$input\" got invalid value \"{SECRET}\" at \"input.variables.K\"","extensions":{{"code":"BAD_USER_INPUT"}},"traceId":"7"}}]}}"#
    );
    h.fake.inject(Fault::new(FaultKind::HttpStatus { status: 400, body: Some(body) }));
    let err = h.client.upsert_variables(&account(), &api_target(), &secret_map("K"), true).await.expect_err("400");
    assert!(matches!(err, RailwayError::Rejected { .. }), "{err:?}");
    assert_no_secret(&err);
    assert!(err.message().contains("got invalid value \"[redacted]\""), "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_transient_even_for_a_mutation() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let client = RailwayClient::new(RailwayConfig::with_endpoint(format!("http://127.0.0.1:{port}/graphql/v2")))
        .expect("client");
    let err = client.upsert_variables(&account(), &api_target(), &secret_map("K"), true).await.expect_err("refused");
    assert!(matches!(err, RailwayError::Transient { status: None, .. }), "never sent: {err:?}");
    assert_no_secret(&err);
}
