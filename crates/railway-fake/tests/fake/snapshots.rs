//! What the app sees: each deployment snapshots its service's variables when it is created, and
//! `running` / `GET /__fake/running` show the live deployment's snapshot. Also a git push
//! (`POST /__fake/deployments`) putting a build in flight.

use serde_json::{Value, json};
use sluice_railway_fake::{DeployCause, DeploymentStatus, Seed};

use super::support::*;

const SEALED_VALUE: &str = "sk_test_example_sealed";

fn skip_deploys_upsert(name: &str, value: &str) -> Value {
    json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API,
        "name": name, "value": value, "skipDeploys": true } })
}

#[tokio::test]
async fn the_seeded_deployment_runs_with_the_seeded_variables() {
    let fake = start().await;
    let running = fake.running(PRODUCTION, API).unwrap();
    assert_eq!(running.status, DeploymentStatus::Success);
    let vars = &running.variables;
    assert_eq!(vars["LOG_LEVEL"].as_deref(), Some("info"), "references rendered");
    assert_eq!(vars["STRIPE_SECRET_KEY"].as_deref(), Some(SEALED_VALUE), "the app receives sealed values");
    assert_eq!(vars["RAILWAY_DEPLOYMENT_ID"].as_deref(), Some(running.deployment_id.as_str()));
    assert_eq!(vars["RAILWAY_SERVICE_NAME"].as_deref(), Some("api"));
    assert!(!vars.contains_key("PUBLIC_URL"), "shared variables arrive only through references");
    let printed = format!("{running:?}");
    assert!(printed.contains("STRIPE_SECRET_KEY") && !printed.contains(SEALED_VALUE), "{printed}");
}

#[tokio::test]
async fn a_write_reaches_the_app_only_through_a_new_deployment() {
    let fake = start().await;
    let before = fake.running(PRODUCTION, API).unwrap();
    gql(&fake, ACCOUNT, UPSERT, skip_deploys_upsert("DATABASE_URL", "postgres://new")).await.data();
    let still = fake.running(PRODUCTION, API).unwrap();
    assert_eq!(still, before, "skipDeploys: the old deployment keeps serving the old value");

    upsert_service_variable(&fake, PRODUCTION, API, "FEATURE", "on").await;
    let after = fake.running(PRODUCTION, API).unwrap();
    assert_ne!(after.deployment_id, before.deployment_id);
    assert_eq!(after.variables["DATABASE_URL"].as_deref(), Some("postgres://new"));
    assert_eq!(after.variables["FEATURE"].as_deref(), Some("on"));
    assert_eq!(after.variables["RAILWAY_DEPLOYMENT_ID"].as_deref(), Some(after.deployment_id.as_str()));
}

#[tokio::test]
async fn a_deployment_in_flight_keeps_the_variables_of_its_creation() {
    let fake = start_with_lifecycle("manual", 0).await;
    let old = fake.running(PRODUCTION, API).unwrap();
    upsert_service_variable(&fake, PRODUCTION, API, "FEATURE", "v1").await;
    assert_eq!(fake.running(PRODUCTION, API).unwrap(), old, "the new build is only queued");
    gql(&fake, ACCOUNT, UPSERT, skip_deploys_upsert("FEATURE", "v2")).await.data();
    fake.advance_deployments();
    let live = fake.running(PRODUCTION, API).unwrap();
    assert_eq!(live.variables["FEATURE"].as_deref(), Some("v1"), "written after the build was created");
}

#[tokio::test]
async fn running_over_http() {
    let fake = start().await;
    let (status, body) =
        control(&fake, "GET", &format!("/running?environmentId={PRODUCTION}&serviceId={API}"), None).await;
    assert_eq!(status, 200);
    let running = fake.running(PRODUCTION, API).unwrap();
    assert_eq!(body["deploymentId"], running.deployment_id.as_str());
    assert_eq!(body["status"], "SUCCESS");
    assert!(body["createdAt"].as_str().unwrap().starts_with("2026-"));
    assert_eq!(body["variables"]["LOG_LEVEL"], "info");

    let cron = "99999999-0000-4000-8000-00000000c0c0";
    fake.seed(
        Seed::from_json(
            &json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
                "services": [{ "id": cron, "name": "nightly", "deploymentStatuses": ["FAILED"] }] }] })
            .to_string(),
        )
        .unwrap(),
    );
    let (status, body) =
        control(&fake, "GET", &format!("/running?environmentId={PRODUCTION}&serviceId={cron}"), None).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["message"].is_string());
    assert!(fake.running(PRODUCTION, cron).is_none());
    assert_eq!(control(&fake, "GET", &format!("/running?environmentId={PRODUCTION}"), None).await.0, 400);
}

