//! What a project/environment/service picker reads: environments' `canAccess`, projects the user
//! was invited to (`externalWorkspaces`), and `Environment.serviceInstances` listing only the
//! services deployed there.

use serde_json::{Value, json};
use sluice_railway_fake::Seed;

use super::support::*;

const CLOSED_ENV: &str = "cccccccc-4444-4444-8444-444444444444";

fn seed(value: Value) -> Seed {
    Seed::from_json(&value.to_string()).unwrap()
}

fn closed_env_seed() -> Seed {
    seed(json!({
        "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
            "environments": [{ "id": CLOSED_ENV, "name": "restricted", "canAccess": false }] }],
        "variables": [{ "environmentId": CLOSED_ENV, "serviceId": API, "name": "TOP", "value": "secret" }]
    }))
}

#[tokio::test]
async fn an_environment_without_access_is_listed_but_closed() {
    let fake = start().await;
    fake.seed(closed_env_seed());
    let query = "query P($p: String!) { project(id: $p) { environments { edges { node { name canAccess } } } } }";
    let data = gql(&fake, ACCOUNT, query, json!({ "p": PROJECT })).await.data();
    assert_eq!(
        data["project"]["environments"]["edges"],
        json!([
            { "node": { "name": "production", "canAccess": true } },
            { "node": { "name": "staging", "canAccess": true } },
            { "node": { "name": "restricted", "canAccess": false } },
        ])
    );
    for auth in [ACCOUNT, WS] {
        assert_eq!(read_variables(&fake, auth, CLOSED_ENV, Some(API), true).await.error_message(), "Not Authorized");
    }
    let deployments = "query D($e: String!) { deployments(input: { environmentId: $e }) { edges { node { id } } } }";
    assert_eq!(gql(&fake, ACCOUNT, deployments, json!({ "e": CLOSED_ENV })).await.error_message(), "Not Authorized");
    let nested = "query E($p: String!) { project(id: $p) { environments { edges { node { name variables { edges { node { name } } } } } } } }";
    assert_eq!(gql(&fake, ACCOUNT, nested, json!({ "p": PROJECT })).await.error_message(), "Not Authorized");
    let all = "query D($s: String!) { deployments(input: { serviceId: $s }) { edges { node { environmentId } } } }";
    let data = gql(&fake, ACCOUNT, all, json!({ "s": API })).await.data();
    assert!(data["deployments"]["edges"].as_array().unwrap().iter().all(|d| d["node"]["environmentId"] != CLOSED_ENV));
}

#[tokio::test]
async fn can_access_round_trips_through_seed_json_and_can_be_reopened() {
    let closed = closed_env_seed();
    assert!(closed.inaccessible_environments.contains(CLOSED_ENV));
    let json = serde_json::to_value(&closed).unwrap();
    assert_eq!(json["projects"][0]["environments"][0]["canAccess"], false);
    assert!(!serde_json::to_value(Seed::example()).unwrap().to_string().contains("canAccess"), "default omitted");
    assert_eq!(serde_json::from_value::<Seed>(json).unwrap(), closed);

    let fake = start().await;
    fake.seed(closed);
    fake.seed(seed(json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
        "environments": [{ "id": CLOSED_ENV, "name": "restricted" }] }] })));
    let reply = read_variables(&fake, ACCOUNT, CLOSED_ENV, Some(API), true).await;
    assert_eq!(reply.data()["variables"]["TOP"], "secret", "a later seed without canAccess: false opens it");
    let bad = r#"{"projects":[{"id":"33333333-3333-4333-8333-333333333333","name":"shop","workspaceId":"11111111-1111-4111-8111-111111111111","environments":[{"id":"cccccccc-4444-4444-8444-444444444444","name":"r","canAccess":"no"}]}]}"#;
    assert!(Seed::from_json(bad).is_err());
}

fn invited_seed() -> Seed {
    let mut s = other_workspace_seed();
    s.users.push(
        serde_json::from_value(json!({ "id": USER, "email": "dev@acme.test", "name": "Dev Eloper",
            "workspaceIds": [WORKSPACE], "externalProjectIds": [OTHER_PROJECT] }))
        .unwrap(),
    );
    s
}

