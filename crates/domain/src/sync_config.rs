//! A sync's validated settings, shared by the server (which stores them) and the engine (which
//! plans with them): [`SyncOptions`] and the Railway [`RailwayDestination`].
//!
//! Both use Infisical's camelCase field names, and deserializing validates, so a value of either
//! type is always valid. Unknown fields are ignored, as Infisical does (its own docs sample sends
//! `syncOptions.autoSyncEnabled`).

use crate::import::InitialSyncBehavior;
use crate::key_schema::{KeyMatcher, KeySchema};
use crate::names::{NameError, Slug};
use crate::planner::{KeyRules, NameRule, PlanOptions};
use crate::status::{App, DriftPolicy, RedeployPolicy};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;

/// `syncOptions`: how a sync behaves, whatever its destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncOptions {
    pub initial_sync_behavior: InitialSyncBehavior,
    /// Absent, `null` and `""` all mean no schema; emitted only when set.
    #[serde(default, deserialize_with = "optional_key_schema", skip_serializing_if = "Option::is_none")]
    pub key_schema: Option<KeySchema>,
    /// Absent means `false`.
    #[serde(default)]
    pub disable_secret_deletion: bool,
    /// Absent means [`RedeployPolicy::Affected`].
    #[serde(default)]
    pub redeploy_policy: RedeployPolicy,
    /// Delete at the destination only keys this sync wrote (its ownership ledger); absent
    /// means `true`. `false` is Infisical's behaviour: every key the schema matches and
    /// the source lacks is deleted.
    #[serde(default = "yes")]
    pub delete_only_owned: bool,
    /// What a drift check does on drift; absent means [`DriftPolicy::Report`].
    #[serde(default)]
    pub drift_policy: DriftPolicy,
    /// Minutes between scheduled drift checks (jittered); `0` turns them off. Absent
    /// means [`DEFAULT_DRIFT_MINUTES`].
    #[serde(default = "default_drift_minutes")]
    pub drift_check_interval_minutes: u32,
    /// When a run deletes so many keys that it waits for a confirmation.
    #[serde(default)]
    pub mass_deletion_guard: DeletionGuard,
    /// Sync only the secrets carrying any of these tags (slugs, sorted, no duplicates);
    /// empty syncs every secret. Absent means empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_slugs: Vec<String>,
}

/// Longest tag slug in `tagSlugs`.
pub const TAG_SLUG_MAX: usize = 64;

/// Default minutes between scheduled drift checks.
pub const DEFAULT_DRIFT_MINUTES: u32 = 15;
/// Longest interval between scheduled drift checks: a week.
pub const MAX_DRIFT_MINUTES: u32 = 7 * 24 * 60;

fn yes() -> bool {
    true
}

fn default_drift_minutes() -> u32 {
    DEFAULT_DRIFT_MINUTES
}

/// `syncOptions.massDeletionGuard`: a run that would leave the sync managing nothing at the
/// destination (it deletes every key there and creates none: an emptied folder, a wrong
/// path), or that deletes more than `percent` % of the keys it manages there and at least
/// `minKeys`, writes nothing and waits for someone to confirm its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeletionGuard {
    pub enabled: bool,
    pub percent: u8,
    pub min_keys: u32,
}

impl Default for DeletionGuard {
    fn default() -> Self {
        Self { enabled: true, percent: 50, min_keys: 5 }
    }
}

impl DeletionGuard {
    /// Whether deleting `deletes` of the `managed` keys the destination holds for the sync,
    /// leaving it `remaining` keys (the rest plus those it creates), must wait for a
    /// confirmation.
    pub fn holds(&self, deletes: usize, managed: usize, remaining: usize) -> bool {
        if !self.enabled || deletes == 0 {
            return false;
        }
        remaining == 0 || (deletes >= self.min_keys as usize && deletes * 100 > usize::from(self.percent) * managed)
    }

    /// Checks the ranges (percent 1–100).
    pub fn validate(&self) -> Result<(), NameError> {
        if !(1..=100).contains(&self.percent) {
            return Err(NameError::new(
                "syncOptions.massDeletionGuard.percent",
                format!("must be between 1 and 100, not {}", self.percent),
            ));
        }
        Ok(())
    }
}

