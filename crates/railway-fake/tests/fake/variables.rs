//! Reading variables (reference §10.5): scopes, rendered vs unrendered, sealed values, and the
//! Railway-provided `RAILWAY_*` variables.

use serde_json::{Value, json};
use sluice_railway_fake::{PROVIDED_VARIABLES, Seed};

use super::support::*;

fn vars(reply: Reply) -> serde_json::Map<String, Value> {
    reply.data()["variables"].as_object().unwrap().clone()
}

#[tokio::test]
async fn unrendered_returns_stored_strings_and_sealed_as_null() {
    let fake = start().await;
    let api = vars(read_variables(&fake, PROJ, PRODUCTION, Some(API), true).await);
    assert_eq!(
        Value::Object(api),
        json!({
            "DATABASE_URL": "postgres://shop:example-password@db.railway.internal:5432/shop",
            "LOG_LEVEL": "${{shared.LOG_LEVEL}}",
            "STRIPE_SECRET_KEY": null
        })
    );
}

#[tokio::test]
async fn rendered_service_output_substitutes_and_adds_railway_variables() {
    let fake = start().await;
    let api = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    assert_eq!(api["LOG_LEVEL"], "info");
    assert_eq!(api["STRIPE_SECRET_KEY"], Value::Null);
    for (name, value) in [
        ("RAILWAY_ENVIRONMENT_ID", PRODUCTION),
        ("RAILWAY_ENVIRONMENT_NAME", "production"),
        ("RAILWAY_PROJECT_ID", PROJECT),
        ("RAILWAY_PROJECT_NAME", "shop"),
        ("RAILWAY_SERVICE_ID", API),
        ("RAILWAY_SERVICE_NAME", "api"),
        ("RAILWAY_PRIVATE_DOMAIN", "api.railway.internal"),
    ] {
        assert_eq!(api[name], value, "{name}");
    }
    let worker = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(WORKER), false).await);
    assert_eq!(worker["API_INTERNAL_URL"], "http://api.railway.internal:8080", "spaces inside braces");
}

#[tokio::test]
async fn railway_variables_only_in_rendered_service_output() {
    let fake = start().await;
    let cases = [(Some(API), true), (None, true), (None, false)];
    for (service, unrendered) in cases {
        let map = vars(read_variables(&fake, ACCOUNT, PRODUCTION, service, unrendered).await);
        assert!(!map.keys().any(|k| k.starts_with("RAILWAY_")), "{service:?} unrendered={unrendered}");
    }
    let map = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    let mut provided: Vec<&str> = map.keys().map(String::as_str).filter(|k| k.starts_with("RAILWAY_")).collect();
    let mut documented = PROVIDED_VARIABLES.to_vec();
    provided.sort_unstable();
    documented.sort_unstable();
    assert_eq!(provided, documented);
}

#[tokio::test]
async fn every_provided_variable_reaches_the_deployment() {
    let fake = start().await;
    let query = "query V($p: String!, $e: String!, $s: String!) { variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }";
    let for_deployment =
        gql(&fake, PROJ, query, json!({ "p": PROJECT, "e": PRODUCTION, "s": API })).await.data()["variablesForServiceDeployment"].clone();
    let running = fake.running(PRODUCTION, API).unwrap();
    for name in PROVIDED_VARIABLES {
        assert!(for_deployment[name].as_str().is_some_and(|v| !v.is_empty()), "{name}: {for_deployment}");
        assert_eq!(running.variables[*name].as_deref(), for_deployment[name].as_str(), "{name}");
    }
    assert_eq!(for_deployment["RAILWAY_PUBLIC_DOMAIN"], "api-production.up.railway.app");
    assert_eq!(for_deployment["RAILWAY_GIT_REPO_NAME"], "shop");
    assert_eq!(for_deployment["RAILWAY_GIT_REPO_OWNER"], "acme");
    let sha = for_deployment["RAILWAY_GIT_COMMIT_SHA"].as_str().unwrap();
    assert!(sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()), "{sha}");
    let snapshot = gql(
        &fake,
        PROJ,
        "query S($id: String!) { deploymentSnapshot(deploymentId: $id) { id } }",
        json!({ "id": running.deployment_id }),
    )
    .await
    .data();
    assert_eq!(for_deployment["RAILWAY_SNAPSHOT_ID"], snapshot["deploymentSnapshot"]["id"]);
}

