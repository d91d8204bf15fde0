//! The sync planner: given what Sluice has and what the destination holds, decide what a sync
//! (or a "remove secrets") writes and deletes. Pure data in, [`SyncPlan`] out; the destination
//! code only executes the plan.
//!
//! Start with [`plan`]. The rules, in the order they are checked:
//!
//! * every desired key is rendered through the key schema ([`KeyMatcher::render`]);
//! * a rendered key whose destination value is sealed (`None`) is skipped: sealed variables are
//!   never overwritten or deleted ([`SkipReason::Sealed`]);
//! * keys the destination provides itself (Railway's `RAILWAY_PUBLIC_DOMAIN`, …) are never
//!   written or deleted ([`SkipReason::Provided`]); which keys those are is the destination's
//!   to say ([`KeyRules`]). Keys that configure the platform are synced when the source
//!   holds them, marked ([`PlanEntry::configures`]), and never deleted
//!   ([`SkipReason::Configuration`]);
//! * a rendered key the [`NameRule`] refuses is not written ([`SkipReason::InvalidName`]);
//! * destination keys Sluice does not have are deleted only when the schema manages them, they
//!   are not sealed or reserved, deletion is enabled, and (with an ownership ledger,
//!   [`PlanOptions::owned`]) this sync wrote them; otherwise they are listed as skipped so the
//!   UI can show what was left alone ([`SkipReason::NotOwned`]: a person added it);
//! * a managed destination key whose source secret the sync's tag filter leaves out
//!   ([`PlanOptions::filtered_out`]) is neither written nor deleted ([`SkipReason::FilteredByTags`]);
//! * only changed values are written ([`PlanAction::Unchanged`] otherwise), so a plan with no
//!   writes and no deletes ([`SyncPlan::is_noop`]) lets the caller skip the Railway redeploy.
//!
//! Values live only in [`SyncPlan::upserts`]; the plan's `Debug` shows key names alone.

use crate::key_schema::{KeyMatcher, KeySchema};
use crate::names::SecretKey;
use crate::secret::SecretValue;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How a destination treats a variable name, whatever the sync's key schema says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyClass {
    /// An ordinary variable.
    Ordinary,
    /// The platform sets it itself: never written or deleted.
    Provided,
    /// It configures the platform (how it builds or runs the app): synced like any other,
    /// and marked in the plan.
    Configuration,
}

/// A destination's rules for variable names (Railway's are in `sluice-destinations`).
pub trait KeyRules: fmt::Debug + Send + Sync {
    fn classify(&self, key: &str) -> KeyClass;

    /// What the plan says of a [`KeyClass::Configuration`] key.
    fn configuration_note(&self) -> &'static str {
        "configures the platform"
    }
}

/// No name is special.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrdinaryKeys;

impl KeyRules for OrdinaryKeys {
    fn classify(&self, _key: &str) -> KeyClass {
        KeyClass::Ordinary
    }
}

/// Which destination key names may be written. Railway documents no rule, so this is a choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameRule {
    /// Portable environment-variable names: `^[A-Za-z_][A-Za-z0-9_]*$`.
    #[default]
    Posix,
    /// Any non-empty name.
    Any,
}

impl NameRule {
    pub fn allows(self, key: &str) -> bool {
        match self {
            Self::Any => !key.is_empty(),
            Self::Posix => {
                let mut chars = key.chars();
                chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
        }
    }
}

/// How to plan one sync.
#[derive(Clone, Copy, Debug)]
pub struct PlanOptions<'a> {
    pub key_schema: Option<&'a KeySchema>,
    /// The source environment's slug, substituted for `{{environment}}`.
    pub environment: &'a str,
    pub disable_secret_deletion: bool,
    pub name_rule: NameRule,
    /// The destination's special names.
    pub keys: &'a dyn KeyRules,
    /// The destination keys this sync wrote (its ownership ledger). When given, a managed
    /// key the source lacks is deleted only if it is in here; `None` deletes every managed
    /// key the source lacks (Infisical's behaviour, and a sync's first run).
    pub owned: Option<&'a BTreeSet<String>>,
    /// Source keys whose value holds a reference that does not resolve: held back (the
    /// destination keeps its value; a new key is not created), never deleted.
    pub held_back: Option<&'a BTreeSet<SecretKey>>,
    /// Source keys the sync's tag filter leaves out: their destination keys are not
    /// "absent from the source", so they are never deleted.
    pub filtered_out: Option<&'a BTreeSet<SecretKey>>,
}

