use super::*;
use crate::key_schema::KeySchema;
use crate::planner::{self, NameRule, PlanAction, PlanOptions};
use crate::testgen::{self, secrets as source, variables as observed};
use proptest::prelude::*;

/// Railway's rule as far as imports go: every `RAILWAY_*` name stays at the destination.
#[derive(Debug)]
struct RailwayLike;

impl crate::planner::KeyRules for RailwayLike {
    fn classify(&self, key: &str) -> crate::planner::KeyClass {
        if key.starts_with("RAILWAY_") {
            crate::planner::KeyClass::Provided
        } else {
            crate::planner::KeyClass::Ordinary
        }
    }
}

fn matcher(schema: &str) -> KeyMatcher {
    KeyMatcher::new(KeySchema::parse(schema).expect("valid").as_ref(), "dev")
}

fn keys(m: &BTreeMap<SecretKey, SecretValue>) -> Vec<(&str, &str)> {
    m.iter().map(|(k, v)| (k.as_str(), v.expose())).collect()
}

#[test]
fn imports_what_the_sync_manages() {
    let dest = observed(&[
        ("APP_NEW", Some("n")),
        ("APP_SAME", Some("s")),
        ("APP_DIFF", Some("dest")),
        ("APP_EMPTY", Some("")),
        ("APP_SEALED", None),
        ("OTHER", Some("x")),
        ("RAILWAY_SERVICE_ID", Some("x")),
    ]);
    let own = source(&[("SAME", "s"), ("DIFF", "mine"), ("EMPTY", "mine")]);
    let m = matcher("APP_{{secretKey}}");

    let src = plan_import(&dest, &m, &RailwayLike, &own, ImportBehavior::PrioritizeSource).expect("import");
    assert_eq!(keys(&src.creates), [("NEW", "n")]);
    assert!(src.updates.is_empty());

    let dst = plan_import(&dest, &m, &RailwayLike, &own, ImportBehavior::PrioritizeDestination).expect("import");
    assert_eq!(keys(&dst.creates), [("NEW", "n")]);
    // An empty destination value never replaces Sluice's.
    assert_eq!(keys(&dst.updates), [("DIFF", "dest")]);

    let pushed = dst.overlay(&own);
    assert_eq!(keys(&pushed), [("DIFF", "dest"), ("EMPTY", "mine"), ("NEW", "n"), ("SAME", "s")]);
}

#[test]
fn creates_empty_values_sluice_lacks() {
    let plan = plan_import(
        &observed(&[("A", Some(""))]),
        &KeyMatcher::all(),
        &RailwayLike,
        &BTreeMap::new(),
        ImportBehavior::PrioritizeSource,
    )
    .expect("import");
    assert_eq!(keys(&plan.creates), [("A", "")]);
}

#[test]
fn railway_prefix_is_dropped_before_stripping() {
    // Infisical drops RAILWAY_* destination keys whatever the schema.
    let plan = plan_import(
        &observed(&[("RAILWAY_X", Some("1")), ("RAILWAY_", Some("2"))]),
        &matcher("RAILWAY_{{secretKey}}"),
        &RailwayLike,
        &BTreeMap::new(),
        ImportBehavior::PrioritizeSource,
    )
    .expect("import");
    assert!(plan.is_empty());
}

#[test]
fn invalid_names_fail_the_whole_import() {
    let dest = observed(&[("A B", Some("1")), ("GOOD", Some("2")), ("a/b", Some("3")), ("SEALED BAD", None)]);
    let err = plan_import(&dest, &KeyMatcher::all(), &RailwayLike, &BTreeMap::new(), ImportBehavior::PrioritizeSource)
        .expect_err("invalid");
    assert_eq!(err.invalid_keys, ["A B", "a/b"]);
    assert!(err.to_string().starts_with("Found 2 invalid secret name(s). secret key \"A B\" contains ' '"), "{err}");
}

#[test]
fn empty_and_padded_stripped_keys_are_invalid() {
    let err = plan_import(
        &observed(&[("APP_", Some("1"))]),
        &matcher("APP_{{secretKey}}"),
        &RailwayLike,
        &BTreeMap::new(),
        ImportBehavior::PrioritizeSource,
    )
    .expect_err("empty");
    assert_eq!(err.to_string(), "Found 1 invalid secret name(s). secret key must not be empty");
    let err = plan_import(
        &observed(&[(" PAD", Some("1"))]),
        &KeyMatcher::all(),
        &RailwayLike,
        &BTreeMap::new(),
        ImportBehavior::PrioritizeSource,
    )
    .expect_err("padded");
    assert!(err.first_message.contains("leading or trailing whitespace"), "{err}");
}

