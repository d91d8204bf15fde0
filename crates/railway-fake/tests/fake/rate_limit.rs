//! Rate limiting (reference §10.6): off by default; when on, headers on every answer and a 429
//! with `Retry-After` once a token's window is used up.

use std::time::Duration;

use serde_json::json;
use sluice_railway_fake::{ExceededBody, FakeConfig, RateLimit, ResetFormat};

use super::support::*;

const ME: &str = "{ me { id } }";

#[tokio::test]
async fn off_by_default() {
    let fake = start().await;
    for _ in 0..3 {
        let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("x-ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn headers_on_every_answer_then_429() {
    let config = FakeConfig { rate_limit: Some(RateLimit::new(2, Duration::from_secs(3600))), ..FakeConfig::default() };
    let fake = start_with(config).await;

    let ok = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(ok.header("x-ratelimit-limit").as_deref(), Some("2"));
    assert_eq!(ok.header("x-ratelimit-remaining").as_deref(), Some("1"));
    let reset = ok.header("x-ratelimit-reset").unwrap();
    assert!(time::OffsetDateTime::parse(&reset, &time::format_description::well_known::Rfc3339).is_ok(), "{reset}");
    assert!(ok.header("retry-after").is_none());

    let error = gql(&fake, WS, "{ nope }", json!({})).await;
    assert_eq!(error.status, 400);
    assert_eq!(error.header("x-ratelimit-remaining").as_deref(), Some("1"), "own bucket per token");

    let last = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(last.header("x-ratelimit-remaining").as_deref(), Some("0"));
    let refused = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json(), json!({ "errors": [{ "message": "Rate limit exceeded" }] }));
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((3590..=3600).contains(&retry), "{retry}");
    assert_eq!(refused.header("x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(refused.header("x-ratelimit-reset").unwrap(), reset);

    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 400, 200, 429]);
}

#[tokio::test]
async fn epoch_reset_and_alternative_bodies() {
    let fake = start().await;
    fake.set_rate_limit(Some(RateLimit {
        limit: 1,
        window: Duration::from_secs(60),
        reset_format: ResetFormat::EpochSeconds,
        exceeded_body: ExceededBody::Empty,
    }));
    let ok = gql(&fake, PROJ, ME, json!({})).await;
    let reset: i64 = ok.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > time::OffsetDateTime::now_utc().unix_timestamp());
    let refused = gql(&fake, PROJ, ME, json!({})).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.text, "");

    fake.set_rate_limit(Some(RateLimit {
        exceeded_body: ExceededBody::Html,
        ..RateLimit::new(0, Duration::from_secs(60))
    }));
    let refused = gql(&fake, PROJ, ME, json!({})).await;
    assert_eq!(refused.status, 429);
    assert!(refused.text.contains("Too Many Requests"));
    assert!(refused.header("retry-after").is_some());

    fake.set_rate_limit(None);
    assert!(gql(&fake, PROJ, ME, json!({})).await.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn budget_is_visible_through_the_api() {
    let config =
        FakeConfig { rate_limit: Some(RateLimit::new(10, Duration::from_secs(3600))), ..FakeConfig::default() };
    let fake = start_with(config).await;
    let data = gql(&fake, ACCOUNT, "{ me { apiTokenRateLimit { remainingPoints resetsAt } } }", json!({})).await.data();
    assert_eq!(data["me"]["apiTokenRateLimit"]["remainingPoints"], 9);
}