impl<'a> PlanOptions<'a> {
    /// Deletion enabled, POSIX names, no special names.
    pub fn new(key_schema: Option<&'a KeySchema>, environment: &'a str) -> Self {
        Self {
            key_schema,
            environment,
            disable_secret_deletion: false,
            name_rule: NameRule::Posix,
            keys: &OrdinaryKeys,
            owned: None,
            held_back: None,
            filtered_out: None,
        }
    }

    pub fn matcher(&self) -> KeyMatcher {
        KeyMatcher::new(self.key_schema, self.environment)
    }
}

/// Why a destination key is left alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// The destination value is sealed; it is never overwritten or deleted.
    Sealed,
    /// The destination provides the variable itself; it is never written or deleted.
    Provided,
    /// The key schema does not match the key, so another tool or sync owns it.
    Unmanaged,
    /// The key would be deleted, but the sync has deletion disabled.
    DeletionDisabled,
    /// The rendered key is not a legal variable name under the [`NameRule`].
    InvalidName,
    /// A variable that configures the platform, which the source does not hold: written
    /// when the source has it, never deleted (it may be how the app builds).
    Configuration,
    /// Matches the key schema, but this sync never wrote it (someone added it at the
    /// destination): never deleted while the sync deletes only what it owns.
    NotOwned,
    /// The source value holds a reference that does not resolve: held back (the
    /// destination keeps its value, a new key is not created) until it is fixed.
    BrokenReference,
    /// The source has the secret, but the sync's tag filter leaves it out: neither written
    /// nor deleted.
    FilteredByTags,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Provided => "provided",
            Self::Unmanaged => "unmanaged",
            Self::DeletionDisabled => "deletion-disabled",
            Self::InvalidName => "invalid-name",
            Self::Configuration => "configuration",
            Self::NotOwned => "not-owned",
            Self::BrokenReference => "broken-reference",
            Self::FilteredByTags => "filtered-by-tags",
        }
    }

    /// A sentence for the UI and run records.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Sealed => "sealed at the destination; never overwritten or deleted",
            Self::Provided => "provided by the platform itself; never written or deleted",
            Self::Unmanaged => "does not match the key schema; left alone",
            Self::DeletionDisabled => "not in Sluice, but secret deletion is disabled for this sync",
            Self::InvalidName => "not a valid variable name (letters, digits and _, not starting with a digit)",
            Self::Configuration => "configures the platform; written when the folder holds it, never deleted",
            Self::NotOwned => "not written by this sync (added at the destination); not ours, left alone",
            Self::BrokenReference => "holds a reference that does not resolve; held back until it is fixed",
            Self::FilteredByTags => "filtered out by tags: the secret lacks the sync's tags; left alone",
        }
    }
}

/// What happens to one destination key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanAction {
    Create,
    Update,
    Delete,
    Unchanged,
    Skip(SkipReason),
}

impl PlanAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Unchanged => "unchanged",
            Self::Skip(_) => "skip",
        }
    }
}

/// One destination key the plan considered. Carries no value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntry {
    /// The destination key (after the key schema).
    pub key: String,
    /// The Sluice secret that produced this key; `None` for keys only the destination has.
    pub source_key: Option<SecretKey>,
    pub action: PlanAction,
    /// The key configures the platform ([`KeyClass::Configuration`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub configures: bool,
}

/// How many entries of each kind a plan has; safe to log and store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub unchanged: usize,
    pub skipped: usize,
}

/// What a sync pushes: Sluice keys to their (reference-expanded) values.
pub type Desired = BTreeMap<SecretKey, SecretValue>;

/// A destination as read: its variables by name, unrendered; `None` marks a value the
/// destination will not show back (sealed).
pub type Observed = BTreeMap<String, Option<SecretValue>>;

/// The outcome of planning: one entry per destination key, sorted by key, plus the values to
/// write (exactly the `Create` and `Update` entries) and the keys to delete. `Debug` shows
/// the values redacted.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SyncPlan {
    entries: Vec<PlanEntry>,
    upserts: BTreeMap<String, SecretValue>,
    deletes: Vec<String>,
}