#[tokio::test]
async fn external_workspaces_list_projects_the_user_was_invited_to() {
    let fake = start().await;
    fake.seed(invited_seed());
    let query = "{ me { workspaces { id } } externalWorkspaces { id name teamId projects { id name } } }";
    let data = gql(&fake, ACCOUNT, query, json!({})).await.data();
    assert_eq!(data["me"]["workspaces"], json!([{ "id": WORKSPACE }]), "not a member");
    assert_eq!(
        data["externalWorkspaces"],
        json!([{ "id": OTHER_WORKSPACE, "name": "Other", "teamId": null, "projects": [{ "id": OTHER_PROJECT, "name": "secret" }] }])
    );
    let filtered = "query X($p: String) { externalWorkspaces(projectId: $p) { id } }";
    assert_eq!(gql(&fake, ACCOUNT, filtered, json!({ "p": PROJECT })).await.data()["externalWorkspaces"], json!([]));
    assert_eq!(
        gql(&fake, WS, "{ externalWorkspaces { id } }", json!({})).await.data()["externalWorkspaces"],
        json!([])
    );

    let projects = gql(&fake, ACCOUNT, "{ projects { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(
        projects["projects"]["edges"],
        json!([{ "node": { "id": PROJECT } }]),
        "projects lists member workspaces"
    );
    let ws = "query W($w: String!) { workspace(workspaceId: $w) { id } }";
    assert_eq!(gql(&fake, ACCOUNT, ws, json!({ "w": OTHER_WORKSPACE })).await.error_message(), "Not Authorized");
}

#[tokio::test]
async fn an_invited_project_is_reachable_by_the_account_token_only() {
    let fake = start().await;
    fake.seed(invited_seed());
    let project = "query P($p: String!) { project(id: $p) { name environments { edges { node { id canAccess } } } } }";
    let data = gql(&fake, ACCOUNT, project, json!({ "p": OTHER_PROJECT })).await.data();
    assert_eq!(data["project"]["environments"]["edges"], json!([{ "node": { "id": OTHER_ENV, "canAccess": true } }]));

    let read = json!({ "projectId": OTHER_PROJECT, "environmentId": OTHER_ENV });
    let vars = gql(&fake, ACCOUNT, VARIABLES, read.clone()).await.data();
    assert_eq!(vars["variables"]["SECRET"], "x");
    let write =
        json!({ "input": { "projectId": OTHER_PROJECT, "environmentId": OTHER_ENV, "name": "NEW", "value": "1" } });
    assert_eq!(gql(&fake, ACCOUNT, UPSERT, write.clone()).await.data(), json!({ "variableUpsert": true }));
    assert_eq!(fake.variables(OTHER_ENV, None)["NEW"].as_deref(), Some("1"));

    assert_eq!(gql(&fake, WS, VARIABLES, read).await.error_message(), "Not Authorized", "not the workspace token");
    assert_eq!(gql(&fake, WS, UPSERT, write).await.error_message(), "Not Authorized");
}

#[tokio::test]
async fn an_invitation_to_an_unknown_project_is_refused() {
    let fake = start().await;
    let bad = seed(json!({ "users": [{ "id": USER, "email": "dev@acme.test", "workspaceIds": [WORKSPACE],
        "externalProjectIds": ["99999999-3333-4333-8333-333333333333"] }] }));
    let err = fake.state().try_seed(&bad).unwrap_err();
    assert!(err.to_string().contains("external project"), "{err}");
}

#[tokio::test]
async fn service_instances_list_only_services_deployed_in_the_environment() {
    let fake = start().await;
    let only_prod = "99999999-0000-4000-8000-0000000000aa";
    fake.seed(seed(json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
        "services": [{ "id": only_prod, "name": "prod-only", "environmentIds": [PRODUCTION] }] }] })));
    let query = "query E($e: String!) { environment(id: $e) { serviceInstances { edges { node { serviceName } } } } }";
    let names = |data: Value| -> Vec<String> {
        data["environment"]["serviceInstances"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["serviceName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(gql(&fake, ACCOUNT, query, json!({ "e": PRODUCTION })).await.data()),
        ["api", "worker", "prod-only"]
    );
    assert_eq!(names(gql(&fake, ACCOUNT, query, json!({ "e": STAGING })).await.data()), ["api", "worker"]);
}