/// The options of [`SyncOptions`] that only Sluice has, given as loose values (a form, a CLI
/// flag, a request body); `None` takes the default.
#[derive(Clone, Debug, Default)]
pub struct SluiceOptions<'a> {
    pub redeploy_policy: Option<&'a str>,
    pub delete_only_owned: Option<bool>,
    pub drift_policy: Option<&'a str>,
    pub drift_check_interval_minutes: Option<u32>,
    pub mass_deletion_guard: Option<DeletionGuard>,
    pub tag_slugs: Option<&'a [String]>,
}

impl SyncOptions {
    /// Options with no key schema and deletion enabled.
    pub fn new(initial_sync_behavior: InitialSyncBehavior) -> Self {
        Self {
            initial_sync_behavior,
            key_schema: None,
            disable_secret_deletion: false,
            redeploy_policy: RedeployPolicy::Affected,
            delete_only_owned: true,
            drift_policy: DriftPolicy::Report,
            drift_check_interval_minutes: DEFAULT_DRIFT_MINUTES,
            mass_deletion_guard: DeletionGuard::default(),
            tag_slugs: Vec::new(),
        }
    }

    /// Validates options given as loose values (a form, a CLI flag). Errors name the
    /// `syncOptions.*` field.
    pub fn parse(
        initial_sync_behavior: &str,
        key_schema: Option<&str>,
        disable_secret_deletion: Option<bool>,
        more: &SluiceOptions,
    ) -> Result<Self, NameError> {
        let initial_sync_behavior = initial_sync_behavior
            .trim()
            .parse()
            .map_err(|e: String| NameError::new("syncOptions.initialSyncBehavior", e))?;
        let key_schema = KeySchema::parse(key_schema.unwrap_or(""))
            .map_err(|e| NameError::new("syncOptions.keySchema", e.message))?;
        let redeploy_policy = match more.redeploy_policy.map(str::trim) {
            None | Some("") => RedeployPolicy::Affected,
            Some(word) => word.parse().map_err(|e: crate::status::UnknownWord| {
                NameError::new("syncOptions.redeployPolicy", format!("{e}"))
            })?,
        };
        let drift_policy = match more.drift_policy.map(str::trim) {
            None | Some("") => DriftPolicy::Report,
            Some(word) => word
                .parse()
                .map_err(|e: crate::status::UnknownWord| NameError::new("syncOptions.driftPolicy", format!("{e}")))?,
        };
        let drift_check_interval_minutes = more.drift_check_interval_minutes.unwrap_or(DEFAULT_DRIFT_MINUTES);
        if drift_check_interval_minutes > MAX_DRIFT_MINUTES || (1..5).contains(&drift_check_interval_minutes) {
            return Err(NameError::new(
                "syncOptions.driftCheckIntervalMinutes",
                format!(
                    "must be 0 (no scheduled checks) or between 5 and {MAX_DRIFT_MINUTES} minutes, not {drift_check_interval_minutes}"
                ),
            ));
        }
        let mass_deletion_guard = more.mass_deletion_guard.unwrap_or_default();
        mass_deletion_guard.validate()?;
        let mut tag_slugs = Vec::new();
        for (i, raw) in more.tag_slugs.unwrap_or_default().iter().enumerate() {
            let slug = Slug::parse(raw, "tagSlugs", TAG_SLUG_MAX)
                .map_err(|e| NameError::new(&format!("syncOptions.tagSlugs[{i}]"), e.message))?;
            tag_slugs.push(slug.to_string());
        }
        tag_slugs.sort();
        tag_slugs.dedup();
        Ok(Self {
            initial_sync_behavior,
            key_schema,
            disable_secret_deletion: disable_secret_deletion.unwrap_or(false),
            redeploy_policy,
            delete_only_owned: more.delete_only_owned.unwrap_or(true),
            drift_policy,
            drift_check_interval_minutes,
            mass_deletion_guard,
            tag_slugs,
        })
    }

    /// Which destination keys this sync manages in the source environment `environment`.
    pub fn matcher(&self, environment: &str) -> KeyMatcher {
        KeyMatcher::new(self.key_schema.as_ref(), environment)
    }

    /// Planner options for a push from the source environment `environment` (POSIX names)
    /// to a destination with the name rules `keys`.
    /// `owned` is the sync's ownership ledger when deletions follow it.
    pub fn plan_options<'a>(
        &'a self,
        environment: &'a str,
        keys: &'a dyn KeyRules,
        owned: Option<&'a BTreeSet<String>>,
    ) -> PlanOptions<'a> {
        PlanOptions {
            key_schema: self.key_schema.as_ref(),
            environment,
            disable_secret_deletion: self.disable_secret_deletion,
            name_rule: NameRule::Posix,
            keys,
            owned: if self.delete_only_owned { owned } else { None },
            held_back: None,
            filtered_out: None,
        }
    }
}