impl SyncPlan {
    fn from_entries(
        entries: BTreeMap<String, (Option<SecretKey>, PlanAction)>,
        values: &BTreeMap<String, &SecretValue>,
        keys: &dyn KeyRules,
    ) -> Self {
        let mut plan = SyncPlan::default();
        for (key, (source_key, action)) in entries {
            let configures = keys.classify(&key) == KeyClass::Configuration;
            match action {
                PlanAction::Create | PlanAction::Update => {
                    if let Some(v) = values.get(&key) {
                        plan.upserts.insert(key.clone(), (*v).clone());
                    }
                }
                PlanAction::Delete => plan.deletes.push(key.clone()),
                PlanAction::Unchanged | PlanAction::Skip(_) => {}
            }
            plan.entries.push(PlanEntry { key, source_key, action, configures });
        }
        plan
    }

    /// Every key considered, sorted by destination key.
    pub fn entries(&self) -> &[PlanEntry] {
        &self.entries
    }

    /// The entry for one destination key.
    pub fn entry(&self, key: &str) -> Option<&PlanEntry> {
        self.entries.binary_search_by(|e| e.key.as_str().cmp(key)).ok().map(|i| &self.entries[i])
    }

    /// Destination key → value to write, for the created and updated keys.
    pub fn upserts(&self) -> &BTreeMap<String, SecretValue> {
        &self.upserts
    }

    /// Destination keys to delete, sorted.
    pub fn deletes(&self) -> &[String] {
        &self.deletes
    }

    /// Nothing to write and nothing to delete.
    pub fn is_noop(&self) -> bool {
        self.upserts.is_empty() && self.deletes.is_empty()
    }

    /// The destination would change: the opposite of [`Self::is_noop`].
    pub fn changed(&self) -> bool {
        !self.is_noop()
    }

    /// How many keys the sync manages that the destination holds now: the ones it
    /// updates, leaves unchanged or deletes. What the mass-deletion guard measures against.
    pub fn managed_at_destination(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.action, PlanAction::Update | PlanAction::Unchanged | PlanAction::Delete))
            .count()
    }

    /// A stable digest of what the plan does to which key (never values): confirming a
    /// held plan names it, and a plan that changed since needs a new confirmation.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for e in &self.entries {
            let action = match e.action {
                PlanAction::Skip(r) => r.as_str(),
                a => a.as_str(),
            };
            h.update((e.key.len() as u64).to_be_bytes());
            h.update(e.key.as_bytes());
            h.update([0]);
            h.update(action.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts::default();
        for e in &self.entries {
            match e.action {
                PlanAction::Create => c.create += 1,
                PlanAction::Update => c.update += 1,
                PlanAction::Delete => c.delete += 1,
                PlanAction::Unchanged => c.unchanged += 1,
                PlanAction::Skip(_) => c.skipped += 1,
            }
        }
        c
    }
}

/// Plans a sync: make the managed part of the destination equal `desired` (rendered).
///
/// `desired` maps Sluice keys to their (reference-expanded) values. `observed` is the
/// destination as read, unrendered; `None` marks a sealed variable.
pub fn plan(desired: &Desired, observed: &Observed, opts: &PlanOptions) -> SyncPlan {
    let matcher = opts.matcher();
    let filtered: BTreeSet<String> =
        opts.filtered_out.into_iter().flatten().map(|k| matcher.render(k.as_str())).collect();
    let mut entries = BTreeMap::new();
    let mut values = BTreeMap::new();
    for (source_key, value) in desired {
        let key = matcher.render(source_key.as_str());
        let action = match observed.get(&key) {
            Some(None) => PlanAction::Skip(SkipReason::Sealed),
            _ if opts.keys.classify(&key) == KeyClass::Provided => PlanAction::Skip(SkipReason::Provided),
            _ if !opts.name_rule.allows(&key) => PlanAction::Skip(SkipReason::InvalidName),
            _ if opts.held_back.is_some_and(|h| h.contains(source_key)) => {
                PlanAction::Skip(SkipReason::BrokenReference)
            }
            None => PlanAction::Create,
            Some(Some(current)) if current == value => PlanAction::Unchanged,
            Some(Some(_)) => PlanAction::Update,
        };
        values.insert(key.clone(), value);
        // The schema has one `{{secretKey}}` between a fixed prefix and suffix, so rendering is
        // injective and no two desired keys meet here (checked by a property test).
        entries.insert(key, (Some(source_key.clone()), action));
    }
    for (key, value) in observed {
        if entries.contains_key(key) {
            continue;
        }
        let action = if !matcher.matches(key) {
            PlanAction::Skip(SkipReason::Unmanaged)
        } else if value.is_none() {
            PlanAction::Skip(SkipReason::Sealed)
        } else if opts.keys.classify(key) == KeyClass::Provided {
            PlanAction::Skip(SkipReason::Provided)
        } else if opts.keys.classify(key) == KeyClass::Configuration {
            PlanAction::Skip(SkipReason::Configuration)
        } else if filtered.contains(key) {
            PlanAction::Skip(SkipReason::FilteredByTags)
        } else if opts.owned.is_some_and(|owned| !owned.contains(key)) {
            PlanAction::Skip(SkipReason::NotOwned)
        } else if opts.disable_secret_deletion {
            PlanAction::Skip(SkipReason::DeletionDisabled)
        } else {
            PlanAction::Delete
        };
        entries.insert(key.clone(), (None, action));
    }
    SyncPlan::from_entries(entries, &values, opts.keys)
}

