//! Table tests for the planner: one named case per rule.

use super::*;
use crate::testgen::{schema, secrets as desired, variables as observed};
use PlanAction::{Create, Delete, Skip, Unchanged, Update};
use SkipReason::{DeletionDisabled, FilteredByTags, InvalidName, NotOwned, Provided, Sealed, Unmanaged};
use std::collections::BTreeSet;

/// Railway-like rules: two provided names and one configuration variable.
#[derive(Debug)]
struct TestKeys;

impl KeyRules for TestKeys {
    fn classify(&self, key: &str) -> KeyClass {
        match key {
            "RAILWAY_PUBLIC_DOMAIN" | "RAILWAY_X" | "RAILWAY_Y" => KeyClass::Provided,
            "RAILWAY_DOCKERFILE_PATH" => KeyClass::Configuration,
            _ => KeyClass::Ordinary,
        }
    }
}

/// Planner options with [`TestKeys`].
fn options<'a>(schema: Option<&'a KeySchema>, env: &'a str) -> PlanOptions<'a> {
    PlanOptions { keys: &TestKeys, ..PlanOptions::new(schema, env) }
}

fn actions(plan: &SyncPlan) -> Vec<(&str, PlanAction)> {
    plan.entries().iter().map(|e| (e.key.as_str(), e.action)).collect()
}

struct Case {
    name: &'static str,
    schema: Option<&'static str>,
    disable_deletion: bool,
    name_rule: NameRule,
    desired: &'static [(&'static str, &'static str)],
    observed: &'static [(&'static str, Option<&'static str>)],
    /// The sync's ownership ledger, when deletions follow it.
    owned: Option<&'static [&'static str]>,
    /// Source keys the sync's tag filter leaves out.
    filtered: &'static [&'static str],
    want: &'static [(&'static str, PlanAction)],
}

const BASE: Case = Case {
    name: "",
    schema: None,
    disable_deletion: false,
    name_rule: NameRule::Posix,
    desired: &[],
    observed: &[],
    owned: None,
    filtered: &[],
    want: &[],
};

