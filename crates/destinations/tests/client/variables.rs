//! Reading (unrendered, sealed as `None`), collection upserts (`replace: false`,
//! `skipDeploys`) and deletes, per scope and per token kind.

use std::collections::BTreeMap;

use sluice_destinations::railway::{RailwayApi, RailwayError, RailwayTarget};
use sluice_domain::SecretValue;
use sluice_domain::planner::Observed;
use sluice_railway_fake::DeployCause;

use crate::{Harness, account, api_target, project, seeded, shared_target, workspace};

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, SecretValue> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), SecretValue::from(*v))).collect()
}

/// Variables as read, with their values as plain text (for comparing with literals).
fn plain(vars: Observed) -> BTreeMap<String, Option<String>> {
    vars.into_iter().map(|(k, v)| (k, v.map(SecretValue::into_exposed))).collect()
}

#[tokio::test]
async fn reads_stored_text_with_sealed_values_as_none() {
    let h = Harness::start().await;
    for creds in [account(), workspace(), project()] {
        let vars = plain(h.client.get_variables(&creds, &api_target()).await.expect("variables"));
        assert_eq!(
            vars.get("DATABASE_URL"),
            Some(&Some("postgres://shop:example-password@db.railway.internal:5432/shop".to_owned()))
        );
        assert_eq!(
            vars.get("LOG_LEVEL"),
            Some(&Some("${{shared.LOG_LEVEL}}".to_owned())),
            "unrendered: the reference stays a template"
        );
        assert_eq!(vars.get("STRIPE_SECRET_KEY"), Some(&None), "sealed");
        assert!(!vars.keys().any(|k| k.starts_with("RAILWAY_")), "no Railway-provided variables");
    }
}

#[tokio::test]
async fn shared_scope_is_read_without_a_service_id() {
    let h = Harness::start().await;
    let vars = plain(h.client.get_variables(&workspace(), &shared_target()).await.expect("shared"));
    let expected: BTreeMap<String, Option<String>> = [
        ("LOG_LEVEL".to_owned(), Some("info".to_owned())),
        ("PUBLIC_URL".to_owned(), Some("https://shop.example.com".to_owned())),
    ]
    .into();
    assert_eq!(vars, expected);
}

#[tokio::test]
async fn upsert_merges_into_the_scope_without_deploying_when_asked() {
    let h = Harness::start().await;
    let api: &dyn RailwayApi = &h.client;
    let changes = map(&[("NEW_KEY", "new value"), ("LOG_LEVEL", "warn")]);
    api.upsert_variables(&workspace(), &shared_target(), &changes, true).await.expect("upsert");

    let stored = h.fake.variables(seeded::PRODUCTION, None);
    assert_eq!(stored.get("NEW_KEY"), Some(&Some("new value".to_owned())));
    assert_eq!(stored.get("LOG_LEVEL"), Some(&Some("warn".to_owned())));
    assert_eq!(
        stored.get("PUBLIC_URL"),
        Some(&Some("https://shop.example.com".to_owned())),
        "replace: false keeps variables outside the map"
    );
    assert!(
        !h.fake.variables(seeded::PRODUCTION, Some(seeded::API)).contains_key("NEW_KEY"),
        "a shared write never lands in a service"
    );
    assert!(h.fake.deploys().is_empty(), "skipDeploys: true");
    assert_eq!(h.operations(), ["UpsertVariables"], "one request for the whole map");
}

#[tokio::test]
async fn upsert_to_a_service_deploys_it_once_unless_skipped() {
    let h = Harness::start().await;
    let changes = map(&[("A", "1"), ("B", "2"), ("C", "3")]);
    h.client.upsert_variables(&project(), &api_target(), &changes, false).await.expect("upsert");
    let deploys = h.fake.deploys();
    assert_eq!(deploys.len(), 1, "{deploys:?}");
    assert_eq!(deploys[0].service_id, seeded::API);
    assert_eq!(deploys[0].cause, DeployCause::VariableCollectionUpsert);

    let stored = h.fake.variables(seeded::PRODUCTION, Some(seeded::API));
    assert_eq!(stored.get("STRIPE_SECRET_KEY"), Some(&None), "sealed variable untouched");
    assert_eq!(stored.get("B"), Some(&Some("2".to_owned())));
}

#[tokio::test]
async fn an_empty_upsert_sends_nothing() {
    let h = Harness::start().await;
    h.client.upsert_variables(&account(), &api_target(), &BTreeMap::new(), true).await.expect("no-op");
    assert!(h.fake.requests().is_empty());
}

#[tokio::test]
async fn delete_removes_one_variable_of_the_scope() {
    let h = Harness::start().await;
    h.client.delete_variable(&account(), &shared_target(), "PUBLIC_URL").await.expect("delete");
    let shared = h.fake.variables(seeded::PRODUCTION, None);
    assert!(!shared.contains_key("PUBLIC_URL"));
    assert!(shared.contains_key("LOG_LEVEL"));
    assert!(h.fake.variables(seeded::STAGING, None).contains_key("LOG_LEVEL"), "other environment untouched");
}

#[tokio::test]
async fn a_project_token_cannot_touch_a_sibling_environment() {
    let h = Harness::start().await;
    let staging = RailwayTarget::service(seeded::PROJECT, seeded::STAGING, seeded::API);
    let read = h.client.get_variables(&project(), &staging).await.expect_err("sibling env");
    assert!(matches!(read, RailwayError::Unauthorized { .. }), "{read:?}");
    let write = h
        .client
        .upsert_variables(&project(), &staging, &map(&[("X", "secret-x-value")]), true)
        .await
        .expect_err("sibling env");
    assert!(matches!(write, RailwayError::Unauthorized { .. }), "{write:?}");
    assert!(!write.to_string().contains("secret-x-value"));
    assert!(!h.fake.variables(seeded::STAGING, Some(seeded::API)).contains_key("X"));
}
