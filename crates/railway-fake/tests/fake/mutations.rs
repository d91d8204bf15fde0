//! Variable writes (reference §5, §10.5): scopes, all-or-nothing collection upserts, `replace`,
//! deletes, and the deploys each write records.

use serde_json::{Value, json};
use sluice_railway_fake::{DeleteMissing, DeployCause, FakeConfig, Knobs, NameRule};

use super::support::*;

fn collection(service: Option<&str>, variables: Value, replace: bool, skip: bool) -> Value {
    let mut input = json!({ "projectId": PROJECT, "environmentId": PRODUCTION, "variables": variables });
    if let Some(service) = service {
        input["serviceId"] = json!(service);
    }
    if replace {
        input["replace"] = json!(true);
    }
    if skip {
        input["skipDeploys"] = json!(true);
    }
    json!({ "input": input })
}

fn deployed(fake: &sluice_railway_fake::FakeRailway) -> Vec<(String, String, DeployCause)> {
    fake.deploys().into_iter().map(|d| (d.environment_id, d.service_id, d.cause)).collect()
}

#[tokio::test]
async fn collection_upsert_into_a_service_records_one_deploy() {
    let fake = start().await;
    let reply =
        gql(&fake, PROJ, COLLECTION_UPSERT, collection(Some(API), json!({ "A": "1", "B": "" }), false, false)).await;
    assert_eq!(reply.data(), json!({ "variableCollectionUpsert": true }));
    let stored = fake.variables(PRODUCTION, Some(API));
    assert_eq!(stored["A"].as_deref(), Some("1"));
    assert_eq!(stored["B"].as_deref(), Some(""), "empty values are allowed");
    assert_eq!(stored["STRIPE_SECRET_KEY"], None, "untouched sealed variable stays");
    assert_eq!(deployed(&fake), [(PRODUCTION.to_owned(), API.to_owned(), DeployCause::VariableCollectionUpsert)]);
}

#[tokio::test]
async fn skip_deploys_records_nothing() {
    let fake = start().await;
    gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "A": "1" }), false, true)).await.data();
    let upsert = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": WORKER, "name": "X", "value": "y", "skipDeploys": true } });
    gql(&fake, ACCOUNT, UPSERT, upsert).await.data();
    assert!(fake.deploys().is_empty());
    assert_eq!(fake.variables(PRODUCTION, Some(WORKER))["X"].as_deref(), Some("y"));
}

#[tokio::test]
async fn each_variable_upsert_deploys_once() {
    let fake = start().await;
    for (name, value) in [("A", "1"), ("B", "2")] {
        let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": name, "value": value } });
        assert_eq!(gql(&fake, ACCOUNT, UPSERT, input).await.data(), json!({ "variableUpsert": true }));
    }
    assert_eq!(deployed(&fake).len(), 2);
    assert!(fake.deploys().iter().all(|d| d.cause == DeployCause::VariableUpsert));
}

#[tokio::test]
async fn shared_writes_deploy_only_referencing_services() {
    let fake = start().await;
    gql(
        &fake,
        ACCOUNT,
        COLLECTION_UPSERT,
        collection(None, json!({ "PUBLIC_URL": "https://new.example.com" }), false, false),
    )
    .await
    .data();
    assert!(fake.deploys().is_empty(), "nobody references PUBLIC_URL");
    assert_eq!(fake.variables(PRODUCTION, None)["PUBLIC_URL"].as_deref(), Some("https://new.example.com"));

    gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(None, json!({ "LOG_LEVEL": "warn" }), false, false)).await.data();
    assert_eq!(deployed(&fake), [(PRODUCTION.to_owned(), API.to_owned(), DeployCause::VariableCollectionUpsert)]);

    fake.clear_deploys();
    fake.set_variable(PRODUCTION, Some(WORKER), "LEVEL", "${{ shared.LOG_LEVEL }}", false);
    let upsert = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "name": "LOG_LEVEL", "value": "error" } });
    gql(&fake, ACCOUNT, UPSERT, upsert).await.data();
    let mut services: Vec<String> = fake.deploys().into_iter().map(|d| d.service_id).collect();
    services.sort();
    assert_eq!(services, [API, WORKER]);
}

#[tokio::test]
async fn replace_deletes_everything_in_scope_including_sealed() {
    let fake = start().await;
    gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "ONLY": "this" }), true, true)).await.data();
    let stored = fake.variables(PRODUCTION, Some(API));
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored["ONLY"].as_deref(), Some("this"));
    assert_eq!(fake.variables(PRODUCTION, None).len(), 2, "shared scope untouched");
    assert_eq!(fake.variables(PRODUCTION, Some(WORKER)).len(), 2, "other service untouched");
    assert_eq!(fake.variables(STAGING, Some(API)).len(), 1, "other environment untouched");
}

#[tokio::test]
async fn replace_of_shared_deploys_services_referencing_removed_names() {
    let fake = start().await;
    gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(None, json!({ "PUBLIC_URL": "x" }), true, false)).await.data();
    assert!(!fake.variables(PRODUCTION, None).contains_key("LOG_LEVEL"));
    assert_eq!(deployed(&fake), [(PRODUCTION.to_owned(), API.to_owned(), DeployCause::VariableCollectionUpsert)]);
}

