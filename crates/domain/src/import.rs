//! Importing destination variables into Sluice (Infisical spec §4): the initial-sync behaviours
//! and the pure decision of what an import creates and updates.
//!
//! [`plan_import`] reads the destination as the planner does (unrendered, `None` = sealed), keeps
//! what the sync manages, strips the key schema, and compares with the source folder's own
//! secrets. The engine writes the result to the folder, then overlays it onto the source map
//! ([`ImportPlan::overlay`]) before planning the push.

use crate::key_schema::KeyMatcher;
use crate::names::SecretKey;
use crate::planner::{Desired, KeyClass, KeyRules, Observed};
use crate::secret::SecretValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Which side wins when a key exists in both Sluice and the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportBehavior {
    /// Only keys Sluice lacks are imported; Sluice's values stay.
    PrioritizeSource,
    /// Keys Sluice lacks are imported, and a differing non-empty destination value replaces
    /// Sluice's.
    PrioritizeDestination,
}

impl ImportBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PrioritizeSource => "prioritize-source",
            Self::PrioritizeDestination => "prioritize-destination",
        }
    }
}

impl FromStr for ImportBehavior {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "prioritize-source" => Ok(Self::PrioritizeSource),
            "prioritize-destination" => Ok(Self::PrioritizeDestination),
            other => Err(format!(
                "unknown import behavior \"{other}\"; expected prioritize-source or prioritize-destination"
            )),
        }
    }
}

impl fmt::Display for ImportBehavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a sync does the first time it succeeds (while `lastSyncedAt` is null).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitialSyncBehavior {
    /// Push Sluice's secrets; nothing is imported.
    OverwriteDestination,
    /// Import first with [`ImportBehavior::PrioritizeSource`], then push.
    ImportPrioritizeSource,
    /// Import first with [`ImportBehavior::PrioritizeDestination`], then push.
    ImportPrioritizeDestination,
}

impl InitialSyncBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OverwriteDestination => "overwrite-destination",
            Self::ImportPrioritizeSource => "import-prioritize-source",
            Self::ImportPrioritizeDestination => "import-prioritize-destination",
        }
    }

    /// The import to run before the first push; `None` for overwrite-destination.
    pub fn import_behavior(self) -> Option<ImportBehavior> {
        match self {
            Self::OverwriteDestination => None,
            Self::ImportPrioritizeSource => Some(ImportBehavior::PrioritizeSource),
            Self::ImportPrioritizeDestination => Some(ImportBehavior::PrioritizeDestination),
        }
    }
}

impl FromStr for InitialSyncBehavior {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "overwrite-destination" => Ok(Self::OverwriteDestination),
            "import-prioritize-source" => Ok(Self::ImportPrioritizeSource),
            "import-prioritize-destination" => Ok(Self::ImportPrioritizeDestination),
            other => Err(format!(
                "unknown initial sync behavior \"{other}\"; expected overwrite-destination, import-prioritize-source or import-prioritize-destination"
            )),
        }
    }
}

impl fmt::Display for InitialSyncBehavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The secrets an import writes into the source folder. `Debug` shows the values redacted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportPlan {
    /// Keys Sluice lacks, with the destination's value.
    pub creates: BTreeMap<SecretKey, SecretValue>,
    /// Keys whose Sluice value the destination's replaces (prioritize-destination only).
    pub updates: BTreeMap<SecretKey, SecretValue>,
}

impl ImportPlan {
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty() && self.updates.is_empty()
    }

    /// `source` with the imported values laid over it: the map the first push starts from.
    pub fn overlay(&self, source: &Desired) -> Desired {
        let mut out = source.clone();
        for (k, v) in self.creates.iter().chain(&self.updates) {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// Destination keys that cannot become Sluice keys. The whole import fails, non-retryably.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Found {} invalid secret name(s). {first_message}", invalid_keys.len())]
pub struct ImportError {
    /// The offending keys after stripping the schema, sorted by destination key.
    pub invalid_keys: Vec<String>,
    /// Why the first one was refused.
    pub first_message: String,
}

/// Decides what importing `observed` into a folder whose own secrets are `source_own` writes.
///
/// `source_own` holds the folder's own secrets (imports excluded) with reference-expanded
/// values, as Infisical compares them. Keys kept: ordinary names under the destination's
/// `keys` (Railway's own and configuration variables stay where they are, as Infisical skips
/// every `RAILWAY_*` key), managed by `matcher`, not sealed. Each stripped key must be a valid [`SecretKey`] exactly as written (no surrounding
/// whitespace to trim away), else the whole import fails.
pub fn plan_import(
    observed: &Observed,
    matcher: &KeyMatcher,
    keys: &dyn KeyRules,
    source_own: &Desired,
    behavior: ImportBehavior,
) -> Result<ImportPlan, ImportError> {
    let mut found = Vec::new();
    let mut invalid_keys = Vec::new();
    let mut first_message = None;
    for (key, value) in observed {
        let Some(value) = value else { continue };
        if keys.classify(key) != KeyClass::Ordinary {
            continue;
        }
        let Some(stripped) = matcher.strip(key) else {
            continue;
        };
        match parse_exact(&stripped) {
            Ok(k) => found.push((k, value)),
            Err(message) => {
                first_message.get_or_insert(message);
                invalid_keys.push(stripped);
            }
        }
    }
    if let Some(first_message) = first_message {
        return Err(ImportError { invalid_keys, first_message });
    }
    let mut plan = ImportPlan::default();
    for (key, value) in found {
        match source_own.get(&key) {
            None => {
                plan.creates.insert(key, value.clone());
            }
            Some(current) => {
                if behavior == ImportBehavior::PrioritizeDestination && !value.is_empty() && current != value {
                    plan.updates.insert(key, value.clone());
                }
            }
        }
    }
    Ok(plan)
}

fn parse_exact(s: &str) -> Result<SecretKey, String> {
    let key = SecretKey::parse(s).map_err(|e| e.message)?;
    if key.as_str() != s {
        return Err(format!("secret key \"{s}\" has leading or trailing whitespace"));
    }
    Ok(key)
}

#[cfg(test)]
#[path = "import_test.rs"]
mod tests;