#[tokio::test]
async fn git_variables_follow_the_commit_being_deployed() {
    let fake = start().await;
    let sha = |fake: &sluice_railway_fake::FakeRailway| {
        fake.running(PRODUCTION, API).unwrap().variables["RAILWAY_GIT_COMMIT_SHA"].clone().unwrap()
    };
    let seeded = sha(&fake);
    let seeded_id = fake.running(PRODUCTION, API).unwrap().deployment_id;
    upsert_service_variable(&fake, PRODUCTION, API, "A", "1").await;
    assert_eq!(sha(&fake), seeded, "a variable deploy rebuilds the same commit");
    fake.push_deployment(PRODUCTION, API, None);
    let pushed = sha(&fake);
    assert_ne!(pushed, seeded, "a push is a new commit");
    let redeploy = "mutation D($id: String!) { deploymentRedeploy(id: $id) { id } }";
    gql(&fake, ACCOUNT, redeploy, json!({ "id": seeded_id })).await.data();
    assert_eq!(sha(&fake), seeded, "redeploying an old deployment builds its commit");
    let v2 = "mutation V($e: String!, $s: String!, $sha: String) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s, commitSha: $sha) }";
    let given = "d0beb8f5c55b36df7d674d55965a23b8d54ad69b";
    gql(&fake, ACCOUNT, v2, json!({ "e": PRODUCTION, "s": API, "sha": given })).await.data();
    assert_eq!(sha(&fake), given);
    let message = fake.running(PRODUCTION, API).unwrap().variables["RAILWAY_GIT_COMMIT_MESSAGE"].clone();
    assert_eq!(message.as_deref(), Some("Commit d0beb8f"));
}

#[tokio::test]
async fn a_stored_variable_wins_over_a_provided_one_and_undeployed_services_get_fewer() {
    let fake = start().await;
    fake.set_variable(PRODUCTION, Some(API), "RAILWAY_GIT_BRANCH", "release", false);
    let api = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    assert_eq!(api["RAILWAY_GIT_BRANCH"], "release");

    let fresh = "99999999-0000-4000-8000-00000000f4e5";
    fake.seed(
        Seed::from_json(
            &json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
                "services": [{ "id": fresh, "name": "Fresh Service", "deploymentStatuses": [] }] }] })
            .to_string(),
        )
        .unwrap(),
    );
    let map = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(fresh), false).await);
    assert_eq!(map["RAILWAY_PRIVATE_DOMAIN"], "fresh-service.railway.internal");
    assert!(map.get("RAILWAY_DEPLOYMENT_ID").is_none(), "never deployed: no deployment variables");
    assert!(map.get("RAILWAY_GIT_COMMIT_SHA").is_none());
}

#[tokio::test]
async fn shared_scope_when_service_id_is_omitted_or_null() {
    let fake = start().await;
    let omitted = vars(read_variables(&fake, ACCOUNT, PRODUCTION, None, true).await);
    let null = vars(
        gql(
            &fake,
            ACCOUNT,
            VARIABLES,
            json!({ "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": null, "unrendered": true }),
        )
        .await,
    );
    assert_eq!(omitted, null);
    assert_eq!(Value::Object(omitted), json!({ "LOG_LEVEL": "info", "PUBLIC_URL": "https://shop.example.com" }));
    let staging = vars(read_variables(&fake, ACCOUNT, STAGING, None, true).await);
    assert_eq!(Value::Object(staging), json!({ "LOG_LEVEL": "debug" }));
}

#[tokio::test]
async fn unresolvable_references_render_empty_and_rendering_follows_edits() {
    let fake = start().await;
    fake.set_variable(
        PRODUCTION,
        Some(API),
        "BROKEN",
        "postgresql://${{Postgres.USER}}:@${{ shared.NOPE }}:/${{MISSING}}",
        false,
    );
    fake.set_variable(PRODUCTION, Some(API), "SELF", "${{DATABASE_URL}}?ssl=1", false);
    fake.set_variable(PRODUCTION, None, "LOG_LEVEL", "warn", false);
    let api = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    assert_eq!(api["BROKEN"], "postgresql://:@:/");
    assert_eq!(api["SELF"], "postgres://shop:example-password@db.railway.internal:5432/shop?ssl=1");
    assert_eq!(api["LOG_LEVEL"], "warn");
}

#[tokio::test]
async fn empty_scope_is_an_empty_object() {
    let fake = start().await;
    let worker = vars(read_variables(&fake, ACCOUNT, STAGING, Some(WORKER), true).await);
    assert!(worker.is_empty());
}
