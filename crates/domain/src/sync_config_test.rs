use super::*;
use serde_json::json;

#[test]
fn options_read_infisicals_sample() {
    // The docs' sample, including the `autoSyncEnabled` field the real API ignores.
    let o: SyncOptions = serde_json::from_value(json!({
        "initialSyncBehavior": "overwrite-destination",
        "autoSyncEnabled": true,
        "disableSecretDeletion": false
    }))
    .expect("options");
    assert_eq!(o, SyncOptions::new(InitialSyncBehavior::OverwriteDestination));
    assert_eq!(
        serde_json::to_value(&o).expect("json"),
        json!({"initialSyncBehavior": "overwrite-destination", "disableSecretDeletion": false, "redeployPolicy": "affected"})
    );
}

#[test]
fn options_key_schema_blank_means_none() {
    for schema in [json!(null), json!(""), json!("   ")] {
        let o: SyncOptions =
            serde_json::from_value(json!({"initialSyncBehavior": "import-prioritize-source", "keySchema": schema}))
                .expect("options");
        assert_eq!(o.key_schema, None);
        assert!(!o.disable_secret_deletion);
    }
    let o: SyncOptions = serde_json::from_value(json!({
        "initialSyncBehavior": "import-prioritize-destination",
        "keySchema": " APP_{{secretKey}} ",
        "disableSecretDeletion": true
    }))
    .expect("options");
    assert_eq!(o.key_schema.as_ref().map(KeySchema::as_str), Some("APP_{{secretKey}}"));
    assert_eq!(serde_json::to_value(&o).expect("json")["keySchema"], "APP_{{secretKey}}");
}

#[test]
fn options_refuse_bad_values() {
    let err = serde_json::from_value::<SyncOptions>(
        json!({"initialSyncBehavior": "overwrite-destination", "keySchema": "APP"}),
    )
    .expect_err("schema");
    assert!(err.to_string().starts_with("Key schema must include exactly one {{secretKey}} placeholder."), "{err}");
    assert!(serde_json::from_value::<SyncOptions>(json!({"initialSyncBehavior": "overwrite"})).is_err());
    assert!(serde_json::from_value::<SyncOptions>(json!({})).is_err());
}

#[test]
fn options_parse_names_the_field() {
    let o =
        SyncOptions::parse(" overwrite-destination ", Some("{{environment}}_{{secretKey}}"), None, None).expect("ok");
    assert_eq!(o.matcher("prod").render("DB"), "prod_DB");
    let p = o.plan_options("prod", &crate::planner::OrdinaryKeys);
    assert_eq!((p.environment, p.disable_secret_deletion, p.name_rule), ("prod", false, NameRule::Posix));
    let err = SyncOptions::parse("overwrite-destination", Some("BAD"), None, None).expect_err("schema");
    assert_eq!(err.field, "syncOptions.keySchema");
    let err = SyncOptions::parse("nope", None, Some(true), None).expect_err("behavior");
    assert_eq!(err.field, "syncOptions.initialSyncBehavior");
    let none = SyncOptions::parse("overwrite-destination", None, None, Some("none")).expect("policy");
    assert_eq!(none.redeploy_policy, crate::RedeployPolicy::None);
    assert_eq!(o.redeploy_policy, crate::RedeployPolicy::Affected, "absent means affected");
    let err = SyncOptions::parse("overwrite-destination", None, None, Some("all")).expect_err("policy");
    assert_eq!(err.field, "syncOptions.redeployPolicy");
}

fn sample() -> serde_json::Value {
    json!({
        "projectId": "dev-project-id",
        "projectName": "Development Project",
        "environmentId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "environmentName": "Development",
        "serviceId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "serviceName": "my-railway-service"
    })
}

#[test]
fn destination_round_trips_camel_case() {
    let d: RailwayDestination = serde_json::from_value(sample()).expect("destination");
    assert_eq!(d.project_id(), "dev-project-id");
    assert_eq!(d.service_name(), Some("my-railway-service"));
    assert!(!d.is_shared_variables());
    assert_eq!(serde_json::to_value(&d).expect("json"), sample());
}

#[test]
fn destination_without_service_targets_shared_variables() {
    for service in [None, Some(json!("")), Some(json!("  ")), Some(json!(null))] {
        let mut v = json!({"projectId": " p ", "projectName": "", "environmentId": "e", "environmentName": "E"});
        if let Some(s) = service {
            v["serviceId"] = s;
        }
        let d: RailwayDestination = serde_json::from_value(v).expect("destination");
        assert!(d.is_shared_variables());
        assert_eq!(d.project_id(), "p");
        assert_eq!(
            serde_json::to_value(&d).expect("json"),
            json!({"projectId": "p", "projectName": "", "environmentId": "e", "environmentName": "E"})
        );
    }
}

#[test]
fn destination_requires_ids_with_infisicals_messages() {
    for (field, message) in
        [("projectId", "Railway project ID required"), ("environmentId", "Railway environment ID required")]
    {
        for bad in [json!(""), json!("  ")] {
            let mut v = sample();
            v[field] = bad;
            let err = serde_json::from_value::<RailwayDestination>(v).expect_err(field);
            assert!(err.to_string().contains(message), "{err}");
        }
        let mut v = sample();
        v.as_object_mut().expect("object").remove(field);
        assert!(serde_json::from_value::<RailwayDestination>(v).is_err());
    }
    let err = RailwayDestination::new("p", "", " ", "", None, None).expect_err("env");
    assert_eq!(
        (err.field.as_str(), err.message.as_str()),
        ("destinationConfig.environmentId", "Railway environment ID required")
    );
}

#[test]
fn same_target_ignores_names() {
    let a = RailwayDestination::new("p", "P", "e", "E", Some("s"), Some("svc")).expect("a");
    let b = RailwayDestination::new("p", "other", "e", "other", Some(" s "), None).expect("b");
    let shared = RailwayDestination::new("p", "P", "e", "E", Some(""), None).expect("shared");
    assert!(a.same_target(&b));
    assert!(!a.same_target(&shared));
    assert!(shared.same_target(&RailwayDestination::new("p", "", "e", "", None, None).expect("shared")));
}
