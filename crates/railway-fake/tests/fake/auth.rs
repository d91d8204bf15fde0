//! Token kinds and their scopes (reference §2.2, §10.3): every refusal is a resolver error with
//! Railway's message, `data: null`, and the same answer for out-of-scope and nonexistent ids.

use serde_json::json;
use sluice_railway_fake::RequestAuth;

use super::support::*;

const ME: &str = "{ me { id } }";
const NOWHERE: &str = "99999999-9999-4999-8999-999999999999";

#[tokio::test]
async fn resolver_error_has_railways_shape() {
    let fake = start().await;
    let reply = gql(&fake, WS, "query {\n  me { id }\n}", json!({})).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["data"], serde_json::Value::Null);
    let error = &body["errors"][0];
    assert_eq!(error["message"], "Not Authorized");
    assert_eq!(error["locations"], json!([{ "line": 2, "column": 3 }]));
    assert_eq!(error["path"], json!(["me"]));
    assert_eq!(error["extensions"], json!({ "code": "INTERNAL_SERVER_ERROR" }));
    assert_trace_id(&error["traceId"]);
}

#[tokio::test]
async fn me_only_for_account_tokens() {
    let fake = start().await;
    assert_eq!(gql(&fake, ACCOUNT, ME, json!({})).await.data()["me"]["id"], USER);
    for auth in [WS, PROJ, Auth::None, Auth::Bearer("unknown-token")] {
        assert_eq!(gql(&fake, auth, ME, json!({})).await.error_message(), "Not Authorized", "{auth:?}");
    }
}

#[tokio::test]
async fn token_in_the_wrong_header_is_unknown() {
    let fake = start().await;
    let project_as_bearer = Auth::Bearer(PROJECT_TOKEN);
    let account_as_project = Auth::Project(ACCOUNT_TOKEN);
    assert_eq!(
        gql(&fake, project_as_bearer, "{ projectToken { id } }", json!({})).await.error_message(),
        "Project Token not found"
    );
    assert_eq!(
        read_variables(&fake, project_as_bearer, PRODUCTION, Some(API), true).await.error_message(),
        "Not Authorized"
    );
    assert_eq!(gql(&fake, account_as_project, ME, json!({})).await.error_message(), "Not Authorized");
    let kinds: Vec<RequestAuth> = fake.requests().iter().map(|r| r.token_kind).collect();
    assert_eq!(kinds, [RequestAuth::Unknown, RequestAuth::Unknown, RequestAuth::Unknown]);
}

