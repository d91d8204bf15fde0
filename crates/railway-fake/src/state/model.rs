//! The records the fake stores, mirroring the part of Railway's data model Sluice touches
//! (reference §10.2), plus the two logs tests assert on: deploys and requests.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::seed::TokenKind;

#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    pub id: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub workspace_ids: Vec<String>,
    /// Projects of other workspaces the user was invited to (`externalWorkspaces`).
    pub external_project_ids: Vec<String>,
    pub created_at: OffsetDateTime,
}

/// An API token. `Debug` never shows the value.
#[derive(Clone)]
pub(crate) struct Token {
    pub value: String,
    pub kind: TokenKind,
    pub user_id: Option<String>,
    pub workspace_id: Option<String>,
    pub project_id: Option<String>,
    pub environment_id: Option<String>,
    pub id: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("kind", &self.kind).field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub deleted_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub(crate) struct Environment {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub is_ephemeral: bool,
    /// `Environment.canAccess`: `false` hides its contents from every token.
    pub can_access: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub icon: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A service present in one environment.
#[derive(Debug, Clone)]
pub(crate) struct ServiceInstance {
    pub id: String,
    pub environment_id: String,
    pub service_id: String,
    pub cron_schedule: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A stored variable. `Debug` never shows the value.
#[derive(Clone)]
pub(crate) struct StoredVariable {
    pub id: String,
    pub value: String,
    pub sealed: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl fmt::Debug for StoredVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredVariable").field("id", &self.id).field("sealed", &self.sealed).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Deployment {
    pub id: String,
    pub project_id: String,
    pub environment_id: String,
    pub service_id: String,
    pub status: DeploymentStatus,
    /// What the deployment was built and started with. Seeded deployments without one (skipped
    /// cron runs, failed builds) cannot be redeployed.
    pub snapshot: Option<Snapshot>,
    pub created_at: OffsetDateTime,
    /// When `status` last changed.
    pub status_updated_at: OffsetDateTime,
    /// A `timed` deployment still on its way: the time from creation to `SUCCESS`. `None` once
    /// it has settled, and for every other deployment.
    pub timed: Option<std::time::Duration>,
    /// `RAILWAY_REPLICA_ID` of its (single) replica.
    pub replica_id: String,
    /// The git commit it was built from (`RAILWAY_GIT_COMMIT_SHA`).
    pub commit_sha: String,
}

/// A deployment's `DeploymentSnapshot`: the variables its service received when it was created.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub id: String,
    pub created_at: OffsetDateTime,
    /// Every variable the app sees: rendered, Railway-provided ones included, sealed ones with
    /// their real value (the API shows those as `null`).
    pub variables: BTreeMap<String, SnapshotValue>,
}

/// One variable as a deployment received it. `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SnapshotValue {
    pub value: String,
    pub sealed: bool,
}

impl fmt::Debug for SnapshotValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotValue").field("sealed", &self.sealed).finish_non_exhaustive()
    }
}

/// What a service instance's app is running: its newest `SUCCESS` deployment and the variables
/// that deployment was started with (sealed ones with their real value, since the app gets it).
/// `Debug` shows variable names only.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningDeployment {
    pub deployment_id: String,
    pub status: DeploymentStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub variables: BTreeMap<String, Option<String>>,
}

impl fmt::Debug for RunningDeployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningDeployment")
            .field("deployment_id", &self.deployment_id)
            .field("status", &self.status)
            .field("created_at", &self.created_at)
            .field("variables", &self.variables.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Railway's `DeploymentStatus` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStatus {
    Building,
    Crashed,
    Deploying,
    Failed,
    Initializing,
    NeedsApproval,
    Queued,
    Removed,
    Removing,
    Skipped,
    Sleeping,
    Success,
    Waiting,
}

