//! Deleted targets (`POST /__fake/gone`, `mark_gone`): every operation touching a deleted
//! project, environment or service answers `Not Authorized` or `Problem processing request`,
//! listings leave it out, identity queries keep working, and `reset` brings it back.

use serde_json::{Value, json};
use sluice_railway_fake::{FakeRailway, GoneAnswer, GoneTarget};

use super::support::*;

const NOT_AUTHORIZED: &str = "Not Authorized";
const PROBLEM: &str = "Problem processing request";

/// Asserts Railway's resolver-error envelope with `message`, and `extensions.code` only for
/// `Not Authorized`.
fn assert_gone(reply: &Reply, message: &str, what: &str) {
    assert_eq!(reply.error_message(), message, "{what}");
    let code = &reply.json()["errors"][0]["extensions"]["code"];
    if message == PROBLEM {
        assert_eq!(code, &Value::Null, "{what}: no code");
    } else {
        assert_eq!(code, "INTERNAL_SERVER_ERROR", "{what}");
    }
}

fn input(env: &str, service: Option<&str>, extra: Value) -> Value {
    let mut input = json!({ "projectId": PROJECT, "environmentId": env });
    if let Some(service) = service {
        input["serviceId"] = json!(service);
    }
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    json!({ "input": input })
}

/// Every operation on the api service in production, as the account token.
async fn operations_on_api(fake: &FakeRailway) -> Vec<(&'static str, Reply)> {
    let deployment = fake.running(PRODUCTION, API).unwrap().deployment_id;
    vec![
        ("variables", read_variables(fake, ACCOUNT, PRODUCTION, Some(API), true).await),
        (
            "upsert",
            gql(fake, ACCOUNT, UPSERT, input(PRODUCTION, Some(API), json!({ "name": "A", "value": "1" }))).await,
        ),
        (
            "collection",
            gql(fake, ACCOUNT, COLLECTION_UPSERT, input(PRODUCTION, Some(API), json!({ "variables": { "A": "1" } })))
                .await,
        ),
        ("delete", gql(fake, ACCOUNT, DELETE, input(PRODUCTION, Some(API), json!({ "name": "DATABASE_URL" }))).await),
        (
            "deployments",
            gql(
                fake,
                ACCOUNT,
                "query D($e: String!, $s: String!) { deployments(input: { environmentId: $e, serviceId: $s }) { edges { node { id } } } }",
                json!({ "e": PRODUCTION, "s": API }),
            )
            .await,
        ),
        (
            "serviceInstanceRedeploy",
            gql(
                fake,
                ACCOUNT,
                "mutation R($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }",
                json!({ "e": PRODUCTION, "s": API }),
            )
            .await,
        ),
        (
            "deploymentRedeploy",
            gql(
                fake,
                ACCOUNT,
                "mutation D($id: String!) { deploymentRedeploy(id: $id) { id } }",
                json!({ "id": deployment }),
            )
            .await,
        ),
        (
            "service",
            gql(fake, ACCOUNT, "query S($id: String!) { service(id: $id) { id } }", json!({ "id": API })).await,
        ),
    ]
}

async fn mark(fake: &FakeRailway, body: Value) -> u16 {
    control(fake, "POST", "/gone", Some(body)).await.0
}

#[tokio::test]
async fn a_deleted_service_answers_not_authorized_everywhere() {
    let fake = start().await;
    assert_eq!(mark(&fake, json!({ "serviceId": API, "answer": "notAuthorized" })).await, 204);
    for (what, reply) in operations_on_api(&fake).await {
        assert_gone(&reply, NOT_AUTHORIZED, what);
    }
    assert_eq!(fake.variables(PRODUCTION, Some(API)).len(), 3, "nothing written or deleted");

    let listing = "query P($p: String!, $e: String!) { project(id: $p) { services { edges { node { name } } } }
        environment(id: $e) { serviceInstances { edges { node { serviceName } } }
            deployments { edges { node { serviceId } } } variables { edges { node { name serviceId } } } } }";
    let data = gql(&fake, ACCOUNT, listing, json!({ "p": PROJECT, "e": PRODUCTION })).await.data();
    assert_eq!(data["project"]["services"]["edges"], json!([{ "node": { "name": "worker" } }]));
    assert_eq!(data["environment"]["serviceInstances"]["edges"], json!([{ "node": { "serviceName": "worker" } }]));
    assert!(
        data["environment"]["deployments"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["node"]["serviceId"] == WORKER)
    );
    assert!(
        data["environment"]["variables"]["edges"].as_array().unwrap().iter().all(|v| v["node"]["serviceId"] != API)
    );

    let worker = read_variables(&fake, ACCOUNT, PRODUCTION, Some(WORKER), true).await;
    assert_eq!(worker.data()["variables"]["QUEUE_NAME"], "jobs", "the other service is alive");
}

