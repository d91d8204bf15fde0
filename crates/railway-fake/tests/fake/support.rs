//! Fixed ids and tokens of `examples/railway-seed.json`, and helpers to talk to the fake.

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sluice_railway_fake::{FakeConfig, FakeRailway, Seed};

pub const WORKSPACE: &str = "11111111-1111-4111-8111-111111111111";
pub const USER: &str = "22222222-2222-4222-8222-222222222222";
pub const PROJECT: &str = "33333333-3333-4333-8333-333333333333";
pub const PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
pub const STAGING: &str = "55555555-5555-4555-8555-555555555555";
pub const API: &str = "66666666-6666-4666-8666-666666666666";
pub const WORKER: &str = "77777777-7777-4777-8777-777777777777";
pub const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
pub const WORKSPACE_TOKEN: &str = "b0000000-0000-4000-8000-000000000002";
pub const PROJECT_TOKEN: &str = "c0000000-0000-4000-8000-000000000003";
pub const PROJECT_TOKEN_ID: &str = "d0000000-0000-4000-8000-000000000004";

/// A second workspace the example's tokens cannot see, with one project.
pub const OTHER_WORKSPACE: &str = "aaaaaaaa-1111-4111-8111-111111111111";
pub const OTHER_PROJECT: &str = "aaaaaaaa-3333-4333-8333-333333333333";
pub const OTHER_ENV: &str = "aaaaaaaa-4444-4444-8444-444444444444";

/// How a request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Project(&'a str),
}

pub const ACCOUNT: Auth<'static> = Auth::Bearer(ACCOUNT_TOKEN);
pub const WS: Auth<'static> = Auth::Bearer(WORKSPACE_TOKEN);
pub const PROJ: Auth<'static> = Auth::Project(PROJECT_TOKEN);

pub async fn start() -> FakeRailway {
    FakeRailway::start(Seed::example()).await.unwrap()
}

pub async fn start_with(config: FakeConfig) -> FakeRailway {
    FakeRailway::start_with(config, Seed::example()).await.unwrap()
}

/// The example seed plus a second, unrelated workspace.
pub async fn start_with_other_workspace() -> FakeRailway {
    let fake = start().await;
    fake.seed(other_workspace_seed());
    fake
}

pub fn other_workspace_seed() -> Seed {
    Seed::from_json(
        &json!({
            "workspaces": [{ "id": OTHER_WORKSPACE, "name": "Other" }],
            "projects": [{
                "id": OTHER_PROJECT, "name": "secret", "workspaceId": OTHER_WORKSPACE,
                "environments": [{ "id": OTHER_ENV, "name": "production" }],
                "services": []
            }],
            "variables": [{ "environmentId": OTHER_ENV, "name": "SECRET", "value": "x" }]
        })
        .to_string(),
    )
    .unwrap()
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// `data`, asserting there are no errors.
    pub fn data(&self) -> Value {
        let body = self.json();
        assert_eq!(self.status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The single resolver error's message, asserting Railway's shape.
    pub fn error_message(&self) -> String {
        let body = self.json();
        assert_eq!(self.status, 200, "{body}");
        assert_eq!(body["data"], Value::Null, "{body}");
        let errors = body["errors"].as_array().unwrap();
        let error = &errors[0];
        assert!(error["path"].is_array(), "{body}");
        assert!(error["locations"].is_array(), "{body}");
        assert_trace_id(&error["traceId"]);
        error["message"].as_str().unwrap().to_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }
}

pub fn assert_trace_id(value: &Value) {
    let id = value.as_str().unwrap_or_else(|| panic!("traceId not a string: {value}"));
    assert!((18..=19).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()), "{id}");
}

/// Sends a raw body to `/graphql/v2`.
pub async fn post_raw(fake: &FakeRailway, auth: Auth<'_>, body: String) -> Reply {
    let client = reqwest::Client::new();
    let mut request = client.post(fake.graphql_url()).header("content-type", "application/json").body(body);
    request = match auth {
        Auth::None => request,
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Project(token) => request.header("Project-Access-Token", token),
    };
    let response = request.send().await.unwrap();
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

/// Sends a GraphQL request.
pub async fn gql(fake: &FakeRailway, auth: Auth<'_>, query: &str, variables: Value) -> Reply {
    post_raw(fake, auth, json!({ "query": query, "variables": variables }).to_string()).await
}

/// Sends a named GraphQL operation.
pub async fn gql_op(fake: &FakeRailway, auth: Auth<'_>, name: &str, query: &str, variables: Value) -> Reply {
    let body = json!({ "query": query, "variables": variables, "operationName": name });
    post_raw(fake, auth, body.to_string()).await
}

pub const VARIABLES: &str =
    "query Variables($projectId: String!, $environmentId: String!, $serviceId: String, $unrendered: Boolean) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: $unrendered)
}";

/// `variables(...)` for one scope as the given token.
pub async fn read_variables(
    fake: &FakeRailway,
    auth: Auth<'_>,
    env: &str,
    service: Option<&str>,
    unrendered: bool,
) -> Reply {
    let mut vars = json!({ "projectId": PROJECT, "environmentId": env, "unrendered": unrendered });
    if let Some(service) = service {
        vars["serviceId"] = json!(service);
    }
    gql(fake, auth, VARIABLES, vars).await
}

pub const COLLECTION_UPSERT: &str =
    "mutation Upsert($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }";
pub const UPSERT: &str = "mutation Upsert($input: VariableUpsertInput!) { variableUpsert(input: $input) }";
pub const DELETE: &str = "mutation Delete($input: VariableDeleteInput!) { variableDelete(input: $input) }";

/// Calls a `/__fake/` control route; the status and the JSON body (`null` when empty).
pub async fn control(fake: &FakeRailway, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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

/// A fake on the example seed whose new deployments follow `lifecycle` (`instant`, `timed`,
/// `manual`).
pub async fn start_with_lifecycle(lifecycle: &str, duration_ms: u64) -> FakeRailway {
    let fake = start().await;
    let knobs = json!({ "deployLifecycle": lifecycle, "deployDurationMs": duration_ms });
    assert_eq!(control(&fake, "POST", "/knobs", Some(knobs)).await.0, 204);
    fake
}

/// The deployments of one service instance, newest first, as `{id, status, canRedeploy,
/// createdAt, statusUpdatedAt}`.
pub async fn deployments_of(fake: &FakeRailway, env: &str, service: &str) -> Vec<Value> {
    let query = "query D($e: String!, $s: String!) { deployments(input: { environmentId: $e, serviceId: $s }) {
        edges { node { id status canRedeploy createdAt statusUpdatedAt } } } }";
    let data = gql(fake, ACCOUNT, query, json!({ "e": env, "s": service })).await.data();
    data["deployments"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

/// The statuses of [`deployments_of`], newest first.
pub async fn statuses_of(fake: &FakeRailway, env: &str, service: &str) -> Vec<String> {
    deployments_of(fake, env, service).await.iter().map(|d| d["status"].as_str().unwrap().to_owned()).collect()
}

/// `variableUpsert` of one service variable, deploying.
pub async fn upsert_service_variable(fake: &FakeRailway, env: &str, service: &str, name: &str, value: &str) {
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": env, "serviceId": service, "name": name, "value": value } });
    assert_eq!(gql(fake, ACCOUNT, UPSERT, input).await.data(), json!({ "variableUpsert": true }));
}
