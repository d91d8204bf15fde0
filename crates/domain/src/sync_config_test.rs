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
        json!({
            "initialSyncBehavior": "overwrite-destination", "disableSecretDeletion": false, "redeployPolicy": "affected",
            "deleteOnlyOwned": true, "driftPolicy": "report", "driftCheckIntervalMinutes": 15,
            "massDeletionGuard": {"enabled": true, "percent": 50, "minKeys": 5}
        })
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
    let none_more = SluiceOptions::default();
    let o = SyncOptions::parse(" overwrite-destination ", Some("{{environment}}_{{secretKey}}"), None, &none_more)
        .expect("ok");
    assert_eq!(o.matcher("prod").render("DB"), "prod_DB");
    let p = o.plan_options("prod", &crate::planner::OrdinaryKeys, None);
    assert_eq!((p.environment, p.disable_secret_deletion, p.name_rule), ("prod", false, NameRule::Posix));
    let err = SyncOptions::parse("overwrite-destination", Some("BAD"), None, &none_more).expect_err("schema");
    assert_eq!(err.field, "syncOptions.keySchema");
    let err = SyncOptions::parse("nope", None, Some(true), &none_more).expect_err("behavior");
    assert_eq!(err.field, "syncOptions.initialSyncBehavior");
    let more = |m: SluiceOptions<'static>| SyncOptions::parse("overwrite-destination", None, None, &m);
    let none = more(SluiceOptions { redeploy_policy: Some("none"), ..Default::default() }).expect("policy");
    assert_eq!(none.redeploy_policy, crate::RedeployPolicy::None);
    assert_eq!(o.redeploy_policy, crate::RedeployPolicy::Affected, "absent means affected");
    let err = more(SluiceOptions { redeploy_policy: Some("all"), ..Default::default() }).expect_err("policy");
    assert_eq!(err.field, "syncOptions.redeployPolicy");

    // Sluice's own options: defaults, and each refusal names its field.
    assert!(o.delete_only_owned, "absent means only owned keys are deleted");
    assert_eq!(o.drift_policy, DriftPolicy::Report);
    assert_eq!(o.drift_check_interval_minutes, 15);
    assert_eq!(o.mass_deletion_guard, DeletionGuard { enabled: true, percent: 50, min_keys: 5 });
    let heal = more(SluiceOptions { drift_policy: Some("heal"), ..Default::default() }).expect("heal");
    assert_eq!(heal.drift_policy, DriftPolicy::Heal);
    let err = more(SluiceOptions { drift_policy: Some("fix"), ..Default::default() }).expect_err("drift");
    assert_eq!(err.field, "syncOptions.driftPolicy");
    for bad in [1, 4, MAX_DRIFT_MINUTES + 1] {
        let err = more(SluiceOptions { drift_check_interval_minutes: Some(bad), ..Default::default() })
            .expect_err("interval");
        assert_eq!(err.field, "syncOptions.driftCheckIntervalMinutes", "{bad}");
    }
    for good in [0, 5, 60, MAX_DRIFT_MINUTES] {
        more(SluiceOptions { drift_check_interval_minutes: Some(good), ..Default::default() }).expect("interval");
    }
    let guard = DeletionGuard { enabled: true, percent: 0, min_keys: 5 };
    let err = more(SluiceOptions { mass_deletion_guard: Some(guard), ..Default::default() }).expect_err("percent");
    assert_eq!(err.field, "syncOptions.massDeletionGuard.percent");
    let all = more(SluiceOptions { delete_only_owned: Some(false), ..Default::default() }).expect("owned");
    let ledger = std::collections::BTreeSet::from(["A".to_string()]);
    assert!(all.plan_options("prod", &crate::planner::OrdinaryKeys, Some(&ledger)).owned.is_none());
    assert!(o.plan_options("prod", &crate::planner::OrdinaryKeys, Some(&ledger)).owned.is_some());
}

#[test]
fn stored_options_without_sluice_fields_read_with_defaults() {
    let o: SyncOptions =
        serde_json::from_value(json!({"initialSyncBehavior": "overwrite-destination"})).expect("decodes");
    assert_eq!(o, SyncOptions::new(crate::InitialSyncBehavior::OverwriteDestination));
    let o: SyncOptions = serde_json::from_value(json!({
        "initialSyncBehavior": "overwrite-destination", "deleteOnlyOwned": false, "driftPolicy": "adopt",
        "driftCheckIntervalMinutes": 0, "massDeletionGuard": {"enabled": false}
    }))
    .expect("decodes");
    assert!(!o.delete_only_owned);
    assert_eq!(o.drift_policy, DriftPolicy::Adopt);
    assert_eq!(o.drift_check_interval_minutes, 0);
    assert_eq!(o.mass_deletion_guard, DeletionGuard { enabled: false, percent: 50, min_keys: 5 });
}

#[test]
fn deletion_guard_holds_emptying_and_large_deletions() {
    let g = DeletionGuard::default();
    // (deletes, managed, remaining after the run) → holds
    let table = [
        (0, 0, 0, false),
        (0, 10, 10, false),
        (1, 1, 0, true),   // the last key goes: emptied
        (3, 3, 0, true),   // every key goes, below the minimum: emptied
        (1, 1, 2, false),  // every old key goes, but two new ones come: not emptied
        (4, 6, 2, false),  // 67 %, but fewer than 5 keys
        (5, 10, 5, false), // exactly 50 %: not more than the threshold
        (6, 10, 4, true),
        (5, 9, 4, true),
        (5, 100, 95, false),
        (51, 100, 49, true),
        (51, 100, 200, true), // many new keys do not excuse many deletions
    ];
    for (deletes, managed, remaining, holds) in table {
        assert_eq!(g.holds(deletes, managed, remaining), holds, "{deletes} of {managed}, {remaining} left");
    }
    assert!(!DeletionGuard { enabled: false, ..g }.holds(10, 10, 0));
    assert!(DeletionGuard { percent: 10, min_keys: 1, ..g }.holds(2, 10, 8));
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

#[test]
fn tag_slugs_are_checked_sorted_and_deduplicated() {
    let more = |tags: &[&str]| {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        SyncOptions::parse(
            "overwrite-destination",
            None,
            None,
            &SluiceOptions { tag_slugs: Some(&tags), ..Default::default() },
        )
    };
    assert_eq!(more(&["prod", "db", "prod"]).expect("tags").tag_slugs, ["db", "prod"]);
    assert_eq!(more(&["ok", "Not Ok"]).expect_err("bad").field, "syncOptions.tagSlugs[1]");
    let none = SyncOptions::parse("overwrite-destination", None, None, &SluiceOptions::default()).expect("none");
    assert!(none.tag_slugs.is_empty(), "absent means every secret");
    let stored: SyncOptions = serde_json::from_str(r#"{"initialSyncBehavior":"overwrite-destination"}"#).expect("json");
    assert!(stored.tag_slugs.is_empty());
    assert!(!serde_json::to_string(&stored).expect("json").contains("tagSlugs"), "emitted only when set");
}
