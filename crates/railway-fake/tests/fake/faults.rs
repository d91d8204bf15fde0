//! Fault injection (reference §10.7): each fault's answer, filters, counts, the
//! "applied, but the answer was lost" mutation fault, and a held write landing late.

use std::time::Duration;

use serde_json::json;
use sluice_railway_fake::{Fault, FaultKind};

use super::support::*;

const ME: &str = "query Me { me { id } }";

#[tokio::test]
async fn problem_processing_request_has_no_code() {
    let fake = start().await;
    fake.inject(Fault::problem_processing_request());
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(reply.error_message(), "Problem processing request");
    let error = &reply.json()["errors"][0];
    assert!(error.get("extensions").is_none(), "{error}");
    assert_eq!(error["path"], json!(["me"]));
    assert_eq!(gql(&fake, ACCOUNT, ME, json!({})).await.data()["me"]["id"], USER, "used up");
}

#[tokio::test]
async fn not_authorized_fault() {
    let fake = start().await;
    fake.inject(Fault::not_authorized());
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(reply.error_message(), "Not Authorized");
    assert_eq!(reply.json()["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR");
}

#[tokio::test]
async fn bad_gateway_and_unavailable_for_n_requests() {
    let fake = start().await;
    fake.inject(Fault::http_status(502).times(2));
    fake.inject(Fault::new(FaultKind::HttpStatus { status: 503, body: Some("upstream down".into()) }));
    let statuses = [502, 502, 503, 200];
    for expected in statuses {
        let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
        assert_eq!(reply.status, expected);
        if expected == 503 {
            assert_eq!(reply.text, "upstream down");
        }
        if expected == 502 {
            assert_eq!(reply.text, "error code: 502");
        }
    }
}

#[tokio::test]
async fn cloudflare_block_is_html() {
    let fake = start().await;
    fake.inject(Fault::cloudflare_block());
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(reply.status, 403);
    assert!(reply.header("content-type").unwrap().starts_with("text/html"));
    assert!(reply.text.contains("Access denied | backboard.railway.com used Cloudflare to restrict access"));
}

#[tokio::test]
async fn forced_rate_limit_with_retry_after() {
    let fake = start().await;
    fake.inject(Fault::rate_limited(7));
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after").as_deref(), Some("7"));
    assert_eq!(reply.json(), json!({ "errors": [{ "message": "Rate limit exceeded" }] }));
}

#[tokio::test]
async fn slow_response_trips_a_client_timeout() {
    let fake = start().await;
    fake.inject(Fault::slow(Duration::from_secs(5)));
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let result = client.post(fake.graphql_url()).bearer_auth(ACCOUNT_TOKEN).json(&json!({ "query": ME })).send().await;
    assert!(result.unwrap_err().is_timeout());

    fake.inject(Fault::slow(Duration::from_millis(50)));
    let reply = gql(&fake, ACCOUNT, ME, json!({})).await;
    assert_eq!(reply.data()["me"]["id"], USER, "a short delay still answers");
}

#[tokio::test]
async fn fail_after_apply_applies_the_mutation() {
    let fake = start().await;
    fake.inject(Fault::fail_after_apply().for_root_field("variableCollectionUpsert"));
    assert_eq!(gql(&fake, ACCOUNT, ME, json!({})).await.status, 200, "filter skips other requests");
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "variables": { "NEW": "v" } } });
    let reply = gql(&fake, ACCOUNT, COLLECTION_UPSERT, input).await;
    assert_eq!(reply.status, 502);
    assert_eq!(fake.variables(PRODUCTION, Some(API))["NEW"].as_deref(), Some("v"), "applied anyway");
    assert_eq!(fake.deploys().len(), 1);
}

#[tokio::test]
async fn a_held_write_lands_when_released_even_after_its_client_went_away() {
    let fake = start().await;
    fake.inject(Fault::held().for_root_field("variableCollectionUpsert"));
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "variables": { "LATE": "v" } } });
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let sent = client
        .post(fake.graphql_url())
        .bearer_auth(ACCOUNT_TOKEN)
        .json(&json!({ "query": COLLECTION_UPSERT, "variables": input }))
        .send();
    let (answer, ()) = tokio::join!(sent, fake.held_request_arrived());
    assert!(answer.unwrap_err().is_timeout(), "the client gave up (its connection closed) while the write was held");
    assert!(!fake.variables(PRODUCTION, Some(API)).contains_key("LATE"), "not applied while held");

    fake.release_held();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !fake.variables(PRODUCTION, Some(API)).contains_key("LATE") {
        assert!(std::time::Instant::now() < deadline, "the released write never landed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let held: Vec<_> = fake.requests().into_iter().filter(|r| r.fault.as_deref() == Some("held")).collect();
    assert_eq!(held.len(), 1, "the request log says which request was held");
}

#[tokio::test]
async fn faults_filter_by_operation_name() {
    let fake = start().await;
    fake.inject(Fault::http_status(503).for_operation("Upsert"));
    assert_eq!(gql(&fake, ACCOUNT, ME, json!({})).await.status, 200);
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "name": "X", "value": "y" } });
    assert_eq!(gql(&fake, ACCOUNT, UPSERT, input).await.status, 503);
    assert!(!fake.variables(PRODUCTION, None).contains_key("X"), "a 503 fault does not apply");
    let faults: Vec<Option<String>> = fake.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults, [None, Some("httpStatus".to_owned())]);
}
