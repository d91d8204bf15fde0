//! Redeploys: `serviceInstanceRedeploy`, and `deploymentRedeploy` refusing deployments without
//! a snapshot (a cron service whose runs were skipped or failed), both refused while a build is
//! in flight; `serviceInstanceDeployV2`.

use serde_json::json;
use sluice_railway_fake::{DeployCause, DeploymentStatus, Seed};

use super::support::*;

const REDEPLOY: &str =
    "mutation R($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }";
const LATEST: &str = "query L($s: String!, $e: String!) { deployments(input: { serviceId: $s, environmentId: $e }, first: 1) { edges { node { id status canRedeploy } } } }";
const DEPLOYMENT_REDEPLOY: &str =
    "mutation D($id: String!) { deploymentRedeploy(id: $id) { id status serviceId environmentId } }";
const CRON: &str = "99999999-0000-4000-8000-00000000c0c0";

fn cron_seed() -> Seed {
    Seed::from_json(
        &json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
            "services": [{ "id": CRON, "name": "nightly", "environmentIds": [PRODUCTION],
                "cronSchedule": "0 3 * * *", "deploymentStatuses": ["FAILED", "SKIPPED"] }] }] })
        .to_string(),
    )
    .unwrap()
}

#[tokio::test]
async fn service_instance_redeploy_records_a_deploy() {
    let fake = start().await;
    assert_eq!(
        gql(&fake, PROJ, REDEPLOY, json!({ "e": PRODUCTION, "s": WORKER })).await.data(),
        json!({ "serviceInstanceRedeploy": true })
    );
    let deploys = fake.deploys();
    assert_eq!(deploys.len(), 1);
    assert_eq!((deploys[0].environment_id.as_str(), deploys[0].service_id.as_str()), (PRODUCTION, WORKER));
    assert_eq!(deploys[0].cause, DeployCause::Redeploy);
}

#[tokio::test]
async fn service_instance_redeploy_of_a_missing_instance_fails() {
    let fake = start().await;
    fake.seed(cron_seed());
    let reply = gql(&fake, ACCOUNT, REDEPLOY, json!({ "e": STAGING, "s": CRON })).await;
    assert_eq!(reply.error_message(), "ServiceInstance not found");
    let reply =
        gql(&fake, ACCOUNT, REDEPLOY, json!({ "e": PRODUCTION, "s": "99999999-9999-4999-8999-999999999999" })).await;
    assert_eq!(reply.error_message(), "Not Authorized");
    assert!(fake.deploys().is_empty());
}

#[tokio::test]
async fn deployment_redeploy_of_the_latest_deployment() {
    let fake = start().await;
    let latest = gql(&fake, ACCOUNT, LATEST, json!({ "s": API, "e": PRODUCTION })).await.data();
    let id = latest["deployments"]["edges"][0]["node"]["id"].clone();
    let data = gql(&fake, ACCOUNT, DEPLOYMENT_REDEPLOY, json!({ "id": id })).await.data();
    let new = &data["deploymentRedeploy"];
    assert_ne!(new["id"], id);
    assert_eq!(new["status"], "SUCCESS");
    assert_eq!(new["serviceId"], API);
    assert_eq!(fake.deploys()[0].cause, DeployCause::DeploymentRedeploy);
}

#[tokio::test]
async fn deployment_redeploy_without_a_snapshot_fails() {
    let fake = start().await;
    fake.seed(cron_seed());
    let latest = gql(&fake, ACCOUNT, LATEST, json!({ "s": CRON, "e": PRODUCTION })).await.data();
    let node = &latest["deployments"]["edges"][0]["node"];
    assert_eq!(node["status"], "SKIPPED", "newest first");
    assert_eq!(node["canRedeploy"], false);
    let reply = gql(&fake, ACCOUNT, DEPLOYMENT_REDEPLOY, json!({ "id": node["id"] })).await;
    assert_eq!(reply.error_message(), "Cannot redeploy without a snapshot");
    assert!(fake.deploys().is_empty());

    let instance = gql(&fake, ACCOUNT, "query I($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { cronSchedule latestDeployment { status } } }", json!({ "e": PRODUCTION, "s": CRON }))
        .await
        .data();
    assert_eq!(
        instance["serviceInstance"],
        json!({ "cronSchedule": "0 3 * * *", "latestDeployment": { "status": "SKIPPED" } })
    );
}

#[tokio::test]
async fn deployment_redeploy_outside_the_project_tokens_environment() {
    let fake = start().await;
    let latest = gql(&fake, ACCOUNT, LATEST, json!({ "s": API, "e": STAGING })).await.data();
    let id = latest["deployments"]["edges"][0]["node"]["id"].clone();
    assert_eq!(gql(&fake, PROJ, DEPLOYMENT_REDEPLOY, json!({ "id": id })).await.error_message(), "Not Authorized");
    assert_eq!(gql(&fake, PROJ, LATEST, json!({ "s": API, "e": STAGING })).await.error_message(), "Not Authorized");
}

