//! Property tests for the planner: what a sync may never touch, and that it converges.

use super::*;
use crate::testgen;
use proptest::prelude::*;

/// Every `RAILWAY_*` name is provided by the platform (the strictest Railway reading).
#[derive(Debug)]
struct Prefixed;

const PROVIDED_PREFIX: &str = "RAILWAY_";

impl KeyRules for Prefixed {
    fn classify(&self, key: &str) -> KeyClass {
        if key.starts_with(PROVIDED_PREFIX) { KeyClass::Provided } else { KeyClass::Ordinary }
    }
}

fn opts<'a>(schema: &'a Option<KeySchema>, env: &'a str, disable: bool, rule: NameRule) -> PlanOptions<'a> {
    PlanOptions {
        key_schema: schema.as_ref(),
        environment: env,
        disable_secret_deletion: disable,
        name_rule: rule,
        keys: &Prefixed,
        owned: None,
        held_back: None,
        filtered_out: None,
    }
}

fn name_rule() -> impl Strategy<Value = NameRule> {
    prop_oneof![Just(NameRule::Posix), Just(NameRule::Any)]
}

/// Keys a sync may write or delete: managed, not sealed at the destination, not reserved.
fn touchable(m: &KeyMatcher, observed: &Observed, key: &str) -> bool {
    m.matches(key) && observed.get(key) != Some(&None) && !key.starts_with(PROVIDED_PREFIX)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_touches_unmanaged_sealed_or_reserved_keys(
        (schema, env, desired, observed) in testgen::scenario(),
        disable in any::<bool>(),
        rule in name_rule(),
    ) {
        let o = opts(&schema, &env, disable, rule);
        let m = o.matcher();
        for p in [plan(&desired, &observed, &o), plan_removal(&desired, &observed, &o)] {
            for key in p.upserts().keys().chain(p.deletes()) {
                prop_assert!(touchable(&m, &observed, key), "touched {key}");
            }
            for key in p.upserts().keys() {
                prop_assert!(rule.allows(key), "wrote invalid name {key}");
            }
        }
    }

    #[test]
    fn with_a_ledger_nothing_unowned_is_deleted(
        (schema, env, desired, observed) in testgen::scenario(),
        owned_mask in proptest::collection::vec(any::<bool>(), 0..16),
    ) {
        let owned: std::collections::BTreeSet<String> = observed
            .keys()
            .zip(owned_mask.iter().chain(std::iter::repeat(&false)))
            .filter(|(_, own)| **own)
            .map(|(k, _)| k.clone())
            .collect();
        let mut o = opts(&schema, &env, false, NameRule::Any);
        o.owned = Some(&owned);
        for p in [plan(&desired, &observed, &o), plan_removal(&desired, &observed, &o)] {
            for key in p.deletes() {
                prop_assert!(owned.contains(key), "deleted {key}, which the sync never wrote");
            }
        }
    }

    #[test]
    fn applying_the_plan_converges_on_desired(
        (schema, env, desired, observed) in testgen::scenario(),
    ) {
        let o = opts(&schema, &env, false, NameRule::Any);
        let m = o.matcher();
        let after = apply(&observed, &plan(&desired, &observed, &o));
        let got: BTreeMap<&String, &Option<SecretValue>> =
            after.iter().filter(|(k, _)| touchable(&m, &observed, k)).collect();
        let rendered: Observed = desired
            .iter()
            .map(|(k, v)| (m.render(k.as_str()), Some(v.clone())))
            .filter(|(k, _)| touchable(&m, &observed, k))
            .collect();
        prop_assert_eq!(got, rendered.iter().collect::<BTreeMap<_, _>>());
        // Everything else is exactly as it was.
        for (k, v) in &observed {
            if !touchable(&m, &observed, k) {
                prop_assert_eq!(after.get(k), Some(v));
            }
        }
    }

    #[test]
    fn planning_again_is_a_noop(
        (schema, env, desired, observed) in testgen::scenario(),
        disable in any::<bool>(),
        rule in name_rule(),
    ) {
        let o = opts(&schema, &env, disable, rule);
        let after = apply(&observed, &plan(&desired, &observed, &o));
        let again = plan(&desired, &after, &o);
        prop_assert!(again.is_noop(), "{:?}", again);
        let removed = apply(&after, &plan_removal(&desired, &after, &o));
        prop_assert!(plan_removal(&desired, &removed, &o).is_noop());
    }

    #[test]
    fn deletion_disabled_deletes_nothing(
        (schema, env, desired, observed) in testgen::scenario(),
        rule in name_rule(),
    ) {
        let o = opts(&schema, &env, true, rule);
        let p = plan(&desired, &observed, &o);
        prop_assert!(p.deletes().is_empty());
        prop_assert!(!p.entries().iter().any(|e| e.action == PlanAction::Delete));
        let after = apply(&observed, &p);
        prop_assert!(observed.keys().all(|k| after.contains_key(k)));
    }

    #[test]
    fn equal_maps_plan_nothing(
        schema in testgen::maybe_schema(),
        env in testgen::environment(),
        desired in testgen::desired(),
        disable in any::<bool>(),
        rule in name_rule(),
    ) {
        let o = opts(&schema, &env, disable, rule);
        let m = o.matcher();
        let observed = desired.iter().map(|(k, v)| (m.render(k.as_str()), Some(v.clone()))).collect();
        let p = plan(&desired, &observed, &o);
        prop_assert!(p.upserts().is_empty() && p.deletes().is_empty());
        prop_assert_eq!(p.counts().create + p.counts().update + p.counts().delete, 0);
    }

    #[test]
    fn one_entry_per_destination_key(
        (schema, env, desired, observed) in testgen::scenario(),
    ) {
        let o = opts(&schema, &env, false, NameRule::Any);
        let m = o.matcher();
        let rendered: std::collections::BTreeSet<String> = desired.keys().map(|k| m.render(k.as_str())).collect();
        // No two Sluice keys share a destination key.
        prop_assert_eq!(rendered.len(), desired.len());
        let p = plan(&desired, &observed, &o);
        let keys: Vec<&str> = p.entries().iter().map(|e| e.key.as_str()).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]), "entries sorted and unique");
        let expected = rendered.iter().chain(observed.keys()).collect::<std::collections::BTreeSet<_>>().len();
        prop_assert_eq!(keys.len(), expected);
        let c = p.counts();
        prop_assert_eq!(c.create + c.update + c.delete + c.unchanged + c.skipped, keys.len());
        prop_assert_eq!(c.create + c.update, p.upserts().len());
        prop_assert_eq!(c.delete, p.deletes().len());
    }

    /// Two syncs with schemas of different literal prefixes share one Railway service: running
    /// one never changes the other's keys.
    #[test]
    fn syncs_with_disjoint_schemas_coexist(
        (desired_a, desired_b) in (testgen::desired(), testgen::desired()),
        (_, env, _, observed) in testgen::scenario(),
    ) {
        let sa = KeySchema::parse("A_{{secretKey}}").ok().flatten();
        let sb = KeySchema::parse("B_{{secretKey}}").ok().flatten();
        let oa = opts(&sa, &env, false, NameRule::Any);
        let ob = opts(&sb, &env, false, NameRule::Any);
        let after_a = apply(&observed, &plan(&desired_a, &observed, &oa));
        let after_b = apply(&after_a, &plan(&desired_b, &after_a, &ob));
        let a_keys = |m: &Observed| -> Observed {
            m.iter().filter(|(k, _)| oa.matcher().matches(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        prop_assert_eq!(a_keys(&after_a), a_keys(&after_b));
        prop_assert!(plan(&desired_a, &after_b, &oa).is_noop());
    }
}
