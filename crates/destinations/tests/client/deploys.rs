//! Redeploy: which deployment is chosen, when to wait, and when nothing is redeployed
//! (a success); following a deployment.

use sluice_destinations::railway::Redeploy;
use sluice_railway_fake::{DeployCause, DeploymentStatus, FakeConfig, Seed};

use crate::{Harness, account, project, seeded};

/// The example seed with the api service's deployments set (oldest first).
fn seed_with_api_deployments(statuses: Vec<DeploymentStatus>) -> Seed {
    let mut seed = Seed::example();
    for p in &mut seed.projects {
        for s in &mut p.services {
            if s.id == seeded::API {
                s.deployment_statuses = Some(statuses.clone());
            }
        }
    }
    seed
}

async fn harness(statuses: Vec<DeploymentStatus>) -> Harness {
    Harness::with(FakeConfig::default(), seed_with_api_deployments(statuses), |_| {}).await
}

#[tokio::test]
async fn redeploys_the_running_deployment_of_the_service() {
    let h = Harness::start().await;
    let outcome = h.client.redeploy_service(&project(), seeded::PRODUCTION, seeded::API).await.expect("redeploy");
    let Redeploy::Requested { deployment_id: id, .. } = outcome else {
        panic!("expected a redeploy, got {outcome:?}");
    };
    assert!(!id.is_empty());
    let deploys = h.fake.deploys();
    assert_eq!(deploys.len(), 1);
    assert_eq!(deploys[0].cause, DeployCause::DeploymentRedeploy);
    assert_eq!((deploys[0].environment_id.as_str(), deploys[0].service_id.as_str()), (seeded::PRODUCTION, seeded::API));
    assert_eq!(h.operations(), ["RecentDeployments", "RedeployDeployment"]);
}

#[tokio::test]
async fn skips_failed_deployments_to_the_one_still_running() {
    use DeploymentStatus::*;
    let h = harness(vec![Success, Failed, Skipped]).await;
    let outcome = h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::API).await.expect("redeploy");
    assert!(matches!(outcome, Redeploy::Requested { .. }), "{outcome:?}");
    assert_eq!(h.fake.deploys().len(), 1);
}

#[tokio::test]
async fn a_build_in_flight_is_waited_for_not_overtaken() {
    use DeploymentStatus::*;
    let h = harness(vec![Success, Building]).await;
    let outcome = h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::API).await.expect("no error");
    let Redeploy::Wait { reason } = outcome else {
        panic!("expected to wait, got {outcome:?}");
    };
    assert!(reason.contains("BUILDING"), "{reason}");
    assert!(h.fake.deploys().is_empty(), "the older SUCCESS was not redeployed");
}

#[tokio::test]
async fn a_cron_service_without_snapshots_has_nothing_to_redeploy() {
    use DeploymentStatus::*;
    let h = harness(vec![Skipped, Failed, Skipped]).await;
    let outcome = h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::API).await.expect("no error");
    assert!(matches!(outcome, Redeploy::Nothing { .. }), "{outcome:?}");
    assert!(h.fake.deploys().is_empty());
}

#[tokio::test]
async fn a_service_never_deployed_has_nothing_to_redeploy() {
    let h = harness(vec![]).await;
    let outcome = h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::API).await.expect("no error");
    assert!(matches!(outcome, Redeploy::Nothing { .. }), "{outcome:?}");
}

#[tokio::test]
async fn another_service_is_left_alone() {
    let h = Harness::start().await;
    h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::WORKER).await.expect("redeploy");
    let deploys = h.fake.deploys();
    assert_eq!(deploys.len(), 1);
    assert_eq!(deploys[0].service_id, seeded::WORKER);
}

#[tokio::test]
async fn a_requested_deployment_is_followed() {
    let h = Harness::start().await;
    let outcome = h.client.redeploy_service(&account(), seeded::PRODUCTION, seeded::API).await.expect("redeploy");
    let Redeploy::Requested { deployment_id, status } = outcome else {
        panic!("expected a redeploy, got {outcome:?}");
    };
    let now = h.client.deployment_status(&account(), &deployment_id).await.expect("status");
    assert_eq!(now, status, "the fake's default deploys are live at once");
    assert_eq!(now, "SUCCESS");
}
