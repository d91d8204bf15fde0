//! A sync's validated settings, shared by the server (which stores them) and the engine (which
//! plans with them): [`SyncOptions`] and the Railway [`RailwayDestination`].
//!
//! Both use Infisical's camelCase field names, and deserializing validates, so a value of either
//! type is always valid. Unknown fields are ignored, as Infisical does (its own docs sample sends
//! `syncOptions.autoSyncEnabled`).

use crate::import::InitialSyncBehavior;
use crate::key_schema::{KeyMatcher, KeySchema};
use crate::names::NameError;
use crate::planner::{KeyRules, NameRule, PlanOptions};
use crate::status::{App, RedeployPolicy};
use serde::{Deserialize, Deserializer, Serialize};

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
}

impl SyncOptions {
    /// Options with no key schema and deletion enabled.
    pub fn new(initial_sync_behavior: InitialSyncBehavior) -> Self {
        Self {
            initial_sync_behavior,
            key_schema: None,
            disable_secret_deletion: false,
            redeploy_policy: RedeployPolicy::Affected,
        }
    }

    /// Validates options given as loose values (a form, a CLI flag). Errors name the
    /// `syncOptions.*` field.
    pub fn parse(
        initial_sync_behavior: &str,
        key_schema: Option<&str>,
        disable_secret_deletion: Option<bool>,
        redeploy_policy: Option<&str>,
    ) -> Result<Self, NameError> {
        let initial_sync_behavior = initial_sync_behavior
            .trim()
            .parse()
            .map_err(|e: String| NameError::new("syncOptions.initialSyncBehavior", e))?;
        let key_schema = KeySchema::parse(key_schema.unwrap_or(""))
            .map_err(|e| NameError::new("syncOptions.keySchema", e.message))?;
        let redeploy_policy = match redeploy_policy.map(str::trim) {
            None | Some("") => RedeployPolicy::Affected,
            Some(word) => word.parse().map_err(|e: crate::status::UnknownWord| {
                NameError::new("syncOptions.redeployPolicy", format!("{e}"))
            })?,
        };
        Ok(Self {
            initial_sync_behavior,
            key_schema,
            disable_secret_deletion: disable_secret_deletion.unwrap_or(false),
            redeploy_policy,
        })
    }

    /// Which destination keys this sync manages in the source environment `environment`.
    pub fn matcher(&self, environment: &str) -> KeyMatcher {
        KeyMatcher::new(self.key_schema.as_ref(), environment)
    }

    /// Planner options for a push from the source environment `environment` (POSIX names)
    /// to a destination with the name rules `keys`.
    pub fn plan_options<'a>(&'a self, environment: &'a str, keys: &'a dyn KeyRules) -> PlanOptions<'a> {
        PlanOptions {
            key_schema: self.key_schema.as_ref(),
            environment,
            disable_secret_deletion: self.disable_secret_deletion,
            name_rule: NameRule::Posix,
            keys,
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