#[test]
fn debug_never_shows_values() {
    let plan = plan_import(
        &observed(&[("A", Some("hunter2"))]),
        &KeyMatcher::all(),
        &RailwayLike,
        &BTreeMap::new(),
        ImportBehavior::PrioritizeSource,
    )
    .expect("import");
    let shown = format!("{plan:?}");
    assert!(!shown.contains("hunter2") && shown.contains("A"), "{shown}");
}

#[test]
fn behaviors_round_trip_their_names() {
    for b in [
        InitialSyncBehavior::OverwriteDestination,
        InitialSyncBehavior::ImportPrioritizeSource,
        InitialSyncBehavior::ImportPrioritizeDestination,
    ] {
        assert_eq!(b.as_str().parse::<InitialSyncBehavior>(), Ok(b));
        assert_eq!(serde_json::to_value(b).expect("json"), serde_json::json!(b.as_str()));
    }
    for b in [ImportBehavior::PrioritizeSource, ImportBehavior::PrioritizeDestination] {
        assert_eq!(b.as_str().parse::<ImportBehavior>(), Ok(b));
        assert_eq!(serde_json::to_value(b).expect("json"), serde_json::json!(b.as_str()));
    }
    assert_eq!(InitialSyncBehavior::OverwriteDestination.import_behavior(), None);
    assert_eq!(InitialSyncBehavior::ImportPrioritizeSource.import_behavior(), Some(ImportBehavior::PrioritizeSource));
    assert_eq!(
        InitialSyncBehavior::ImportPrioritizeDestination.import_behavior(),
        Some(ImportBehavior::PrioritizeDestination)
    );
    assert!("overwrite".parse::<InitialSyncBehavior>().is_err());
    assert!(serde_json::from_str::<ImportBehavior>("\"PrioritizeSource\"").is_err());
}

fn behavior() -> impl Strategy<Value = ImportBehavior> {
    prop_oneof![Just(ImportBehavior::PrioritizeSource), Just(ImportBehavior::PrioritizeDestination)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Importing and then pushing never deletes or changes a destination key the import could
    /// read, and prioritize-destination keeps every non-empty destination value.
    #[test]
    fn import_then_push_keeps_the_destination(
        (schema, env, own, dest) in testgen::scenario(),
        behavior in behavior(),
    ) {
        let m = KeyMatcher::new(schema.as_ref(), &env);
        let Ok(plan) = plan_import(&dest, &m, &RailwayLike, &own, behavior) else {
            return Ok(());
        };
        for k in plan.creates.keys() {
            prop_assert!(!own.contains_key(k));
        }
        if behavior == ImportBehavior::PrioritizeSource {
            prop_assert!(plan.updates.is_empty());
        }
        let pushed = plan.overlay(&own);
        let opts = PlanOptions { name_rule: NameRule::Any, keys: &RailwayLike, ..PlanOptions::new(schema.as_ref(), &env) };
        let push = planner::plan(&pushed, &dest, &opts);
        for e in push.entries() {
            let readable = matches!(dest.get(&e.key), Some(Some(_))) && !e.key.starts_with("RAILWAY_") && m.matches(&e.key);
            if readable {
                prop_assert_ne!(e.action, PlanAction::Delete, "{}", e.key);
                let dest_value = dest.get(&e.key).cloned().flatten().unwrap_or_default();
                if behavior == ImportBehavior::PrioritizeDestination && !dest_value.is_empty() {
                    prop_assert_eq!(e.action, PlanAction::Unchanged, "{}", e.key);
                }
            }
        }
    }

    /// The import fails exactly when some readable, managed key does not strip to a valid key.
    #[test]
    fn fails_only_on_invalid_names(
        schema in testgen::maybe_schema(),
        env in testgen::environment(),
        dest in proptest::collection::btree_map("[A-Za-z0-9_ ./-]{0,6}", proptest::option::of("[ab]{0,2}"), 0..6),
    ) {
        let m = KeyMatcher::new(schema.as_ref(), &env);
        let bad = dest.iter().filter(|(k, v)| {
            v.is_some() && !k.starts_with("RAILWAY_")
                && m.strip(k).is_some_and(|s| SecretKey::parse(&s).map(|p| p.as_str() != s).unwrap_or(true))
        }).count();
        let dest: Observed = dest.into_iter().map(|(k, v)| (k, v.map(SecretValue::new))).collect();
        match plan_import(&dest, &m, &RailwayLike, &BTreeMap::new(), ImportBehavior::PrioritizeSource) {
            Ok(plan) => prop_assert_eq!(bad, 0, "{:?}", plan),
            Err(e) => prop_assert_eq!(e.invalid_keys.len(), bad),
        }
    }
}