impl DeploymentStatus {
    /// The GraphQL enum value.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Building => "BUILDING",
            DeploymentStatus::Crashed => "CRASHED",
            DeploymentStatus::Deploying => "DEPLOYING",
            DeploymentStatus::Failed => "FAILED",
            DeploymentStatus::Initializing => "INITIALIZING",
            DeploymentStatus::NeedsApproval => "NEEDS_APPROVAL",
            DeploymentStatus::Queued => "QUEUED",
            DeploymentStatus::Removed => "REMOVED",
            DeploymentStatus::Removing => "REMOVING",
            DeploymentStatus::Skipped => "SKIPPED",
            DeploymentStatus::Sleeping => "SLEEPING",
            DeploymentStatus::Success => "SUCCESS",
            DeploymentStatus::Waiting => "WAITING",
        }
    }

    /// Whether a seeded deployment with this status has a snapshot to redeploy from.
    pub fn has_snapshot(self) -> bool {
        !matches!(self, DeploymentStatus::Skipped | DeploymentStatus::Failed)
    }

    /// Still on its way to running: `QUEUED`, `WAITING`, `INITIALIZING`, `BUILDING`, `DEPLOYING`.
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            DeploymentStatus::Queued
                | DeploymentStatus::Waiting
                | DeploymentStatus::Initializing
                | DeploymentStatus::Building
                | DeploymentStatus::Deploying
        )
    }
}

/// Why a deploy was triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeployCause {
    VariableUpsert,
    VariableCollectionUpsert,
    VariableDelete,
    /// `serviceInstanceRedeploy`
    Redeploy,
    DeploymentRedeploy,
    /// `serviceInstanceDeployV2`
    ServiceInstanceDeployV2,
    /// A git push (`POST /__fake/deployments`).
    Push,
}

/// One triggered deploy of a service instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployRecord {
    pub environment_id: String,
    pub service_id: String,
    pub cause: DeployCause,
    /// The deployment it created.
    pub deployment_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Who a request authenticated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestAuth {
    /// No token header.
    None,
    /// A token header whose value is not a token of the matching kind.
    Unknown,
    Account,
    Workspace,
    Project,
}

impl From<TokenKind> for RequestAuth {
    fn from(kind: TokenKind) -> Self {
        match kind {
            TokenKind::Account => RequestAuth::Account,
            TokenKind::Workspace => RequestAuth::Workspace,
            TokenKind::Project => RequestAuth::Project,
        }
    }
}

/// One request to `/graphql/v2`. Never holds variable values or tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// Root field names of the executed operation (empty if the body did not parse).
    pub root_fields: Vec<String>,
    /// The operation's name (from the body, else from the document).
    pub operation_name: Option<String>,
    pub token_kind: RequestAuth,
    /// HTTP status answered.
    pub status: u16,
    /// The injected fault that answered, if any: a queued fault's `kind`, or `chaos:<kind>`
    /// for chaos mode's (`chaos:throttled`, …).
    pub fault: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One variable changed by a Railway mutation (`variableUpsert`, `variableCollectionUpsert`
/// including what its `replace` removed, `variableDelete`), in the order applied. Direct test
/// edits (`set_variable`, `remove_variable`, seeds) are not recorded. Holds the written value
/// so a test can check what a client pushed; `Debug` prints names only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableWrite {
    pub environment_id: String,
    /// `None` for a shared variable.
    pub service_id: Option<String>,
    pub name: String,
    /// The value written; `None` when the variable was deleted.
    pub value: Option<String>,
    /// The root field that changed it.
    pub operation: String,
    /// The number of the request that made the change (requests are numbered from 1 as the
    /// fake executes them): the changes of one request share it, so a `replace: true` write
    /// shows as the deletions and sets of one request.
    pub request: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl std::fmt::Debug for VariableWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VariableWrite")
            .field("environment_id", &self.environment_id)
            .field("service_id", &self.service_id)
            .field("name", &self.name)
            .field("deleted", &self.value.is_none())
            .field("operation", &self.operation)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// Formats an instant the way Railway (JavaScript `toISOString`) does: `2026-01-01T00:00:00.000Z`.
pub(crate) fn iso_millis(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_millis_is_javascript_shaped() {
        let at = time::macros::datetime!(2026-03-04 05:06:07.089 UTC);
        assert_eq!(iso_millis(at), "2026-03-04T05:06:07.089Z");
    }

    #[test]
    fn statuses_round_trip_as_graphql_names() {
        let json = serde_json::to_string(&DeploymentStatus::NeedsApproval).expect("serializes");
        assert_eq!(json, "\"NEEDS_APPROVAL\"");
        assert_eq!(DeploymentStatus::NeedsApproval.as_str(), "NEEDS_APPROVAL");
    }
}