#[tokio::test]
async fn collection_upsert_is_all_or_nothing_under_the_name_knob() {
    let config =
        FakeConfig { knobs: Knobs { name_rule: NameRule::Posix, ..Knobs::default() }, ..FakeConfig::default() };
    let fake = start_with(config).await;
    let before = fake.variables(PRODUCTION, Some(API));
    let reply =
        gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "GOOD": "1", "1BAD": "2" }), true, false))
            .await;
    assert_eq!(reply.error_message(), "Invalid variable name \"1BAD\"");
    assert_eq!(fake.variables(PRODUCTION, Some(API)), before, "nothing applied, nothing replaced");
    assert!(fake.deploys().is_empty());

    let upsert = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "name": "a-b", "value": "x" } });
    assert_eq!(gql(&fake, ACCOUNT, UPSERT, upsert).await.error_message(), "Invalid variable name \"a-b\"");
}

#[tokio::test]
async fn default_knob_accepts_any_non_empty_name_but_not_empty_or_non_strings() {
    let fake = start().await;
    gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "1 odd-name": "ok" }), false, true))
        .await
        .data();
    assert!(fake.variables(PRODUCTION, Some(API)).contains_key("1 odd-name"));

    let reply =
        gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "FINE": "1", "": "x" }), false, true))
            .await;
    assert_eq!(reply.error_message(), "Variable name cannot be empty");
    let reply =
        gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "FINE": "1", "NUM": 5 }), false, true))
            .await;
    assert_eq!(reply.error_message(), "Value of variable \"NUM\" must be a string");
    let reply =
        gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!(["not", "a", "map"]), false, true)).await;
    assert_eq!(reply.error_message(), "Variables must be an object of names to string values");
    assert!(!fake.variables(PRODUCTION, Some(API)).contains_key("FINE"));
}

#[tokio::test]
async fn value_size_knob() {
    let config = FakeConfig { knobs: Knobs { max_value_bytes: Some(4), ..Knobs::default() }, ..FakeConfig::default() };
    let fake = start_with(config).await;
    let reply =
        gql(&fake, ACCOUNT, COLLECTION_UPSERT, collection(Some(API), json!({ "BIG": "12345" }), false, true)).await;
    assert_eq!(reply.error_message(), "Value of variable \"BIG\" is too large (maximum 4 bytes)");
}

#[tokio::test]
async fn upserting_a_sealed_variable_keeps_it_sealed() {
    let fake = start().await;
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": "STRIPE_SECRET_KEY", "value": "rotated", "skipDeploys": true } });
    gql(&fake, ACCOUNT, UPSERT, input).await.data();
    assert_eq!(fake.variables(PRODUCTION, Some(API))["STRIPE_SECRET_KEY"], None);
    let rendered = read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await.data();
    assert_eq!(rendered["variables"]["STRIPE_SECRET_KEY"], Value::Null);
}

#[tokio::test]
async fn delete_removes_and_deploys() {
    let fake = start().await;
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": "DATABASE_URL" } });
    assert_eq!(gql(&fake, ACCOUNT, DELETE, input).await.data(), json!({ "variableDelete": true }));
    assert!(!fake.variables(PRODUCTION, Some(API)).contains_key("DATABASE_URL"));
    assert_eq!(deployed(&fake), [(PRODUCTION.to_owned(), API.to_owned(), DeployCause::VariableDelete)]);

    let shared = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "name": "PUBLIC_URL" } });
    gql(&fake, ACCOUNT, DELETE, shared).await.data();
    assert!(!fake.variables(PRODUCTION, None).contains_key("PUBLIC_URL"));
    assert_eq!(fake.deploys().len(), 1, "nobody referenced PUBLIC_URL");
}

#[tokio::test]
async fn delete_of_unknown_name_and_its_knobs() {
    let fake = start().await;
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": "NEVER_EXISTED" } });
    assert_eq!(gql(&fake, ACCOUNT, DELETE, input.clone()).await.data(), json!({ "variableDelete": true }));
    assert!(fake.deploys().is_empty(), "nothing deleted, nothing deployed");

    fake.state().set_knobs(Knobs {
        delete_missing: DeleteMissing::Error,
        delete_triggers_deploy: false,
        ..Knobs::default()
    });
    assert_eq!(gql(&fake, ACCOUNT, DELETE, input).await.error_message(), "Variable \"NEVER_EXISTED\" not found");
    let existing = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": API, "name": "LOG_LEVEL" } });
    gql(&fake, ACCOUNT, DELETE, existing).await.data();
    assert!(fake.deploys().is_empty(), "deploy-on-delete knob off");
}

#[tokio::test]
async fn writes_to_a_service_missing_from_the_environment_fail() {
    let fake = start().await;
    fake.seed(
        sluice_railway_fake::Seed::from_json(
            &json!({ "projects": [{ "id": PROJECT, "name": "shop", "workspaceId": WORKSPACE,
                "services": [{ "id": "99999999-0000-4000-8000-000000000009", "name": "cron", "environmentIds": [STAGING] }] }] })
            .to_string(),
        )
        .unwrap(),
    );
    let reply = gql(
        &fake,
        ACCOUNT,
        COLLECTION_UPSERT,
        collection(Some("99999999-0000-4000-8000-000000000009"), json!({ "A": "1" }), false, false),
    )
    .await;
    assert_eq!(reply.error_message(), "ServiceInstance not found");
    assert!(fake.deploys().is_empty());
}
