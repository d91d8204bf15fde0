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
        per_second: None,
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

#[tokio::test]
async fn per_second_limit_refuses_with_retry_after_one_and_spares_the_hourly_budget() {
    let config = FakeConfig {
        rate_limit: Some(RateLimit::new(1000, Duration::from_secs(3600)).per_second(3)),
        ..FakeConfig::default()
    };
    let fake = start_with(config).await;
    let mut accepted = 0;
    let refused = loop {
        let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
        if reply.status == 429 {
            break reply;
        }
        assert_eq!(reply.status, 200);
        accepted += 1;
        assert!(accepted < 50, "never refused");
    };
    assert!(accepted >= 3, "the first three in a second pass ({accepted})");
    assert_eq!(refused.header("retry-after").as_deref(), Some("1"));
    assert_eq!(refused.json(), json!({ "errors": [{ "message": "Rate limit exceeded" }] }));
    assert_eq!(refused.header("x-ratelimit-limit").as_deref(), Some("1000"), "headers describe the hourly budget");
    let remaining: u32 = refused.header("x-ratelimit-remaining").unwrap().parse().unwrap();
    assert_eq!(remaining, 1000 - accepted, "a per-second refusal does not use the budget");
    assert_eq!(gql(&fake, WS, ME, json!({})).await.status, 200, "another token has its own second");

    assert_eq!(fake.rate_limited_count(), 1);
    assert_eq!(fake.status_counts().get(&200).copied(), Some(u64::from(accepted) + 1));
    let (_, counts) = control(&fake, "GET", "/requests/counts", None).await;
    assert_eq!(counts["byStatus"]["429"], 1);
    assert_eq!(counts["total"], u64::from(accepted) + 2);
    fake.clear_requests();
    assert_eq!(fake.rate_limited_count(), 0);
}

#[tokio::test]
async fn per_second_limit_over_http() {
    let fake = start().await;
    let body = json!({ "limit": 1000, "windowSecs": 3600, "perSecond": 10 });
    assert_eq!(control(&fake, "POST", "/rate-limit", Some(body)).await.0, 204);
    let (_, config) = control(&fake, "GET", "/config", None).await;
    assert_eq!(config["rateLimit"]["perSecond"], 10);
    assert_eq!(fake.state().config().rate_limit, Some(RateLimit::new(1000, Duration::from_secs(3600)).per_second(10)));
}
