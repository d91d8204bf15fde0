//! Chaos mode (`POST /__fake/chaos`, `set_chaos`): a seeded share of requests answered with
//! random faults, counted by kind; the log of variable writes; a deleted target brought back.

use serde_json::{Value, json};
use sluice_railway_fake::{Chaos, ChaosKind, GoneAnswer, GoneTarget};

use super::support::*;

const ME: &str = "query Me { me { id } }";

async fn control(
    fake: &sluice_railway_fake::FakeRailway,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method.parse().unwrap(), format!("{}/__fake{path}", fake.base_url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

/// The statuses of `n` `me` queries, one after the other.
async fn statuses(fake: &sluice_railway_fake::FakeRailway, n: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(gql(fake, ACCOUNT, ME, json!({})).await.status);
    }
    out
}

#[tokio::test]
async fn a_seeded_share_of_requests_fails_and_the_same_seed_fails_the_same_requests() {
    let fake = start().await;
    let kinds = [ChaosKind::RateLimited, ChaosKind::Throttled, ChaosKind::ServerError, ChaosKind::CloudflareBlock];
    fake.set_chaos(Some(Chaos::seeded(11).rate(0.5).kinds(&kinds)));
    let first = statuses(&fake, 60).await;
    let report = fake.chaos_report().unwrap();
    let failed = first.iter().filter(|s| **s != 200).count() as u64;
    assert_eq!((report.requests, report.total()), (60, failed), "{report:?}");
    assert!((15..=45).contains(&failed), "about half: {first:?}");
    assert!(first.iter().all(|s| [200, 403, 429, 500, 502, 503].contains(s)), "{first:?}");

    fake.set_chaos(Some(Chaos::seeded(11).rate(0.5).kinds(&kinds)));
    assert_eq!(statuses(&fake, 60).await, first, "replayed from the seed");
    let records = fake.requests();
    assert!(records.iter().any(|r| r.fault.as_deref().is_some_and(|f| f.starts_with("chaos:"))), "{records:?}");

    fake.set_chaos(None);
    assert!(statuses(&fake, 20).await.iter().all(|s| *s == 200), "off");
    assert_eq!(fake.chaos_report(), None);
}

#[tokio::test]
async fn each_kind_answers_as_railway_would() {
    let fake = start().await;
    let one = |kind| Some(Chaos::seeded(1).rate(1.0).kinds(&[kind]));

    fake.set_chaos(one(ChaosKind::RateLimited));
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!((reply.status, reply.header("retry-after").as_deref()), (429, Some("1")));

    fake.set_chaos(one(ChaosKind::Throttled));
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!((reply.status, reply.header("retry-after")), (429, None));

    fake.set_chaos(one(ChaosKind::CloudflareBlock));
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(reply.status, 403);
    assert!(reply.text.contains("used Cloudflare to restrict access"), "{}", reply.text);

    // Applied, answer lost: the write is there, and in the write log.
    fake.set_chaos(one(ChaosKind::FailAfterApply));
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": "LOST", "value": "v" } });
    assert_eq!(gql(&fake, ACCOUNT, UPSERT, input).await.status, 502);
    fake.set_chaos(None);
    assert_eq!(fake.variables(PRODUCTION, Some(API))["LOST"].as_deref(), Some("v"));
    let writes = fake.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!((writes[0].name.as_str(), writes[0].value.as_deref()), ("LOST", Some("v")));
    assert_eq!(writes[0].operation, "variableUpsert");

    // Slower than the client waits: the client gives up, the write still lands.
    fake.set_chaos(Some(Chaos::seeded(1).rate(1.0).kinds(&[ChaosKind::Timeout]).slow_ms(2_000)));
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_millis(300)).build().unwrap();
    let body = json!({ "query": DELETE, "variables": { "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": "LOST" } } });
    let sent = client.post(fake.graphql_url()).bearer_auth(ACCOUNT_TOKEN).json(&body).send().await;
    assert!(sent.is_err_and(|e| e.is_timeout()));
    fake.set_chaos(None);
    assert!(!fake.variables(PRODUCTION, Some(API)).contains_key("LOST"), "deleted although the answer never came");
    let writes = fake.writes();
    assert_eq!(writes[1].value, None, "a deletion in the write log");
    assert!(writes[0].request < writes[1].request, "numbered by request: {writes:?}");
}

#[tokio::test]
async fn chaos_over_http_and_a_deleted_target_brought_back() {
    let fake = start().await;
    let (status, report) =
        control(&fake, "POST", "/chaos", Some(json!({ "rate": 1.0, "seed": 3, "kinds": ["serverError"] }))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["config"]["seed"], 3);
    assert!([500, 502, 503].contains(&gql(&fake, ACCOUNT, ME, json!({})).await.status));
    let (_, report) = control(&fake, "GET", "/chaos", None).await;
    assert_eq!(report["injected"]["serverError"], 1, "{report}");
    let (status, body) = control(&fake, "POST", "/chaos", Some(json!({ "rate": 2 }))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = control(&fake, "POST", "/chaos", Some(json!({ "rat": 0.1 }))).await;
    assert_eq!(status, 400, "a typo is refused: {body}");
    assert_eq!(control(&fake, "DELETE", "/chaos", None).await.0, 204);
    assert_eq!(control(&fake, "GET", "/chaos", None).await.0, 404);
    assert_eq!(gql(&fake, ACCOUNT, ME, json!({})).await.status, 200);

    fake.mark_gone(GoneTarget::Environment(STAGING.into()), GoneAnswer::ProblemProcessingRequest);
    let reply = read_variables(&fake, ACCOUNT, STAGING, Some(API), true).await;
    assert_eq!(reply.error_message(), "Problem processing request");
    let (status, _) = control(&fake, "POST", "/gone/restore", Some(json!({ "environmentId": STAGING }))).await;
    assert_eq!(status, 204);
    read_variables(&fake, ACCOUNT, STAGING, Some(API), true).await.data();
    assert_eq!(control(&fake, "POST", "/gone/restore", Some(json!({ "environmentId": STAGING }))).await.0, 404);

    let (status, writes) = control(&fake, "GET", "/writes", None).await;
    assert_eq!((status, writes), (200, json!([])));
}