#[tokio::test]
async fn a_push_puts_a_build_in_flight() {
    let fake = start().await;
    let old = fake.running(PRODUCTION, API).unwrap();
    let (status, body) = control(
        &fake,
        "POST",
        "/deployments",
        Some(json!({ "environmentId": PRODUCTION, "serviceId": API, "status": "BUILDING" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["deploymentId"].as_str().unwrap().to_owned();
    assert_eq!(statuses_of(&fake, PRODUCTION, API).await, ["BUILDING", "SUCCESS"]);
    assert_eq!(fake.running(PRODUCTION, API).unwrap(), old);
    let log = fake.deploys();
    assert_eq!((log[0].cause, log[0].deployment_id.as_str()), (DeployCause::Push, id.as_str()));
    assert_eq!(control(&fake, "GET", "/deploys", None).await.1[0]["cause"], "push");

    fake.advance_deployment(&id, DeploymentStatus::Success);
    assert_eq!(fake.running(PRODUCTION, API).unwrap().deployment_id, id);

    let pushed = fake.push_deployment(PRODUCTION, WORKER, None);
    assert_eq!(fake.running(PRODUCTION, WORKER).unwrap().deployment_id, pushed, "no status: the lifecycle knob");

    let (status, body) =
        control(&fake, "POST", "/deployments", Some(json!({ "environmentId": STAGING, "serviceId": "nope" }))).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_snapshot_is_readable_through_the_api_without_sealed_values() {
    let fake = start().await;
    let running = fake.running(PRODUCTION, API).unwrap();
    let query = "query S($id: String!) { deployment(id: $id) { snapshotId }
        deploymentSnapshot(deploymentId: $id) { id createdAt updatedAt variables } }";
    let data = gql(&fake, PROJ, query, json!({ "id": running.deployment_id })).await.data();
    let snapshot = &data["deploymentSnapshot"];
    assert_eq!(snapshot["id"], data["deployment"]["snapshotId"]);
    assert_eq!(snapshot["variables"]["STRIPE_SECRET_KEY"], Value::Null, "sealed values never leave through the API");
    assert_eq!(snapshot["variables"]["LOG_LEVEL"], "info");
    assert_eq!(snapshot["variables"]["RAILWAY_DEPLOYMENT_ID"], running.deployment_id.as_str());
    assert!(!data.to_string().contains(SEALED_VALUE));

    let cron = "99999999-0000-4000-8000-00000000c0c1";
    fake.seed(
        Seed::from_json(
            &json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
                "services": [{ "id": cron, "name": "nightly", "deploymentStatuses": ["SKIPPED"] }] }] })
            .to_string(),
        )
        .unwrap(),
    );
    let skipped = deployments_of(&fake, PRODUCTION, cron).await[0]["id"].clone();
    let data = gql(&fake, ACCOUNT, query, json!({ "id": skipped })).await.data();
    assert_eq!(data, json!({ "deployment": { "snapshotId": null }, "deploymentSnapshot": null }));
}

#[tokio::test]
async fn variables_for_service_deployment_names_the_newest_deployment() {
    let fake = start_with_lifecycle("manual", 0).await;
    upsert_service_variable(&fake, PRODUCTION, API, "A", "1").await;
    let newest = deployments_of(&fake, PRODUCTION, API).await[0]["id"].clone();
    let query = "query V($p: String!, $e: String!, $s: String!) { variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }";
    let data = gql(&fake, PROJ, query, json!({ "p": PROJECT, "e": PRODUCTION, "s": API })).await.data();
    assert_eq!(data["variablesForServiceDeployment"]["RAILWAY_DEPLOYMENT_ID"], newest);
}