const CASES: &[Case] = &[
    Case { name: "empty on both sides", ..BASE },
    Case {
        name: "keys the tag filter leaves out are neither written nor deleted",
        schema: Some("SLUICE_{{secretKey}}"),
        desired: &[("TAGGED", "1")],
        filtered: &["UNTAGGED", "NEW_UNTAGGED"],
        observed: &[("SLUICE_GONE", Some("g")), ("SLUICE_TAGGED", Some("0")), ("SLUICE_UNTAGGED", Some("u"))],
        want: &[("SLUICE_GONE", Delete), ("SLUICE_TAGGED", Update), ("SLUICE_UNTAGGED", Skip(FilteredByTags))],
        ..BASE
    },
    Case {
        name: "the tag filter outranks ownership but not sealing or the schema",
        schema: Some("SLUICE_{{secretKey}}"),
        filtered: &["A", "B", "C"],
        observed: &[("A", Some("1")), ("SLUICE_B", None), ("SLUICE_C", Some("3"))],
        owned: Some(&[]),
        want: &[("A", Skip(Unmanaged)), ("SLUICE_B", Skip(Sealed)), ("SLUICE_C", Skip(FilteredByTags))],
        ..BASE
    },
    Case {
        name: "with a ledger, only keys the sync wrote are deleted",
        desired: &[("KEEP", "1")],
        observed: &[("KEEP", Some("1")), ("MINE", Some("x")), ("PERSON", Some("y"))],
        owned: Some(&["KEEP", "MINE"]),
        want: &[("KEEP", Unchanged), ("MINE", Delete), ("PERSON", Skip(NotOwned))],
        ..BASE
    },
    Case {
        name: "with a ledger, a key the source has is written whoever added it",
        desired: &[("PERSON", "ours")],
        observed: &[("PERSON", Some("theirs"))],
        owned: Some(&[]),
        want: &[("PERSON", Update)],
        ..BASE
    },
    Case {
        name: "with a ledger, unmanaged, sealed and provided keys are still left alone for their own reason",
        schema: Some("APP_{{secretKey}}"),
        observed: &[("APP_S", None), ("OTHER", Some("x")), ("APP_OLD", Some("x"))],
        owned: Some(&["APP_S", "OTHER"]),
        want: &[("APP_OLD", Skip(NotOwned)), ("APP_S", Skip(Sealed)), ("OTHER", Skip(Unmanaged))],
        ..BASE
    },
    Case {
        name: "with a ledger and deletion disabled, an owned key is kept",
        disable_deletion: true,
        observed: &[("MINE", Some("x"))],
        owned: Some(&["MINE"]),
        want: &[("MINE", Skip(DeletionDisabled))],
        ..BASE
    },
    Case {
        name: "missing keys are created",
        desired: &[("DB_URL", "postgres://x"), ("EMPTY", "")],
        want: &[("DB_URL", Create), ("EMPTY", Create)],
        ..BASE
    },
    Case {
        name: "changed values are updated, equal ones left",
        desired: &[("A", "new"), ("B", "same")],
        observed: &[("A", Some("old")), ("B", Some("same"))],
        want: &[("A", Update), ("B", Unchanged)],
        ..BASE
    },
    Case {
        name: "empty destination value is updated",
        desired: &[("A", "x")],
        observed: &[("A", Some(""))],
        want: &[("A", Update)],
        ..BASE
    },
    Case {
        name: "managed keys Sluice lacks are deleted",
        observed: &[("OLD", Some("v"))],
        want: &[("OLD", Delete)],
        ..BASE
    },
    Case {
        name: "deletion disabled keeps them",
        disable_deletion: true,
        desired: &[("A", "1")],
        observed: &[("A", Some("0")), ("OLD", Some("v"))],
        want: &[("A", Update), ("OLD", Skip(DeletionDisabled))],
        ..BASE
    },
    Case {
        name: "sealed destination value is never overwritten",
        desired: &[("TOKEN", "mine")],
        observed: &[("TOKEN", None)],
        want: &[("TOKEN", Skip(Sealed))],
        ..BASE
    },
    Case {
        name: "sealed destination value is never deleted",
        observed: &[("SEALED", None)],
        want: &[("SEALED", Skip(Sealed))],
        ..BASE
    },
    Case {
        name: "provided keys are never written",
        desired: &[("RAILWAY_PUBLIC_DOMAIN", "x.example")],
        observed: &[],
        want: &[("RAILWAY_PUBLIC_DOMAIN", Skip(Provided))],
        ..BASE
    },
    Case {
        name: "provided keys are never deleted",
        observed: &[("RAILWAY_PUBLIC_DOMAIN", Some("x.up.railway.app"))],
        want: &[("RAILWAY_PUBLIC_DOMAIN", Skip(Provided))],
        ..BASE
    },
    Case {
        name: "a configuration key the source lacks is never deleted",
        observed: &[("RAILWAY_DOCKERFILE_PATH", Some("Dockerfile"))],
        want: &[("RAILWAY_DOCKERFILE_PATH", Skip(SkipReason::Configuration))],
        ..BASE
    },
    Case {
        name: "configuration keys are synced like any other",
        desired: &[("RAILWAY_DOCKERFILE_PATH", "Dockerfile.web")],
        observed: &[("RAILWAY_DOCKERFILE_PATH", Some("Dockerfile"))],
        want: &[("RAILWAY_DOCKERFILE_PATH", Update)],
        ..BASE
    },
    Case {
        name: "schema renders keys and leaves unmanaged keys alone",
        schema: Some("APP_{{secretKey}}"),
        desired: &[("DB", "1"), ("NEW", "2")],
        observed: &[("APP_DB", Some("0")), ("APP_GONE", Some("x")), ("DB", Some("other tool")), ("PORT", Some("8080"))],
        want: &[
            ("APP_DB", Update),
            ("APP_GONE", Delete),
            ("APP_NEW", Create),
            ("DB", Skip(Unmanaged)),
            ("PORT", Skip(Unmanaged)),
        ],
        ..BASE
    },
    Case {
        name: "environment placeholder uses the environment slug",
        schema: Some("{{environment}}_{{secretKey}}"),
        desired: &[("DB", "1")],
        observed: &[("dev_DB", Some("1")), ("prod_DB", Some("2"))],
        want: &[("dev_DB", Unchanged), ("prod_DB", Skip(Unmanaged))],
        ..BASE
    },
    Case {
        name: "slash schema does not claim deeper paths",
        schema: Some("app/{{secretKey}}"),
        observed: &[("app/OLD", Some("x")), ("app/sub/KEY", Some("y"))],
        want: &[("app/OLD", Delete), ("app/sub/KEY", Skip(Unmanaged))],
        ..BASE
    },
    Case {
        name: "posix rule refuses dots and hyphens",
        desired: &[("my.key", "1"), ("my-key", "2"), ("OK_1", "3"), ("1ST", "4")],
        want: &[
            ("1ST", Skip(InvalidName)),
            ("OK_1", Create),
            ("my-key", Skip(InvalidName)),
            ("my.key", Skip(InvalidName)),
        ],
        ..BASE
    },
    Case {
        name: "any rule writes them",
        name_rule: NameRule::Any,
        desired: &[("my.key", "1")],
        want: &[("my.key", Create)],
        ..BASE
    },
    Case {
        name: "schema slash makes names invalid under posix",
        schema: Some("app/{{secretKey}}"),
        desired: &[("K", "1")],
        want: &[("app/K", Skip(InvalidName))],
        ..BASE
    },
    Case {
        name: "managed invalid names already at the destination are still deleted",
        observed: &[("odd.name", Some("x"))],
        want: &[("odd.name", Delete)],
        ..BASE
    },
    Case {
        name: "sealed wins over reserved",
        observed: &[("RAILWAY_X", None)],
        desired: &[("RAILWAY_Y", "1")],
        want: &[("RAILWAY_X", Skip(Sealed)), ("RAILWAY_Y", Skip(Provided))],
        ..BASE
    },
];

