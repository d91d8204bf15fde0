//! Redeploys: `serviceInstanceRedeploy`, and `deploymentRedeploy` refusing deployments without
//! a snapshot (a cron service whose runs were skipped or failed).

use serde_json::json;
use sluice_railway_fake::{DeployCause, Seed};

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
