//! Every `Query` root field answered for the token kind that may use it.

use serde_json::json;
use sluice_railway_fake::Seed;

use super::support::*;

#[tokio::test]
async fn me_lists_the_users_workspaces() {
    let fake = start().await;
    let data = gql(
        &fake,
        ACCOUNT,
        "{ me { id name email workspaces { id name } apiTokenRateLimit { remainingPoints resetsAt } } }",
        json!({}),
    )
    .await
    .data();
    assert_eq!(data["me"]["id"], USER);
    assert_eq!(data["me"]["name"], "Dev Eloper");
    assert_eq!(data["me"]["email"], "dev@acme.test");
    assert_eq!(data["me"]["workspaces"], json!([{ "id": WORKSPACE, "name": "Acme" }]));
    assert!(data["me"]["apiTokenRateLimit"]["remainingPoints"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn api_token_for_account_and_workspace_tokens() {
    let fake = start_with_other_workspace().await;
    let query = "{ apiToken { workspaces { id name } } }";
    for auth in [ACCOUNT, WS] {
        let data = gql(&fake, auth, query, json!({})).await.data();
        assert_eq!(data, json!({ "apiToken": { "workspaces": [{ "id": WORKSPACE, "name": "Acme" }] } }), "{auth:?}");
    }
}

#[tokio::test]
async fn project_token_describes_itself() {
    let fake = start().await;
    let query = "{ projectToken { id name projectId environmentId createdAt displayToken
        project { id name workspace { id name } environments { edges { node { id name } } } services { edges { node { id name } } } }
        environment { id name } } }";
    let data = gql(&fake, PROJ, query, json!({})).await.data();
    let token = &data["projectToken"];
    assert_eq!(token["id"], PROJECT_TOKEN_ID);
    assert_eq!(token["name"], "sluice-production");
    assert_eq!(token["projectId"], PROJECT);
    assert_eq!(token["environmentId"], PRODUCTION);
    assert_eq!(token["environment"], json!({ "id": PRODUCTION, "name": "production" }));
    assert_eq!(token["project"]["workspace"], json!({ "id": WORKSPACE, "name": "Acme" }));
    assert_eq!(token["project"]["environments"]["edges"].as_array().unwrap().len(), 2);
    assert_eq!(token["project"]["services"]["edges"].as_array().unwrap().len(), 2);
    assert!(!token["displayToken"].as_str().unwrap().contains(PROJECT_TOKEN), "never echo the token");
    assert!(token["createdAt"].as_str().unwrap().ends_with('Z'));
}

const PROJECTS: &str = "query Projects($workspaceId: String, $first: Int, $after: String, $includeDeleted: Boolean, $orderBy: ProjectsOrderBy) {
  projects(workspaceId: $workspaceId, first: $first, after: $after, includeDeleted: $includeDeleted, orderBy: $orderBy) {
    edges { cursor node { id name deletedAt workspaceId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

fn many_projects_seed() -> Seed {
    let projects: Vec<_> = (1..=4)
        .map(|i| {
            json!({
                "id": format!("eeeeeeee-0000-4000-8000-00000000000{i}"),
                "name": format!("p{i}"),
                "workspaceId": WORKSPACE,
                "createdAt": format!("2025-0{i}-01T00:00:00Z"),
                "deletedAt": if i == 4 { json!("2025-06-01T00:00:00Z") } else { json!(null) },
            })
        })
        .collect();
    Seed::from_json(&json!({ "projects": projects }).to_string()).unwrap()
}

#[tokio::test]
async fn projects_paginate_and_hide_deleted() {
    let fake = start().await;
    fake.seed(many_projects_seed());
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data =
            gql(&fake, ACCOUNT, PROJECTS, json!({ "workspaceId": WORKSPACE, "first": 2, "after": after })).await.data();
        let page = &data["projects"];
        for edge in page["edges"].as_array().unwrap() {
            assert!(edge["cursor"].is_string());
            assert_eq!(edge["node"]["deletedAt"], serde_json::Value::Null);
            names.push(edge["node"]["name"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(names, ["shop", "p3", "p2", "p1"], "newest first by default, deleted hidden");

    let data = gql(&fake, WS, PROJECTS, json!({ "includeDeleted": true, "orderBy": "NAME_ASC" })).await.data();
    let names: Vec<&str> =
        data["projects"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["p1", "p2", "p3", "p4", "shop"]);
    let deleted = &data["projects"]["edges"][3]["node"];
    assert_eq!(deleted["deletedAt"], "2025-06-01T00:00:00.000Z");
}

#[tokio::test]
async fn workspace_with_projects() {
    let fake = start().await;
    let query = "query W($id: String!) { workspace(workspaceId: $id) { id name projects(first: 10) { edges { node { id name } } pageInfo { hasNextPage } } } }";
    for auth in [ACCOUNT, WS] {
        let data = gql(&fake, auth, query, json!({ "id": WORKSPACE })).await.data();
        assert_eq!(data["workspace"]["name"], "Acme");
        assert_eq!(data["workspace"]["projects"]["edges"], json!([{ "node": { "id": PROJECT, "name": "shop" } }]));
    }
}

#[tokio::test]
async fn external_workspaces_are_empty() {
    let fake = start().await;
    let data = gql(&fake, ACCOUNT, "{ externalWorkspaces { id name projects { id } } }", json!({})).await.data();
    assert_eq!(data, json!({ "externalWorkspaces": [] }));
}

#[tokio::test]
async fn project_with_everything() {
    let fake = start().await;
    let query = "query P($id: String!) { project(id: $id) { id name description createdAt updatedAt deletedAt workspaceId workspace { id }
        environments(first: 10) { edges { node { id name isEphemeral projectId canAccess } } }
        services(first: 1) { edges { node { id name icon projectId } } pageInfo { hasNextPage endCursor } } } }";
    for auth in [ACCOUNT, WS, PROJ] {
        let data = gql(&fake, auth, query, json!({ "id": PROJECT })).await.data();
        let p = &data["project"];
        assert_eq!(p["name"], "shop");
        assert_eq!(p["description"], "The example shop");
        assert_eq!(p["workspaceId"], WORKSPACE);
        let envs = p["environments"]["edges"].as_array().unwrap();
        assert_eq!(envs[0]["node"]["name"], "production");
        assert_eq!(envs[1]["node"]["name"], "staging");
        let staging_access = &envs[1]["node"]["canAccess"];
        assert_eq!(staging_access, &json!(!matches!(auth, Auth::Project(_))), "{auth:?}");
        assert_eq!(
            p["services"]["edges"],
            json!([{ "node": { "id": API, "name": "api", "icon": null, "projectId": PROJECT } }])
        );
        assert_eq!(p["services"]["pageInfo"]["hasNextPage"], true);
    }
}

#[tokio::test]
async fn environments_filter_ephemeral() {
    let fake = start().await;
    fake.seed(
        Seed::from_json(
            &json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
                "environments": [{ "id": "88888888-8888-4888-8888-888888888888", "name": "pr-7", "isEphemeral": true }] }] })
            .to_string(),
        )
        .unwrap(),
    );
    let query = "query E($p: String!, $eph: Boolean) { environments(projectId: $p, isEphemeral: $eph, first: 50) { edges { node { name isEphemeral } } } }";
    let names = |data: serde_json::Value| -> Vec<String> {
        data["environments"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = gql(&fake, PROJ, query, json!({ "p": PROJECT })).await.data();
    assert_eq!(names(all), ["production", "staging", "pr-7"]);
    let stable = gql(&fake, ACCOUNT, query, json!({ "p": PROJECT, "eph": false })).await.data();
    assert_eq!(names(stable), ["production", "staging"]);
}

#[tokio::test]
async fn environment_with_service_instances_and_variable_metadata() {
    let fake = start().await;
    let query =
        "query E($id: String!) { environment(id: $id, projectId: \"33333333-3333-4333-8333-333333333333\") { id name
        serviceInstances { edges { node { serviceId serviceName environmentId latestDeployment { status } } } }
        variables { edges { node { name serviceId isSealed references } } } } }";
    let data = gql(&fake, PROJ, query, json!({ "id": PRODUCTION })).await.data();
    let instances = data["environment"]["serviceInstances"]["edges"].as_array().unwrap();
    assert_eq!(instances.len(), 2);
    assert_eq!(instances[0]["node"]["serviceName"], "api");
    assert_eq!(instances[0]["node"]["latestDeployment"]["status"], "SUCCESS");
    let vars = data["environment"]["variables"]["edges"].as_array().unwrap();
    let sealed = vars.iter().find(|v| v["node"]["name"] == "STRIPE_SECRET_KEY").unwrap();
    assert_eq!(sealed["node"]["isSealed"], true);
    assert_eq!(sealed["node"]["serviceId"], API);
    let shared = vars.iter().filter(|v| v["node"]["serviceId"].is_null()).count();
    assert_eq!(shared, 2);
    let reference = vars.iter().find(|v| v["node"]["name"] == "LOG_LEVEL" && v["node"]["serviceId"] == API).unwrap();
    assert_eq!(reference["node"]["references"], json!(["shared.LOG_LEVEL"]));
}

#[tokio::test]
async fn service_and_service_instance() {
    let fake = start().await;
    let data = gql(
        &fake,
        WS,
        "query S($id: String!) { service(id: $id) { id name projectId project { name } createdAt deletedAt } }",
        json!({ "id": WORKER }),
    )
    .await
    .data();
    assert_eq!(data["service"]["name"], "worker");
    assert_eq!(data["service"]["project"]["name"], "shop");
    let data = gql(
        &fake,
        PROJ,
        "query I($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { serviceName environmentId cronSchedule service { id } } }",
        json!({ "e": PRODUCTION, "s": API }),
    )
    .await
    .data();
    assert_eq!(data["serviceInstance"]["serviceName"], "api");
    assert_eq!(data["serviceInstance"]["cronSchedule"], serde_json::Value::Null);
}

#[tokio::test]
async fn variables_for_service_deployment_is_rendered_with_railway_variables() {
    let fake = start().await;
    let query = "query V($p: String!, $e: String!, $s: String!) { variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }";
    let data = gql(&fake, PROJ, query, json!({ "p": PROJECT, "e": PRODUCTION, "s": WORKER })).await.data();
    let vars = &data["variablesForServiceDeployment"];
    assert_eq!(vars["API_INTERNAL_URL"], "http://api.railway.internal:8080");
    assert_eq!(vars["RAILWAY_SERVICE_NAME"], "worker");
    assert_eq!(vars["RAILWAY_ENVIRONMENT_NAME"], "production");
}

#[tokio::test]
async fn deployments_newest_first_and_by_id() {
    let fake = start().await;
    let list =
        "query D($s: String!, $e: String!) { deployments(input: { serviceId: $s, environmentId: $e }, first: 1) {
        edges { node { id status canRedeploy serviceId environmentId projectId createdAt } } } }";
    let data = gql(&fake, ACCOUNT, list, json!({ "s": API, "e": PRODUCTION })).await.data();
    let seeded = data["deployments"]["edges"][0]["node"].clone();
    assert_eq!(seeded["status"], "SUCCESS");
    assert_eq!(seeded["canRedeploy"], true);
    assert_eq!(seeded["projectId"], PROJECT);

    let redeploy = gql(
        &fake,
        ACCOUNT,
        "mutation R($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }",
        json!({ "e": PRODUCTION, "s": API }),
    )
    .await;
    assert_eq!(redeploy.data(), json!({ "serviceInstanceRedeploy": true }));
    let data = gql(&fake, ACCOUNT, list, json!({ "s": API, "e": PRODUCTION })).await.data();
    let newest = &data["deployments"]["edges"][0]["node"];
    assert_ne!(newest["id"], seeded["id"], "the redeploy is listed first");

    let one = gql(
        &fake,
        PROJ,
        "query One($id: String!) { deployment(id: $id) { id status service { name } environment { name } } }",
        json!({ "id": seeded["id"] }),
    )
    .await
    .data();
    assert_eq!(one["deployment"]["service"]["name"], "api");
    assert_eq!(one["deployment"]["environment"]["name"], "production");

    let filtered = gql(&fake, ACCOUNT, "query F($s: String!) { deployments(input: { serviceId: $s, status: { in: [FAILED] } }) { edges { node { id } } } }", json!({ "s": API }))
        .await
        .data();
    assert_eq!(filtered["deployments"]["edges"], json!([]));
}