#[test]
fn plan_table() {
    for case in CASES {
        let s = case.schema.map(schema);
        let owned: Option<BTreeSet<String>> = case.owned.map(|o| o.iter().map(|k| k.to_string()).collect());
        let filtered: BTreeSet<SecretKey> = case.filtered.iter().map(|k| SecretKey::from_trusted(*k)).collect();
        let opts = PlanOptions {
            key_schema: s.as_ref(),
            environment: "dev",
            disable_secret_deletion: case.disable_deletion,
            name_rule: case.name_rule,
            keys: &TestKeys,
            owned: owned.as_ref(),
            held_back: None,
            filtered_out: Some(&filtered),
        };
        let p = plan(&desired(case.desired), &observed(case.observed), &opts);
        assert_eq!(actions(&p), case.want, "{}", case.name);
    }
}

#[test]
fn plan_carries_values_and_source_keys() {
    let s = schema("APP_{{secretKey}}");
    let p = plan(
        &desired(&[("A", "1"), ("B", "2"), ("C", "3")]),
        &observed(&[("APP_B", Some("0")), ("APP_C", Some("3")), ("APP_D", Some("4"))]),
        &PlanOptions::new(Some(&s), "dev"),
    );
    let upserts: Vec<_> = p.upserts().iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
    assert_eq!(upserts, [("APP_A", "1"), ("APP_B", "2")]);
    assert_eq!(p.deletes(), ["APP_D"]);
    assert_eq!(p.entry("APP_A").and_then(|e| e.source_key.as_ref()).map(SecretKey::as_str), Some("A"));
    assert_eq!(p.entry("APP_D").map(|e| e.source_key.is_none()), Some(true));
    assert!(p.entry("A").is_none());
    assert_eq!(p.counts(), PlanCounts { create: 1, update: 1, delete: 1, unchanged: 1, skipped: 0 });
    assert!(p.changed() && !p.is_noop());
}

