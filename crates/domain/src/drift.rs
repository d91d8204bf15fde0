//! Drift: whether a destination still holds what a sync last wrote there. Pure: the
//! caller reads the destination once and hands over the sync's ledger (each key it wrote,
//! with a keyed digest of the value it wrote) and a way to check a value against a digest.
//!
//! Per key ([`KeyDrift`]): a key the sync wrote is `in-sync` when the destination's value
//! has the digest, `changed-at-destination` when not, `deleted-at-destination` when it is
//! gone, and `sealed` when the destination will not show its value back (it cannot be
//! compared, and the report says so). A key the schema matches that the sync never wrote
//! is `added-at-destination`.
//!
//! The sync is drifted when a key it wrote changed or went away — or, when it deletes every
//! managed key the source lacks (`deleteOnlyOwned` off), when a key was added: the next sync
//! would delete it. Keys the platform provides, and ledger keys the current key schema no
//! longer matches (orphans), are not part of the report.

use crate::key_schema::KeyMatcher;
use crate::planner::{KeyClass, KeyRules, Observed};
use crate::secret::SecretValue;
use crate::status::{DriftStatus, KeyDrift};
use std::collections::BTreeMap;

/// What the sync last wrote: destination key → digest of the value (`None` when the
/// ledger knows the key but not its value).
pub type Ledger = BTreeMap<String, Option<String>>;

/// One key of a drift report. Carries no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriftEntry {
    pub key: String,
    pub state: KeyDrift,
}

/// The outcome of one drift check, sorted by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DriftReport {
    pub entries: Vec<DriftEntry>,
    /// Whether added keys count as drift (the sync would delete them).
    pub added_is_drift: bool,
}

impl DriftReport {
    pub fn status(&self) -> DriftStatus {
        if self.entries.iter().any(|e| self.is_drift(e.state)) { DriftStatus::Drifted } else { DriftStatus::InSync }
    }

    /// Whether a key in `state` is drift for this sync.
    pub fn is_drift(&self, state: KeyDrift) -> bool {
        match state {
            KeyDrift::ChangedAtDestination | KeyDrift::DeletedAtDestination => true,
            KeyDrift::AddedAtDestination => self.added_is_drift,
            KeyDrift::InSync | KeyDrift::Sealed => false,
        }
    }

    /// The keys in `state`.
    pub fn keys(&self, state: KeyDrift) -> impl Iterator<Item = &str> {
        self.entries.iter().filter(move |e| e.state == state).map(|e| e.key.as_str())
    }

    pub fn count(&self, state: KeyDrift) -> usize {
        self.keys(state).count()
    }
}