const BUILDING_MESSAGE: &str = "Cannot redeploy yet, please wait for the original deployment to finish building";
const DEPLOY_V2: &str = "mutation V($e: String!, $s: String!, $sha: String) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s, commitSha: $sha) }";

#[tokio::test]
async fn redeploys_are_refused_while_a_build_is_in_flight() {
    let fake = start().await;
    let live = deployments_of(&fake, PRODUCTION, API).await[0]["id"].clone();
    for status in ["QUEUED", "WAITING", "INITIALIZING", "BUILDING", "DEPLOYING"] {
        let status: DeploymentStatus = serde_json::from_value(json!(status)).unwrap();
        let building = fake.push_deployment(PRODUCTION, API, Some(status));
        fake.clear_deploys();
        let reply = gql(&fake, ACCOUNT, REDEPLOY, json!({ "e": PRODUCTION, "s": API })).await;
        assert_eq!(reply.error_message(), BUILDING_MESSAGE, "{status:?}");
        assert_eq!(reply.json()["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        let reply = gql(&fake, ACCOUNT, DEPLOYMENT_REDEPLOY, json!({ "id": live })).await;
        assert_eq!(reply.error_message(), BUILDING_MESSAGE, "assumed: the same rule for deploymentRedeploy");
        let all = deployments_of(&fake, PRODUCTION, API).await;
        assert!(all.iter().all(|d| d["canRedeploy"] == false), "{status:?}: nothing can be redeployed now");
        assert!(fake.deploys().is_empty(), "{status:?}: nothing deployed");
        fake.advance_deployment(&building, DeploymentStatus::Failed);
    }
    assert_eq!(deployments_of(&fake, PRODUCTION, API).await[0]["canRedeploy"], true, "a failed build is over");
    assert_eq!(
        gql(&fake, ACCOUNT, REDEPLOY, json!({ "e": PRODUCTION, "s": API })).await.data()["serviceInstanceRedeploy"],
        true
    );
    let other = gql(&fake, ACCOUNT, REDEPLOY, json!({ "e": PRODUCTION, "s": WORKER })).await;
    assert_eq!(other.data()["serviceInstanceRedeploy"], true, "other services are not held up");
}

#[tokio::test]
async fn a_redeploy_picks_up_the_current_variables() {
    let fake = start().await;
    let old = fake.running(PRODUCTION, API).unwrap().deployment_id;
    let write = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API,
        "variables": { "DATABASE_URL": "postgres://rotated" }, "skipDeploys": true } });
    gql(&fake, ACCOUNT, COLLECTION_UPSERT, write).await.data();
    assert_ne!(fake.running(PRODUCTION, API).unwrap().variables["DATABASE_URL"].as_deref(), Some("postgres://rotated"));

    let data = gql(&fake, ACCOUNT, DEPLOYMENT_REDEPLOY, json!({ "id": old })).await.data();
    let running = fake.running(PRODUCTION, API).unwrap();
    assert_eq!(data["deploymentRedeploy"]["id"], running.deployment_id.as_str());
    assert_eq!(running.variables["DATABASE_URL"].as_deref(), Some("postgres://rotated"), "Infisical relies on this");

    gql(
        &fake,
        ACCOUNT,
        UPSERT,
        json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION,
        "serviceId": API, "name": "DATABASE_URL", "value": "postgres://again", "skipDeploys": true } }),
    )
    .await
    .data();
    gql(&fake, PROJ, REDEPLOY, json!({ "e": PRODUCTION, "s": API })).await.data();
    assert_eq!(fake.running(PRODUCTION, API).unwrap().variables["DATABASE_URL"].as_deref(), Some("postgres://again"));
}

#[tokio::test]
async fn service_instance_deploy_v2_returns_the_new_deployment() {
    let fake = start().await;
    fake.push_deployment(PRODUCTION, API, Some(DeploymentStatus::Building));
    fake.clear_deploys();
    let data = gql(&fake, PROJ, DEPLOY_V2, json!({ "e": PRODUCTION, "s": API, "sha": "0123abcd" })).await.data();
    let id = data["serviceInstanceDeployV2"].as_str().unwrap().to_owned();
    assert_eq!(deployments_of(&fake, PRODUCTION, API).await[0]["id"], id.as_str(), "not refused while building");
    assert_eq!(fake.running(PRODUCTION, API).unwrap().deployment_id, id);
    let log = fake.deploys();
    assert_eq!(
        (log.len(), log[0].cause, log[0].deployment_id.as_str()),
        (1, DeployCause::ServiceInstanceDeployV2, id.as_str())
    );

    let reply = gql(&fake, PROJ, DEPLOY_V2, json!({ "e": STAGING, "s": API })).await;
    assert_eq!(reply.error_message(), "Not Authorized", "outside the project token's environment");
}