#[test]
fn debug_never_shows_values() {
    let p = plan(
        &desired(&[("A", "hunter2-create"), ("B", "hunter2-update")]),
        &observed(&[("B", Some("hunter2-old")), ("C", Some("hunter2-delete"))]),
        &PlanOptions::new(None, "dev"),
    );
    let shown = format!("{p:?} {:#?}", p.entries());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("\"A\"") && shown.contains("\"C\""), "{shown}");
}

#[test]
fn apply_writes_and_deletes() {
    let before = observed(&[("A", Some("0")), ("OLD", Some("x")), ("S", None)]);
    let p = plan(&desired(&[("A", "1"), ("N", "2")]), &before, &PlanOptions::new(None, "dev"));
    assert_eq!(apply(&before, &p), observed(&[("A", Some("1")), ("N", Some("2")), ("S", None)]));
    assert!(plan(&desired(&[("A", "1"), ("N", "2")]), &apply(&before, &p), &PlanOptions::new(None, "dev")).is_noop());
}

#[test]
fn removal_deletes_only_current_managed_keys() {
    let s = schema("APP_{{secretKey}}");
    let mut opts = PlanOptions::new(Some(&s), "dev");
    // Removal ignores "disable secret deletion" (spec §5.4).
    opts.disable_secret_deletion = true;
    let p = plan_removal(
        &desired(&[("A", "1"), ("ABSENT", "2"), ("S", "3"), ("RAILWAY_X", "4")]),
        &observed(&[
            ("APP_A", Some("anything")),
            ("APP_S", None),
            ("APP_RAILWAY_X", Some("x")),
            ("APP_OLD", Some("x")),
            ("OTHER", Some("x")),
            ("RAILWAY_X", Some("x")),
        ]),
        &opts,
    );
    assert_eq!(
        actions(&p),
        [
            ("APP_A", Delete),
            ("APP_OLD", Unchanged),
            ("APP_RAILWAY_X", Delete),
            ("APP_S", Skip(Sealed)),
            ("OTHER", Skip(Unmanaged)),
            ("RAILWAY_X", Skip(Unmanaged)),
        ]
    );
    assert_eq!(p.deletes(), ["APP_A", "APP_RAILWAY_X"]);
    assert!(p.upserts().is_empty());
}

#[test]
fn removal_with_a_ledger_removes_exactly_what_the_sync_wrote() {
    let owned: BTreeSet<String> = ["A", "GONE_FROM_SOURCE"].iter().map(|k| k.to_string()).collect();
    let mut opts = options(None, "dev");
    opts.owned = Some(&owned);
    let p = plan_removal(
        &desired(&[("A", "1"), ("PERSON", "2")]),
        &observed(&[("A", Some("1")), ("PERSON", Some("2")), ("GONE_FROM_SOURCE", Some("x")), ("OTHER", Some("y"))]),
        &opts,
    );
    assert_eq!(
        actions(&p),
        [("A", Delete), ("GONE_FROM_SOURCE", Delete), ("OTHER", Skip(NotOwned)), ("PERSON", Skip(NotOwned))]
    );
}

#[test]
fn orphan_removal_deletes_only_orphans_still_there() {
    let orphans: BTreeSet<String> =
        ["OLD_A", "OLD_GONE", "OLD_SEALED", "RAILWAY_X"].iter().map(|k| k.to_string()).collect();
    let p = plan_orphan_removal(
        &orphans,
        &observed(&[("OLD_A", Some("1")), ("OLD_SEALED", None), ("RAILWAY_X", Some("x")), ("NEW_A", Some("1"))]),
        &TestKeys,
    );
    assert_eq!(actions(&p), [("OLD_A", Delete), ("OLD_SEALED", Skip(Sealed)), ("RAILWAY_X", Skip(Provided))]);
}