fn optional_key_schema<'de, D: Deserializer<'de>>(d: D) -> Result<Option<KeySchema>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    KeySchema::parse(text.as_deref().unwrap_or("")).map_err(|e| serde::de::Error::custom(e.message))
}

/// `destinationConfig` of a Railway sync: which variables it writes. Without a service it
/// targets the environment's shared variables. The names are display copies, never checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RailwayDestinationFields")]
pub struct RailwayDestination {
    project_id: String,
    project_name: String,
    environment_id: String,
    environment_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_name: Option<String>,
}

/// The fields as received; every one may be missing so the messages can be Infisical's.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RailwayDestinationFields {
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    project_name: String,
    #[serde(default)]
    environment_id: String,
    #[serde(default)]
    environment_name: String,
    #[serde(default)]
    service_id: Option<String>,
    #[serde(default)]
    service_name: Option<String>,
}

impl TryFrom<RailwayDestinationFields> for RailwayDestination {
    type Error = NameError;
    fn try_from(f: RailwayDestinationFields) -> Result<Self, Self::Error> {
        RailwayDestination::new(
            &f.project_id,
            &f.project_name,
            &f.environment_id,
            &f.environment_name,
            f.service_id.as_deref(),
            f.service_name.as_deref(),
        )
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl RailwayDestination {
    /// Trims every field; the project and environment ids are required. An empty service id
    /// means shared variables and is stored as none, as is an empty service name.
    pub fn new(
        project_id: &str,
        project_name: &str,
        environment_id: &str,
        environment_name: &str,
        service_id: Option<&str>,
        service_name: Option<&str>,
    ) -> Result<Self, NameError> {
        let project_id = project_id.trim();
        if project_id.is_empty() {
            return Err(NameError::new("destinationConfig.projectId", "Railway project ID required"));
        }
        let environment_id = environment_id.trim();
        if environment_id.is_empty() {
            return Err(NameError::new("destinationConfig.environmentId", "Railway environment ID required"));
        }
        Ok(Self {
            project_id: project_id.to_string(),
            project_name: project_name.trim().to_string(),
            environment_id: environment_id.to_string(),
            environment_name: environment_name.trim().to_string(),
            service_id: non_empty(service_id),
            service_name: non_empty(service_name),
        })
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    pub fn project_name(&self) -> &str {
        &self.project_name
    }

    pub fn environment_id(&self) -> &str {
        &self.environment_id
    }

    pub fn environment_name(&self) -> &str {
        &self.environment_name
    }

    /// The service whose variables are synced; `None` for shared variables.
    pub fn service_id(&self) -> Option<&str> {
        self.service_id.as_deref().filter(|s| !s.is_empty())
    }

    pub fn service_name(&self) -> Option<&str> {
        self.service_name.as_deref()
    }

    /// True when the sync writes the environment's shared variables (no service).
    pub fn is_shared_variables(&self) -> bool {
        self.service_id().is_none()
    }

    /// True when both write the same set of Railway variables (names ignored): the
    /// duplicate-destination check, and the case where distinct key schemas are needed.
    pub fn same_target(&self, other: &RailwayDestination) -> bool {
        self.project_id == other.project_id
            && self.environment_id == other.environment_id
            && self.service_id() == other.service_id()
    }
}

/// Where a sync writes, per destination: the `destinationConfig` of its destination.
/// Stored and sent as the destination's own object (a Railway sync's is
/// [`RailwayDestination`]'s JSON, untagged); the sync's `destination` names which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestinationConfig {
    Railway(RailwayDestination),
}

impl DestinationConfig {
    /// The app this configuration is for.
    pub fn app(&self) -> App {
        match self {
            Self::Railway(_) => App::Railway,
        }
    }

    /// True when both write the same set of variables (same destination and target).
    pub fn same_target(&self, other: &DestinationConfig) -> bool {
        match (self, other) {
            (Self::Railway(a), Self::Railway(b)) => a.same_target(b),
        }
    }
}

impl From<RailwayDestination> for DestinationConfig {
    fn from(d: RailwayDestination) -> Self {
        Self::Railway(d)
    }
}

impl Serialize for DestinationConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Railway(d) => d.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for DestinationConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RailwayDestination::deserialize(d).map(Self::Railway)
    }
}

#[cfg(test)]
#[path = "sync_config_test.rs"]
mod tests;