#[tokio::test]
async fn a_deleted_environment_answers_problem_processing_request() {
    let fake = start().await;
    fake.mark_gone(GoneTarget::Environment(PRODUCTION.into()), GoneAnswer::ProblemProcessingRequest);
    for (what, reply) in operations_on_api(&fake).await {
        if what != "service" {
            assert_gone(&reply, PROBLEM, what);
        }
    }
    let reply =
        gql(&fake, ACCOUNT, "query E($id: String!) { environment(id: $id) { name } }", json!({ "id": PRODUCTION }))
            .await;
    assert_gone(&reply, PROBLEM, "environment(id)");
    let shared = read_variables(&fake, PROJ, PRODUCTION, None, false).await;
    assert_gone(&shared, PROBLEM, "shared variables with the project token bound to it");

    let envs = "query E($p: String!) { environments(projectId: $p) { edges { node { name } } }
        project(id: $p) { environments { edges { node { name } } } } }";
    let data = gql(&fake, ACCOUNT, envs, json!({ "p": PROJECT })).await.data();
    assert_eq!(data["environments"]["edges"], json!([{ "node": { "name": "staging" } }]));
    assert_eq!(data["project"]["environments"]["edges"], json!([{ "node": { "name": "staging" } }]));
    let staging = read_variables(&fake, ACCOUNT, STAGING, Some(API), true).await;
    assert!(staging.data()["variables"]["DATABASE_URL"].is_string(), "the sibling environment is alive");

    let identity = gql(&fake, PROJ, "{ projectToken { projectId environmentId } }", json!({})).await;
    assert_eq!(identity.data()["projectToken"]["environmentId"], PRODUCTION, "identity keeps working");
    let nested = gql(&fake, PROJ, "{ projectToken { environment { name } } }", json!({})).await;
    assert_gone(&nested, PROBLEM, "projectToken.environment");
}

#[tokio::test]
async fn a_deleted_project_takes_everything_in_it_along() {
    let fake = start().await;
    assert_eq!(mark(&fake, json!({ "projectId": PROJECT, "answer": "problemProcessingRequest" })).await, 204);
    for (what, reply) in operations_on_api(&fake).await {
        assert_gone(&reply, PROBLEM, what);
    }
    let reply = gql(&fake, WS, "query P($id: String!) { project(id: $id) { name } }", json!({ "id": PROJECT })).await;
    assert_gone(&reply, PROBLEM, "project(id)");
    let reply = gql(
        &fake,
        ACCOUNT,
        "query E($p: String!) { environments(projectId: $p) { edges { node { id } } } }",
        json!({ "p": PROJECT }),
    )
    .await;
    assert_gone(&reply, PROBLEM, "environments(projectId)");

    let lists = "query W($w: String!) { projects(includeDeleted: true) { edges { node { id } } }
        workspace(workspaceId: $w) { projects { edges { node { id } } } } }";
    let data = gql(&fake, ACCOUNT, lists, json!({ "w": WORKSPACE })).await.data();
    assert_eq!(data["projects"]["edges"], json!([]));
    assert_eq!(data["workspace"]["projects"]["edges"], json!([]));

    for (auth, query) in [
        (ACCOUNT, "{ me { id } }"),
        (ACCOUNT, "{ apiToken { workspaces { id } } }"),
        (WS, "{ apiToken { workspaces { id } } }"),
        (PROJ, "{ projectToken { projectId } }"),
    ] {
        assert_eq!(gql(&fake, auth, query, json!({})).await.status, 200);
        gql(&fake, auth, query, json!({})).await.data();
    }
}

#[tokio::test]
async fn the_control_route_checks_its_target_and_reset_undoes_it() {
    let fake = start().await;
    assert_eq!(mark(&fake, json!({ "answer": "notAuthorized" })).await, 400, "no id");
    assert_eq!(mark(&fake, json!({ "projectId": PROJECT, "serviceId": API })).await, 400, "two ids");
    assert_eq!(mark(&fake, json!({ "serviceId": "99999999-9999-4999-8999-999999999999" })).await, 400, "unknown");
    assert_eq!(mark(&fake, json!({ "serviceId": API, "answer": "vanished" })).await, 400);
    assert_eq!(mark(&fake, json!({ "serviceId": API })).await, 204, "answer defaults to notAuthorized");
    assert_gone(&read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), true).await, NOT_AUTHORIZED, "default");
    fake.reset();
    read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), true).await.data();
}