/// Plans "remove secrets": delete the destination keys of Sluice's current secrets (rendered),
/// whatever `disable_secret_deletion` says (Infisical spec §5.4–5.5).
///
/// Entries cover the destination's keys only: a desired key the destination lacks needs nothing.
/// Without a ledger ([`PlanOptions::owned`] `None`), managed keys Sluice no longer has are
/// `Unchanged`, as there is no record that Sluice wrote them. With one, what is removed is
/// exactly what the sync wrote: every owned key (in the source or not), and no key it did
/// not write ([`SkipReason::NotOwned`]), even one the source has.
pub fn plan_removal(desired: &Desired, observed: &Observed, opts: &PlanOptions) -> SyncPlan {
    let matcher = opts.matcher();
    let ours: BTreeMap<String, &SecretKey> = desired.keys().map(|k| (matcher.render(k.as_str()), k)).collect();
    let mut entries = BTreeMap::new();
    for (key, value) in observed {
        let source_key = ours.get(key).map(|k| (*k).clone());
        let owned = opts.owned.map(|owned| owned.contains(key));
        let action = if source_key.is_none() && !matcher.matches(key) {
            PlanAction::Skip(SkipReason::Unmanaged)
        } else if value.is_none() {
            PlanAction::Skip(SkipReason::Sealed)
        } else if opts.keys.classify(key) == KeyClass::Provided {
            PlanAction::Skip(SkipReason::Provided)
        } else if owned == Some(false) {
            PlanAction::Skip(SkipReason::NotOwned)
        } else if source_key.is_some() || owned == Some(true) {
            PlanAction::Delete
        } else {
            PlanAction::Unchanged
        };
        entries.insert(key.clone(), (source_key, action));
    }
    SyncPlan::from_entries(entries, &BTreeMap::new(), opts.keys)
}

/// Plans "remove orphans": delete the keys in `orphans` (keys the sync wrote that its
/// configuration no longer manages) that the destination still holds, readable and not
/// provided by the platform. Every other key is left out of the plan.
pub fn plan_orphan_removal(orphans: &BTreeSet<String>, observed: &Observed, keys: &dyn KeyRules) -> SyncPlan {
    let mut entries = BTreeMap::new();
    for key in orphans {
        let action = match observed.get(key) {
            None => continue,
            Some(None) => PlanAction::Skip(SkipReason::Sealed),
            Some(Some(_)) if keys.classify(key) == KeyClass::Provided => PlanAction::Skip(SkipReason::Provided),
            Some(Some(_)) => PlanAction::Delete,
        };
        entries.insert(key.clone(), (None, action));
    }
    SyncPlan::from_entries(entries, &BTreeMap::new(), keys)
}

/// The destination after executing `plan` on `observed`: what a dry run previews.
pub fn apply(observed: &Observed, plan: &SyncPlan) -> Observed {
    let mut out = observed.clone();
    for (k, v) in &plan.upserts {
        out.insert(k.clone(), Some(v.clone()));
    }
    for k in &plan.deletes {
        out.remove(k);
    }
    out
}

#[cfg(test)]
#[path = "planner_test.rs"]
mod tests;

#[cfg(test)]
#[path = "planner_props.rs"]
mod props;
