//! The seed: the JSON document that fills the fake with workspaces, users, tokens, projects and
//! variables.
//!
//! The format is documented in the crate README; `examples/railway-seed.json` at the repository
//! root is the canonical example ([`Seed::example`]). The JSON is read and written through
//! `wire`, which carries an environment's `canAccess` flag in the environment object while the
//! Rust types keep it in [`Seed::inaccessible_environments`]. A seed is checked here for shape (kinds,
//! UUID ids, required token bindings); whether its references point at existing records is
//! checked when it is applied to the state (`state::World::apply_seed`), because a merged seed
//! may refer to records seeded earlier.

mod wire;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::state::DeploymentStatus;

/// The example seed shipped with the repository (`examples/railway-seed.json`).
const EXAMPLE: &str = include_str!("../../../../examples/railway-seed.json");

/// A seed document. Every list is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "wire::Seed", into = "wire::Seed")]
pub struct Seed {
    pub workspaces: Vec<SeedWorkspace>,
    pub users: Vec<SeedUser>,
    pub tokens: Vec<SeedToken>,
    pub projects: Vec<SeedProject>,
    pub variables: Vec<SeedVariable>,
    /// Environments the seed marks `"canAccess": false` (in JSON, on the environment object;
    /// default true): listed with `canAccess: false`, their contents answer `Not Authorized`.
    /// Ids of environments seeded earlier may be given too.
    pub inaccessible_environments: BTreeSet<String>,
}

/// A workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedWorkspace {
    pub id: String,
    pub name: String,
}

/// A user, the workspaces they are a member of, and the projects of other workspaces they were
/// invited to (listed under `externalWorkspaces`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
    /// Projects the user was invited to without workspace membership.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_project_ids: Vec<String>,
}

/// The three kinds of Railway API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenKind {
    /// Account (personal) token, sent as `Authorization: Bearer`; needs `userId`.
    Account,
    /// Workspace (team) token, sent as `Authorization: Bearer`; needs `workspaceId`.
    Workspace,
    /// Project token, sent as `Project-Access-Token`; needs `projectId` and `environmentId`.
    Project,
}

impl TokenKind {
    /// The lower-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Account => "account",
            TokenKind::Workspace => "workspace",
            TokenKind::Project => "project",
        }
    }
}

/// An API token. `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedToken {
    pub value: String,
    pub kind: TokenKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// Project tokens only: `ProjectToken.id` (default: a fresh UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Project tokens only: `ProjectToken.name` (default `"token"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl fmt::Debug for SeedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeedToken")
            .field("value", &"<redacted>")
            .field("kind", &self.kind)
            .field("user_id", &self.user_id)
            .field("workspace_id", &self.workspace_id)
            .field("project_id", &self.project_id)
            .field("environment_id", &self.environment_id)
            .finish()
    }
}

/// A project with its environments and services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedProject {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// RFC 3339; default: a fixed instant ordered by seed position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// RFC 3339; a deleted project is hidden unless `includeDeleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub environments: Vec<SeedEnvironment>,
    #[serde(default)]
    pub services: Vec<SeedService>,
}

/// An environment of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedEnvironment {
    pub id: String,
    pub name: String,
    /// A PR environment.
    #[serde(default)]
    pub is_ephemeral: bool,
}

/// A service of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedService {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Environments the service exists in (default: every environment of the project).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_ids: Option<Vec<String>>,
    /// Deployments seeded per service instance, oldest first (default: one `SUCCESS`).
    /// `SKIPPED` and `FAILED` deployments have no snapshot and cannot be redeployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_statuses: Option<Vec<DeploymentStatus>>,
    /// A cron schedule, shown as `ServiceInstance.cronSchedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron_schedule: Option<String>,
}

/// A stored variable: shared when `serviceId` is absent. `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedVariable {
    pub environment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub sealed: bool,
}

impl fmt::Debug for SeedVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeedVariable")
            .field("environment_id", &self.environment_id)
            .field("service_id", &self.service_id)
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("sealed", &self.sealed)
            .finish()
    }
}

/// Why a seed was refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("seed is not valid JSON in the seed format: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("seed: {0}")]
    Invalid(String),
}

impl Seed {
    /// The example seed (`examples/railway-seed.json`), the one `sluice server --dev` uses.
    pub fn example() -> Seed {
        // The example is part of this crate's tests; a broken example is a build-time bug.
        Seed::from_json(EXAMPLE).unwrap_or_default()
    }

    /// Reads and checks a seed file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Seed, SeedError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| SeedError::Read { path: path.display().to_string(), source })?;
        Seed::from_json(&text)
    }

    /// Parses and checks a seed document.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        let seed: Seed = serde_json::from_str(text)?;
        seed.check()?;
        Ok(seed)
    }

    /// Checks shape: UUID ids, non-empty names, token bindings matching their kind.
    pub fn check(&self) -> Result<(), SeedError> {
        for w in &self.workspaces {
            uuid_id("workspace", &w.id)?;
        }
        for u in &self.users {
            uuid_id("user", &u.id)?;
        }
        for id in &self.inaccessible_environments {
            uuid_id("environment", id)?;
        }
        for p in &self.projects {
            uuid_id("project", &p.id)?;
            for e in &p.environments {
                uuid_id("environment", &e.id)?;
            }
            for s in &p.services {
                uuid_id("service", &s.id)?;
            }
        }
        for t in &self.tokens {
            if t.value.is_empty() {
                return Err(invalid("a token has an empty value"));
            }
            let ok = match t.kind {
                TokenKind::Account => t.user_id.is_some(),
                TokenKind::Workspace => t.workspace_id.is_some(),
                TokenKind::Project => t.project_id.is_some() && t.environment_id.is_some(),
            };
            if !ok {
                return Err(invalid(&format!(
                    "a {} token lacks its binding (account: userId, workspace: workspaceId, \
                     project: projectId and environmentId)",
                    t.kind.as_str()
                )));
            }
        }
        for v in &self.variables {
            if v.name.is_empty() {
                return Err(invalid("a variable has an empty name"));
            }
        }
        Ok(())
    }
}

fn uuid_id(what: &str, id: &str) -> Result<(), SeedError> {
    uuid::Uuid::parse_str(id).map(drop).map_err(|_| invalid(&format!("{what} id {id:?} is not a UUID")))
}

fn invalid(message: &str) -> SeedError {
    SeedError::Invalid(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_and_checks() {
        let seed = Seed::from_json(EXAMPLE).expect("example seed is valid");
        assert_eq!(seed.projects.len(), 1);
        assert_eq!(seed.tokens.len(), 3);
        assert!(seed.variables.iter().any(|v| v.sealed));
        assert!(seed.variables.iter().any(|v| v.value.contains("${{shared.")));
        assert_eq!(Seed::example(), seed);
    }

    #[test]
    fn debug_redacts_values() {
        let seed = Seed::example();
        let printed = format!("{seed:?}");
        for v in &seed.variables {
            assert!(!printed.contains(&v.value), "value of {} leaked", v.name);
        }
        for t in &seed.tokens {
            assert!(!printed.contains(&t.value), "a token leaked");
        }
    }

    #[test]
    fn rejects_bad_shapes() {
        let cases = [
            r#"{"workspaces":[{"id":"not-a-uuid","name":"x"}]}"#,
            r#"{"tokens":[{"value":"t","kind":"project","projectId":"x"}]}"#,
            r#"{"tokens":[{"value":"t","kind":"robot"}]}"#,
            r#"{"projects":[],"unknown":1}"#,
        ];
        for case in cases {
            assert!(Seed::from_json(case).is_err(), "{case}");
        }
    }
}
