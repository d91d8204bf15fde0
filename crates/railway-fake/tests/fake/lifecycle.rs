//! The deployment lifecycle (`QUEUED → BUILDING → DEPLOYING → SUCCESS`) under each
//! `deployLifecycle` knob, `/__fake/deployments/advance`, and the live deployment being
//! `REMOVED` when a newer one succeeds.

use serde_json::json;
use sluice_railway_fake::DeploymentStatus;

use super::support::*;

#[tokio::test]
async fn instant_by_default_and_the_previous_live_deployment_is_removed() {
    let fake = start().await;
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["SUCCESS"]);
    upsert_service_variable(&fake, PRODUCTION, API, "A", "1").await;
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["SUCCESS", "REMOVED"]);
    let newest = &deployments_of(&fake, PRODUCTION, API).await[0];
    assert_eq!(newest["statusUpdatedAt"], newest["createdAt"], "created as SUCCESS");
    assert_eq!(newest["id"].as_str(), Some(fake.deploys()[0].deployment_id.as_str()), "the log names it");
    assert_eq!(statuses_of(&fake, STAGING, API).await, ["SUCCESS"], "other environments untouched");
}

#[tokio::test]
async fn manual_deployments_wait_in_the_queue_until_advanced() {
    let fake = start_with_lifecycle("manual", 0).await;
    upsert_service_variable(&fake, PRODUCTION, API, "A", "1").await;
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["QUEUED", "SUCCESS"], "still serving the old one");
    let queued = deployments_of(&fake, PRODUCTION, API).await[0]["id"].clone();

    let (status, body) =
        control(&fake, "POST", "/deployments/advance", Some(json!({ "deploymentId": queued, "to": "BUILDING" }))).await;
    assert_eq!((status, body), (200, json!({ "advanced": [queued] })));
    let latest = gql(
        &fake,
        PROJ,
        "query L($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { latestDeployment { id status } } }",
        json!({ "e": PRODUCTION, "s": API }),
    )
    .await
    .data();
    assert_eq!(latest["serviceInstance"]["latestDeployment"], json!({ "id": queued, "status": "BUILDING" }));

    let (status, body) = control(&fake, "POST", "/deployments/advance", None).await;
    assert_eq!((status, body), (200, json!({ "advanced": [queued] })), "no id: every in-flight one; no to: SUCCESS");
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["SUCCESS", "REMOVED"]);
    let newest = &deployments_of(&fake, PRODUCTION, API).await[0];
    assert!(newest["statusUpdatedAt"].as_str() >= newest["createdAt"].as_str());
}

#[tokio::test]
async fn advancing_in_process_and_to_failure() {
    let fake = start_with_lifecycle("manual", 0).await;
    upsert_service_variable(&fake, PRODUCTION, API, "A", "1").await;
    upsert_service_variable(&fake, PRODUCTION, WORKER, "B", "2").await;
    let api = deployments_of(&fake, PRODUCTION, API).await[0]["id"].as_str().unwrap().to_owned();
    fake.advance_deployment(&api, DeploymentStatus::Failed);
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["FAILED", "SUCCESS"], "a failed build leaves the old live");
    assert_eq!(fake.advance_deployments().len(), 1, "only the worker's was still in flight");
    assert_eq!(statuses_of(&fake, PRODUCTION, WORKER).await, ["SUCCESS", "REMOVED"]);

    let live = deployments_of(&fake, PRODUCTION, WORKER).await[0]["id"].as_str().unwrap().to_owned();
    fake.advance_deployment(&live, DeploymentStatus::Crashed);
    assert_eq!(statuses_of(&fake, PRODUCTION, WORKER).await, ["CRASHED", "REMOVED"], "a running app can crash");
}

#[tokio::test]
async fn advance_refuses_what_cannot_happen() {
    let fake = start_with_lifecycle("manual", 0).await;
    let live = deployments_of(&fake, PRODUCTION, API).await[0]["id"].clone();
    let cases = [
        (json!({ "deploymentId": "nope" }), 404, "unknown deployment"),
        (json!({ "deploymentId": live, "to": "BUILDING" }), 400, "only in-flight"),
        (json!({ "to": "QUEUED" }), 400, "cannot advance to QUEUED"),
        (json!({ "to": "LAUNCHED" }), 400, "invalid JSON"),
    ];
    for (body, status, message) in cases {
        let (got, answer) = control(&fake, "POST", "/deployments/advance", Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains(message), "{body}: {answer}");
    }
    assert_eq!(control(&fake, "POST", "/deployments/advance", None).await.1, json!({ "advanced": [] }));
}

#[tokio::test]
async fn timed_deployments_are_worked_out_when_read() {
    let fake = start_with_lifecycle("timed", 3_600_000).await;
    upsert_service_variable(&fake, PRODUCTION, API, "A", "1").await;
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["QUEUED", "SUCCESS"], "an hour to go");
    fake.advance_deployments();
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["SUCCESS", "REMOVED"], "advancing cuts it short");

    let knobs = json!({ "deployLifecycle": "timed", "deployDurationMs": 0 });
    assert_eq!(control(&fake, "POST", "/knobs", Some(knobs)).await.0, 204);
    upsert_service_variable(&fake, PRODUCTION, API, "A", "2").await;
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["SUCCESS", "REMOVED", "REMOVED"], "zero: done when read");
}
