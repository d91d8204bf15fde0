//! The ownership ledger's bookkeeping, pure: after a run, which destination keys the sync
//! now owns (with the value it knows is there, for the keyed digest) and which it no
//! longer does; and which owned keys its configuration no longer manages (orphans).
//!
//! The run that starts a sync's ledger (its first run, or the first since the ledger
//! existed) claims what it owns by its initial-sync behaviour ([`Claim`]). Every run after
//! that adds what it creates or updates, refreshes the keys it owns that are unchanged,
//! and drops what it deletes and owned keys that are gone from the destination and from
//! the source (nothing left to own).

use crate::drift::Ledger;
use crate::key_schema::KeyMatcher;
use crate::planner::{Observed, PlanAction, SyncPlan};
use crate::secret::SecretValue;
use std::collections::{BTreeMap, BTreeSet};

/// What the run that starts a ledger claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Every key the sync manages at the destination after the run (overwrite-destination,
    /// import-prioritize-source, and syncs that ran before the ledger existed).
    Managed,
    /// Only the keys the run writes (import-prioritize-destination: imported keys join
    /// the ledger when a sync writes them).
    Written,
}

/// How a run changes the ledger: key → the value now at the destination, and keys dropped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LedgerUpdate<'a> {
    pub write: BTreeMap<String, &'a SecretValue>,
    pub remove: Vec<String>,
}

/// The ledger after a sync run that executed `plan` against `observed`. `ledger` is `None`
/// when this run starts it.
pub fn after_sync<'a>(
    plan: &'a SyncPlan,
    observed: &'a Observed,
    ledger: Option<&Ledger>,
    claim: Claim,
    matcher: &KeyMatcher,
) -> LedgerUpdate<'a> {
    let mut update = LedgerUpdate::default();
    for e in plan.entries() {
        match e.action {
            PlanAction::Create | PlanAction::Update => {
                if let Some(v) = plan.upserts().get(&e.key) {
                    update.write.insert(e.key.clone(), v);
                }
            }
            PlanAction::Unchanged => {
                let owned = match ledger {
                    Some(l) => l.contains_key(&e.key),
                    None => claim == Claim::Managed,
                };
                if owned && let Some(Some(v)) = observed.get(&e.key) {
                    update.write.insert(e.key.clone(), v);
                }
            }
            PlanAction::Delete => update.remove.push(e.key.clone()),
            PlanAction::Skip(_) => {}
        }
    }
    if let Some(ledger) = ledger {
        for key in ledger.keys() {
            if matcher.matches(key) && !observed.contains_key(key) && plan.entry(key).is_none() {
                update.remove.push(key.clone());
            }
        }
    }
    update.remove.sort();
    update.remove.dedup();
    update
}

/// Owned keys the configuration (its key schema) no longer manages: a sync never touches
/// them again unless asked to remove them.
pub fn orphans<'a>(ledger: impl IntoIterator<Item = &'a String>, matcher: &KeyMatcher) -> BTreeSet<String> {
    ledger.into_iter().filter(|k| !matcher.matches(k)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_schema::KeySchema;
    use crate::planner::{PlanOptions, plan};
    use crate::testgen::{schema, secrets, variables};

    fn written<'a>(u: &'a LedgerUpdate) -> Vec<(&'a str, &'a str)> {
        u.write.iter().map(|(k, v)| (k.as_str(), v.expose())).collect()
    }

    fn ledger(keys: &[&str]) -> Ledger {
        keys.iter().map(|k| (k.to_string(), Some("d".to_string()))).collect()
    }

    #[test]
    fn the_first_run_claims_by_its_behaviour() {
        let desired = secrets(&[("NEW", "1"), ("SAME", "2"), ("CHANGED", "3")]);
        let observed = variables(&[("SAME", Some("2")), ("CHANGED", Some("old")), ("EXTRA", Some("x"))]);
        let p = plan(&desired, &observed, &PlanOptions::new(None, "dev"));
        let m = KeyMatcher::new(None, "dev");
        let managed = after_sync(&p, &observed, None, Claim::Managed, &m);
        assert_eq!(written(&managed), [("CHANGED", "3"), ("NEW", "1"), ("SAME", "2")]);
        assert_eq!(managed.remove, ["EXTRA"]);
        let only_written = after_sync(&p, &observed, None, Claim::Written, &m);
        assert_eq!(written(&only_written), [("CHANGED", "3"), ("NEW", "1")]);
    }

    #[test]
    fn later_runs_add_writes_refresh_owned_and_drop_what_is_gone() {
        let desired = secrets(&[("A", "1"), ("B", "2"), ("PERSON", "p")]);
        let observed = variables(&[("A", Some("1")), ("B", Some("old")), ("PERSON", Some("p")), ("OLD", Some("x"))]);
        let owned = ledger(&["A", "OLD", "VANISHED", "GONE_BUT_WANTED"]);
        let keys: BTreeSet<String> = owned.keys().cloned().collect();
        let mut o = PlanOptions::new(None, "dev");
        o.owned = Some(&keys);
        let desired_more = {
            let mut d = desired.clone();
            d.extend(secrets(&[("GONE_BUT_WANTED", "w")]));
            d
        };
        let p = plan(&desired_more, &observed, &o);
        let u = after_sync(&p, &observed, Some(&owned), Claim::Managed, &KeyMatcher::new(None, "dev"));
        // A refreshed (owned, unchanged); B and GONE_BUT_WANTED written; PERSON unchanged but
        // never written by the sync: not claimed.
        assert_eq!(written(&u), [("A", "1"), ("B", "2"), ("GONE_BUT_WANTED", "w")]);
        // OLD deleted; VANISHED gone from both sides.
        assert_eq!(u.remove, ["OLD", "VANISHED"]);
    }

    #[test]
    fn orphans_are_owned_keys_the_schema_no_longer_matches() {
        let s: KeySchema = schema("NEW_{{secretKey}}");
        let m = KeyMatcher::new(Some(&s), "dev");
        let owned = ledger(&["NEW_A", "OLD_A", "B"]);
        assert_eq!(orphans(owned.keys(), &m), BTreeSet::from(["B".to_string(), "OLD_A".to_string()]));
        // Orphans are kept out of the next run's bookkeeping.
        let (nothing, empty) = (SyncPlan::default(), Observed::new());
        let u = after_sync(&nothing, &empty, Some(&owned), Claim::Managed, &m);
        assert_eq!(u.remove, ["NEW_A"]);
    }
}