#[tokio::test]
async fn header_names_are_case_insensitive() {
    let fake = start().await;
    let client = reqwest::Client::new();
    for (name, value) in
        [("project-access-token", PROJECT_TOKEN.to_owned()), ("AUTHORIZATION", format!("Bearer {ACCOUNT_TOKEN}"))]
    {
        let body: serde_json::Value = client
            .post(fake.graphql_url())
            .header(name, value)
            .json(&json!({ "query": "{ environment(id: \"44444444-4444-4444-8444-444444444444\") { name } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["environment"]["name"], "production", "{name}");
    }
}

#[tokio::test]
async fn project_token_not_found_for_other_kinds() {
    let fake = start().await;
    for auth in [ACCOUNT, WS, Auth::None] {
        let reply = gql(&fake, auth, "{ projectToken { projectId environmentId } }", json!({})).await;
        assert_eq!(reply.error_message(), "Project Token not found", "{auth:?}");
    }
}

#[tokio::test]
async fn project_token_stays_in_its_environment() {
    let fake = start().await;
    assert_eq!(read_variables(&fake, PROJ, PRODUCTION, Some(API), true).await.status, 200);
    assert!(read_variables(&fake, PROJ, PRODUCTION, None, true).await.data()["variables"].is_object());
    assert_eq!(read_variables(&fake, PROJ, STAGING, Some(API), true).await.error_message(), "Not Authorized");
    assert_eq!(read_variables(&fake, PROJ, STAGING, None, false).await.error_message(), "Not Authorized");

    let write = json!({ "input": { "projectId": PROJECT, "environmentId": STAGING, "serviceId": API, "variables": { "A": "1" } } });
    assert_eq!(gql(&fake, PROJ, COLLECTION_UPSERT, write).await.error_message(), "Not Authorized");
    assert!(!fake.variables(STAGING, Some(API)).contains_key("A"));

    let env = "query E($id: String!) { environment(id: $id) { name } }";
    assert_eq!(gql(&fake, PROJ, env, json!({ "id": STAGING })).await.error_message(), "Not Authorized");
    let inside = "query E($p: String!) { project(id: $p) { environments { edges { node { name variables { edges { node { name } } } } } } } }";
    assert_eq!(gql(&fake, PROJ, inside, json!({ "p": PROJECT })).await.error_message(), "Not Authorized");
    let redeploy = "mutation R($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }";
    assert_eq!(gql(&fake, PROJ, redeploy, json!({ "e": STAGING, "s": API })).await.error_message(), "Not Authorized");
    assert!(fake.deploys().is_empty());
}

#[tokio::test]
async fn project_token_cannot_list_projects_or_workspaces() {
    let fake = start().await;
    for query in [
        "{ projects { edges { node { id } } } }",
        "{ workspace(workspaceId: \"11111111-1111-4111-8111-111111111111\") { id } }",
        "{ apiToken { workspaces { id } } }",
        "{ externalWorkspaces { id } }",
    ] {
        assert_eq!(gql(&fake, PROJ, query, json!({})).await.error_message(), "Not Authorized", "{query}");
    }
}

#[tokio::test]
async fn project_token_sees_only_its_project() {
    let fake = start_with_other_workspace().await;
    let query = "query P($id: String!) { project(id: $id) { name } }";
    assert_eq!(gql(&fake, PROJ, query, json!({ "id": OTHER_PROJECT })).await.error_message(), "Not Authorized");
    assert_eq!(gql(&fake, PROJ, query, json!({ "id": PROJECT })).await.data()["project"]["name"], "shop");
}

#[tokio::test]
async fn workspace_token_sees_only_its_workspace() {
    let fake = start_with_other_workspace().await;
    let cases = [
        ("query Q($id: String!) { workspace(workspaceId: $id) { id } }", json!({ "id": OTHER_WORKSPACE })),
        (
            "query Q($id: String!) { projects(workspaceId: $id) { edges { node { id } } } }",
            json!({ "id": OTHER_WORKSPACE }),
        ),
        ("query Q($id: String!) { project(id: $id) { id } }", json!({ "id": OTHER_PROJECT })),
        ("query Q($id: String!) { environment(id: $id) { id } }", json!({ "id": OTHER_ENV })),
    ];
    for (query, vars) in cases {
        assert_eq!(gql(&fake, WS, query, vars.clone()).await.error_message(), "Not Authorized", "{query}");
        assert_eq!(gql(&fake, ACCOUNT, query, vars).await.error_message(), "Not Authorized", "account: {query}");
    }
    let reply = gql(&fake, WS, VARIABLES, json!({ "projectId": OTHER_PROJECT, "environmentId": OTHER_ENV })).await;
    assert_eq!(reply.error_message(), "Not Authorized");
    let data = gql(&fake, WS, "{ projects { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(data["projects"]["edges"], json!([{ "node": { "id": PROJECT } }]));
}

#[tokio::test]
async fn nonexistent_ids_read_as_not_authorized() {
    let fake = start().await;
    let cases = [
        ("query Q($id: String!) { project(id: $id) { id } }", json!({ "id": NOWHERE })),
        ("query Q($id: String!) { environment(id: $id) { id } }", json!({ "id": NOWHERE })),
        ("query Q($id: String!) { service(id: $id) { id } }", json!({ "id": NOWHERE })),
        ("query Q($id: String!) { deployment(id: $id) { id } }", json!({ "id": NOWHERE })),
        ("query Q($id: String!) { workspace(workspaceId: $id) { id } }", json!({ "id": NOWHERE })),
        (VARIABLES, json!({ "projectId": PROJECT, "environmentId": NOWHERE })),
        (VARIABLES, json!({ "projectId": NOWHERE, "environmentId": PRODUCTION })),
        (VARIABLES, json!({ "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": NOWHERE })),
    ];
    for (query, vars) in cases {
        assert_eq!(gql(&fake, ACCOUNT, query, vars.clone()).await.error_message(), "Not Authorized", "{query} {vars}");
    }
}

#[tokio::test]
async fn project_not_found_message_is_a_knob() {
    let fake = start().await;
    fake.state().set_knobs(sluice_railway_fake::Knobs { project_not_found_message: true, ..Default::default() });
    let query = "query Q($id: String!) { project(id: $id) { id } }";
    assert_eq!(gql(&fake, ACCOUNT, query, json!({ "id": NOWHERE })).await.error_message(), "Project not found");
}

#[tokio::test]
async fn one_failing_root_field_nulls_all_data() {
    let fake = start().await;
    let reply = gql(&fake, WS, "{ apiToken { workspaces { id } } me { id } }", json!({})).await;
    let body = reply.json();
    assert_eq!(body["data"], serde_json::Value::Null);
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["path"], json!(["me"]));
}
