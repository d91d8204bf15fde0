//! The `/__fake/` control surface over HTTP, and `reset`/`seed` in-process.

use serde_json::{Value, json};

use super::support::*;

async fn call(fake: &sluice_railway_fake::FakeRailway, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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

#[tokio::test]
async fn variables_read_and_write() {
    let fake = start().await;
    let (status, vars) =
        call(&fake, "GET", &format!("/variables?environmentId={PRODUCTION}&serviceId={API}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(vars["STRIPE_SECRET_KEY"], Value::Null);
    assert_eq!(vars["LOG_LEVEL"], "${{shared.LOG_LEVEL}}");

    let body = json!({ "environmentId": PRODUCTION, "serviceId": API, "name": "HAND_EDIT", "value": "secret", "sealed": true });
    assert_eq!(call(&fake, "POST", "/variables", Some(body)).await.0, 204);
    assert_eq!(fake.variables(PRODUCTION, Some(API))["HAND_EDIT"], None);
    assert!(fake.deploys().is_empty(), "hand edits do not deploy");
    let shared = json!({ "environmentId": PRODUCTION, "name": "SHARED_EDIT", "value": "v" });
    assert_eq!(call(&fake, "POST", "/variables", Some(shared)).await.0, 204);
    let (_, vars) = call(&fake, "GET", &format!("/variables?environmentId={PRODUCTION}"), None).await;
    assert_eq!(vars["SHARED_EDIT"], "v");

    let bad = json!({ "environmentId": "nope", "name": "X", "value": "v" });
    let (status, body) = call(&fake, "POST", "/variables", Some(bad)).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("unknown environment"));
    assert_eq!(call(&fake, "GET", "/variables", None).await.0, 400);
}

#[tokio::test]
async fn deploys_and_requests_logs() {
    let fake = start().await;
    let redeploy =
        "mutation Redeploy($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }";
    gql(&fake, PROJ, redeploy, json!({ "e": PRODUCTION, "s": API })).await.data();
    let (_, deploys) = call(&fake, "GET", "/deploys", None).await;
    assert_eq!(deploys[0]["environmentId"], PRODUCTION);
    assert_eq!(deploys[0]["serviceId"], API);
    assert_eq!(deploys[0]["cause"], "redeploy");
    assert!(deploys[0]["at"].is_string());
    let (_, requests) = call(&fake, "GET", "/requests", None).await;
    assert_eq!(requests[0]["rootFields"], json!(["serviceInstanceRedeploy"]));
    assert_eq!(requests[0]["operationName"], "Redeploy");
    assert_eq!(requests[0]["tokenKind"], "project");
    assert_eq!(requests[0]["status"], 200);
    assert!(!requests.to_string().contains(PROJECT_TOKEN), "no tokens in the request log");

    assert_eq!(call(&fake, "DELETE", "/deploys", None).await.0, 204);
    assert_eq!(call(&fake, "DELETE", "/requests", None).await.0, 204);
    assert_eq!(call(&fake, "GET", "/deploys", None).await.1, json!([]));
    assert_eq!(call(&fake, "GET", "/requests", None).await.1, json!([]));
}

#[tokio::test]
async fn faults_over_http() {
    let fake = start().await;
    let fault = json!({ "kind": "httpStatus", "status": 503, "count": 2, "rootField": "me" });
    assert_eq!(call(&fake, "POST", "/faults", Some(fault)).await.0, 204);
    assert_eq!(call(&fake, "GET", "/faults", None).await.1[0]["count"], 2);
    assert_eq!(gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.status, 503);
    assert_eq!(call(&fake, "DELETE", "/faults", None).await.0, 204);
    assert_eq!(gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.status, 200);
    assert_eq!(call(&fake, "POST", "/faults", Some(json!({ "kind": "meteor" }))).await.0, 400);
}

#[tokio::test]
async fn rate_limit_over_http() {
    let fake = start().await;
    let body = json!({ "limit": 1, "windowSecs": 30, "resetFormat": "epochSeconds", "exceededBody": "html" });
    assert_eq!(call(&fake, "POST", "/rate-limit", Some(body)).await.0, 204);
    assert_eq!(gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.header("x-ratelimit-limit").as_deref(), Some("1"));
    assert_eq!(gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.status, 429);
    assert_eq!(call(&fake, "GET", "/config", None).await.1["rateLimit"]["windowSecs"], 30);
    assert_eq!(call(&fake, "POST", "/rate-limit", Some(json!({ "off": true }))).await.0, 204);
    assert_eq!(gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.status, 200);
    assert_eq!(call(&fake, "POST", "/rate-limit", Some(json!({ "limit": 1 }))).await.0, 400);
}

#[tokio::test]
async fn knobs_over_http() {
    let fake = start().await;
    let knobs = json!({ "nameRule": "posix", "deleteMissing": "error" });
    assert_eq!(call(&fake, "POST", "/knobs", Some(knobs)).await.0, 204);
    let (_, config) = call(&fake, "GET", "/config", None).await;
    assert_eq!(config["knobs"]["nameRule"], "posix");
    assert_eq!(config["knobs"]["deleteTriggersDeploy"], true, "unset knobs take their defaults");
}

#[tokio::test]
async fn seed_merge_and_reset() {
    let fake = start().await;
    let seed = other_workspace_seed();
    let (status, _) = call(&fake, "POST", "/seed", Some(serde_json::to_value(&seed).unwrap())).await;
    assert_eq!(status, 204);
    assert_eq!(fake.variables(OTHER_ENV, None)["SECRET"].as_deref(), Some("x"));
    let (status, body) = call(
        &fake,
        "POST",
        "/seed",
        Some(json!({ "variables": [{ "environmentId": "x", "name": "A", "value": "b" }] })),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    fake.set_variable(PRODUCTION, None, "EXTRA", "1", false);
    gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.data();
    fake.inject(sluice_railway_fake::Fault::http_status(502));
    assert_eq!(call(&fake, "POST", "/reset", None).await.0, 204);
    assert!(fake.variables(OTHER_ENV, None).is_empty(), "merged seed gone");
    assert!(!fake.variables(PRODUCTION, None).contains_key("EXTRA"));
    assert!(fake.requests().is_empty());
    assert_eq!(gql(&fake, ACCOUNT, "{ me { id } }", json!({})).await.status, 200, "faults cleared");

    fake.seed(other_workspace_seed());
    fake.reset();
    assert!(fake.variables(OTHER_ENV, None).is_empty());
    assert_eq!(call(&fake, "GET", "/nope", None).await.0, 404);
}