#[test]
fn keys_with_broken_references_are_held_back_never_written_or_deleted() {
    let held: BTreeSet<SecretKey> =
        [SecretKey::parse("URL").expect("key"), SecretKey::parse("NEW").expect("key")].into();
    let mut o = options(None, "dev");
    o.held_back = Some(&held);
    let p = plan(
        &desired(&[("URL", "postgres://${DB_HOST}"), ("NEW", "${GONE}"), ("OK", "1")]),
        &observed(&[("URL", Some("postgres://old")), ("OK", Some("0"))]),
        &o,
    );
    assert_eq!(
        actions(&p),
        [("NEW", Skip(SkipReason::BrokenReference)), ("OK", Update), ("URL", Skip(SkipReason::BrokenReference))]
    );
    assert!(p.deletes().is_empty() && !p.upserts().contains_key("URL") && !p.upserts().contains_key("NEW"));
}

#[test]
fn managed_count_and_fingerprint() {
    let o = options(None, "dev");
    let p = plan(
        &desired(&[("A", "1"), ("B", "new"), ("C", "3")]),
        &observed(&[("A", Some("1")), ("B", Some("old")), ("D", Some("x")), ("S", None)]),
        &o,
    );
    // A unchanged, B updated, D deleted; C is created (not there yet), S sealed.
    assert_eq!(p.managed_at_destination(), 3);
    let same = plan(
        &desired(&[("A", "1"), ("B", "other value"), ("C", "3")]),
        &observed(&[("A", Some("1")), ("B", Some("old")), ("D", Some("x")), ("S", None)]),
        &o,
    );
    assert_eq!(p.fingerprint(), same.fingerprint(), "values are not part of the fingerprint");
    let fewer = plan(&desired(&[("A", "1"), ("B", "new")]), &observed(&[("A", Some("1")), ("B", Some("old"))]), &o);
    assert_ne!(p.fingerprint(), fewer.fingerprint());
    assert_eq!(p.fingerprint().len(), 32);
}

#[test]
fn removal_without_schema_skips_reserved_and_sealed() {
    let p = plan_removal(
        &desired(&[("A", "1"), ("RAILWAY_X", "2"), ("S", "3")]),
        &observed(&[("A", Some("1")), ("RAILWAY_X", Some("2")), ("S", None), ("B", Some("x"))]),
        &options(None, "dev"),
    );
    assert_eq!(actions(&p), [("A", Delete), ("B", Unchanged), ("RAILWAY_X", Skip(Provided)), ("S", Skip(Sealed))]);
}

#[test]
fn name_rules() {
    for (key, posix) in [
        ("A", true),
        ("_a1", true),
        ("a_B_9", true),
        ("9A", false),
        ("", false),
        ("A-B", false),
        ("A.B", false),
        ("A/B", false),
        ("É", false),
    ] {
        assert_eq!(NameRule::Posix.allows(key), posix, "{key}");
    }
    assert!(NameRule::Any.allows("a.b/c-d"));
    assert!(!NameRule::Any.allows(""));
}

#[test]
fn actions_and_reasons_serialize_kebab_case() {
    let entry = PlanEntry { key: "K".into(), source_key: None, action: Skip(DeletionDisabled), configures: false };
    let json = serde_json::to_string(&entry).expect("json");
    assert_eq!(json, r#"{"key":"K","sourceKey":null,"action":{"skip":"deletion-disabled"}}"#);
    assert_eq!(Provided.as_str(), "provided");
    assert_eq!(FilteredByTags.as_str(), "filtered-by-tags");
    assert!(FilteredByTags.describe().starts_with("filtered out by tags"));
    assert_eq!(Create.as_str(), "create");
}

#[test]
fn configuration_keys_are_marked_in_the_plan() {
    let p = plan(
        &desired(&[("RAILWAY_DOCKERFILE_PATH", "Dockerfile.web"), ("A", "1")]),
        &observed(&[]),
        &options(None, "dev"),
    );
    let marked: Vec<(&str, bool)> = p.entries().iter().map(|e| (e.key.as_str(), e.configures)).collect();
    assert_eq!(marked, [("A", false), ("RAILWAY_DOCKERFILE_PATH", true)]);
    assert_eq!(p.upserts().len(), 2);
}