/// Compares the destination as read (`observed`) with the sync's `ledger`.
/// `matches(key, value, digest)` says whether `value` under `key` is what `digest` was
/// made from. `delete_only_owned` is the sync's option (see the module doc).
pub fn check(
    ledger: &Ledger,
    observed: &Observed,
    matcher: &KeyMatcher,
    keys: &dyn KeyRules,
    delete_only_owned: bool,
    matches: &dyn Fn(&str, &SecretValue, &str) -> bool,
) -> DriftReport {
    let mut states = BTreeMap::new();
    for (key, digest) in ledger {
        if !matcher.matches(key) || keys.classify(key) == KeyClass::Provided {
            continue;
        }
        let state = match (observed.get(key), digest) {
            (None, _) => KeyDrift::DeletedAtDestination,
            (Some(None), _) => KeyDrift::Sealed,
            (Some(Some(value)), Some(digest)) if matches(key, value, digest) => KeyDrift::InSync,
            (Some(Some(_)), Some(_)) => KeyDrift::ChangedAtDestination,
            // Known to be ours, value never recorded: nothing to compare against.
            (Some(Some(_)), None) => KeyDrift::InSync,
        };
        states.insert(key.clone(), state);
    }
    for (key, value) in observed {
        if ledger.contains_key(key) || !matcher.matches(key) || keys.classify(key) != KeyClass::Ordinary {
            continue;
        }
        let state = if value.is_none() { KeyDrift::Sealed } else { KeyDrift::AddedAtDestination };
        states.insert(key.clone(), state);
    }
    DriftReport {
        entries: states.into_iter().map(|(key, state)| DriftEntry { key, state }).collect(),
        added_is_drift: !delete_only_owned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_schema::KeySchema;
    use crate::planner::OrdinaryKeys;

    #[derive(Debug)]
    struct RailwayLike;
    impl KeyRules for RailwayLike {
        fn classify(&self, key: &str) -> KeyClass {
            match key {
                "RAILWAY_PUBLIC_DOMAIN" => KeyClass::Provided,
                "RAILWAY_DOCKERFILE_PATH" => KeyClass::Configuration,
                _ => KeyClass::Ordinary,
            }
        }
    }

    /// The "digest" of a value in these tests is the value itself, reversed.
    fn digest(v: &str) -> Option<String> {
        Some(v.chars().rev().collect())
    }

    fn matches(_key: &str, value: &SecretValue, digest: &str) -> bool {
        value.expose().chars().rev().collect::<String>() == digest
    }

    fn observed(pairs: &[(&str, Option<&str>)]) -> Observed {
        pairs.iter().map(|(k, v)| (k.to_string(), v.map(SecretValue::from))).collect()
    }

    #[test]
    fn every_key_state() {
        let ledger: Ledger = [
            ("SAME", digest("a")),
            ("EDITED", digest("b")),
            ("GONE", digest("c")),
            ("LOCKED", digest("d")),
            ("UNKNOWN_VALUE", None),
        ]
        .into_iter()
        .map(|(k, d)| (k.to_string(), d))
        .collect();
        let seen = observed(&[
            ("SAME", Some("a")),
            ("EDITED", Some("b2")),
            ("LOCKED", None),
            ("UNKNOWN_VALUE", Some("x")),
            ("NEW", Some("n")),
            ("NEW_SEALED", None),
            ("RAILWAY_PUBLIC_DOMAIN", Some("x.up.railway.app")),
            ("RAILWAY_DOCKERFILE_PATH", Some("Dockerfile")),
        ]);
        let report = check(&ledger, &seen, &KeyMatcher::new(None, "prod"), &RailwayLike, true, &matches);
        let states: Vec<(&str, KeyDrift)> = report.entries.iter().map(|e| (e.key.as_str(), e.state)).collect();
        assert_eq!(
            states,
            vec![
                ("EDITED", KeyDrift::ChangedAtDestination),
                ("GONE", KeyDrift::DeletedAtDestination),
                ("LOCKED", KeyDrift::Sealed),
                ("NEW", KeyDrift::AddedAtDestination),
                ("NEW_SEALED", KeyDrift::Sealed),
                ("SAME", KeyDrift::InSync),
                ("UNKNOWN_VALUE", KeyDrift::InSync),
            ]
        );
        assert_eq!(report.status(), DriftStatus::Drifted);
    }

    #[test]
    fn status_follows_what_the_next_sync_would_change() {
        let ledger: Ledger = [("A".to_string(), digest("1"))].into();
        let seen = observed(&[("A", Some("1")), ("B", Some("2"))]);
        let m = KeyMatcher::new(None, "prod");
        // Only owned keys are deleted: an added key is reported, not drift.
        let owned_only = check(&ledger, &seen, &m, &OrdinaryKeys, true, &matches);
        assert_eq!(owned_only.count(KeyDrift::AddedAtDestination), 1);
        assert_eq!(owned_only.status(), DriftStatus::InSync);
        // Every managed key is deleted: the next sync would delete B, so it is drift.
        let all = check(&ledger, &seen, &m, &OrdinaryKeys, false, &matches);
        assert_eq!(all.status(), DriftStatus::Drifted);
        // Nothing at all.
        let empty = check(&Ledger::new(), &Observed::new(), &m, &OrdinaryKeys, false, &matches);
        assert!(empty.entries.is_empty());
        assert_eq!(empty.status(), DriftStatus::InSync);
    }

    #[test]
    fn keys_outside_the_schema_are_not_reported() {
        let schema = KeySchema::parse("APP_{{secretKey}}").expect("schema").expect("some");
        let m = KeyMatcher::new(Some(&schema), "prod");
        // OLD was written under a former schema (an orphan); OTHER belongs to someone else.
        let ledger: Ledger = [("APP_A".to_string(), digest("1")), ("OLD".to_string(), digest("9"))].into();
        let seen = observed(&[("APP_A", Some("1")), ("OTHER", Some("x")), ("OLD", Some("changed"))]);
        let report = check(&ledger, &seen, &m, &OrdinaryKeys, false, &matches);
        assert_eq!(report.entries, vec![DriftEntry { key: "APP_A".to_string(), state: KeyDrift::InSync }]);
    }
}
