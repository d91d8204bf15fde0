//! Plans and runs of secret syncs, on the wire: what a run would do (`POST …/plan`) and
//! what it did (`GET …/runs`). Declared once here and used by the server (which also
//! stores a run's plan, counts, calls and redeploy in these shapes), the CLI and the
//! tests. Key names and actions only, never values.

use serde::{Deserialize, Serialize};
use sluice_domain::{ActorType, JobKind, RunStatus, Trigger};

/// What a plan does with one key (at the destination, or in Sluice for an import).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EntryAction {
    Create,
    Update,
    Delete,
    Unchanged,
    Skip,
}

impl EntryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Unchanged => "unchanged",
            Self::Skip => "skip",
        }
    }
}

impl std::fmt::Display for EntryAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One key of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlanEntryOut {
    /// The variable name at the destination.
    pub key: String,
    /// The Sluice secret it comes from, if any.
    pub source_key: Option<String>,
    pub action: EntryAction,
    /// Why a key is skipped (`sealed`, `provided`, `unmanaged`, `deletion-disabled`, `invalid-name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The skip reason in words, or what a configuration variable does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The variable configures the platform (Railway's `RAILWAY_DOCKERFILE_PATH`, …).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub configures: bool,
}

/// How many keys a plan creates, updates, deletes, leaves and skips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlanCountsOut {
    pub create: u64,
    pub update: u64,
    pub delete: u64,
    pub unchanged: u64,
    pub skipped: u64,
}

/// A key the first sync imports into Sluice before pushing (`create` or `update` in Sluice).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportEntryOut {
    pub key: String,
    pub action: EntryAction,
}

/// What a sync would do, per key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct PlanOut {
    /// Where it writes, in words.
    pub target: String,
    pub entries: Vec<PlanEntryOut>,
    pub counts: PlanCountsOut,
    /// Keys the first sync imports into Sluice from the destination before pushing.
    pub imports: Vec<ImportEntryOut>,
    /// Whether the run would write anything to the destination.
    pub changes: bool,
    /// Whether the run would redeploy anything (something changes and the sync's redeploy
    /// policy is `affected`).
    pub redeploy: bool,
    /// The services it would redeploy, by name: the target service, and the services whose
    /// variables reference a changed variable.
    #[serde(default)]
    pub redeploys: Vec<String>,
    /// The plan's fingerprint (keys and actions, never values): what `confirm-plan` names.
    pub plan_hash: String,
    /// Why a run of this plan would be held by the mass-deletion guard, if it would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    /// Keys this sync wrote that its configuration no longer manages (left at the
    /// destination until removed with `remove-orphans`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub orphaned_keys: Vec<String>,
}

/// `{plan}`: the answer of `POST …/plan`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanResponse {
    pub plan: PlanOut,
}

/// A run's counts: its plan's, and the keys it imported into Sluice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RunCountsOut {
    #[serde(flatten)]
    pub plan: PlanCountsOut,
    pub imported: u64,
    /// Keys held back because their value holds a reference that does not resolve.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warnings: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One call a run made to the destination's API, and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayCallOut {
    /// `variables`, `variableCollectionUpsert`, `variableDelete`, `redeploy`, …
    pub operation: String,
    /// For per-key operations, the variable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub ok: bool,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a run's redeploy did: redeployed (with the new deployment's id, `null` when
/// Railway returned none), or not, and why.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RedeployOut {
    pub redeployed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `{"redeployed": true, "deploymentId": …}` or `{"redeployed": false, "reason": …}`.
impl Serialize for RedeployOut {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("redeployed", &self.redeployed)?;
        if self.redeployed {
            map.serialize_entry("deploymentId", &self.deployment_id)?;
        }
        if let Some(reason) = &self.reason {
            map.serialize_entry("reason", reason)?;
        }
        map.end()
    }
}

impl RedeployOut {
    pub fn redeployed(deployment_id: Option<String>) -> Self {
        Self { redeployed: true, deployment_id, reason: None }
    }

    pub fn not_redeployed(reason: impl Into<String>) -> Self {
        Self { redeployed: false, deployment_id: None, reason: Some(reason.into()) }
    }
}

/// Where one service's deploy stood when a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeployOut {
    pub service_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `live` (a deployment made after the write runs), `deploying` (it is on its way),
    /// `waiting` (a build started before the write is in flight; the redeploy follows),
    /// `not-redeployed` (nothing runs that could be redeployed) or `failed`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// Railway's status of that deployment (`SUCCESS`, `BUILDING`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ServiceDeployOut {
    /// Whether a deployment made after the write exists (live or on its way).
    pub fn redeployed(&self) -> bool {
        matches!(self.state.as_str(), "live" | "deploying" | "failed")
    }
}

/// What a run stores about its deploys: each service's, and notes on how it wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDeploysOut {
    pub deploys: Vec<ServiceDeployOut>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl RunDeploysOut {
    /// The first service's outcome in the shape run records had before there were several.
    pub fn summary(&self) -> Option<RedeployOut> {
        self.deploys.first().map(|first| {
            if first.redeployed() {
                RedeployOut::redeployed(first.deployment_id.clone())
            } else {
                RedeployOut::not_redeployed(first.reason.clone().unwrap_or_default())
            }
        })
    }
}

/// Who started a run.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunActorOut {
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: ActorType,
    pub id: Option<String>,
    pub name: Option<String>,
}

/// One run (one attempt of a job): what it did, by key name, never values.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncRunOut {
    pub id: String,
    pub job_id: String,
    /// `sync`, `import` or `remove`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: JobKind,
    /// `create`, `update`, `enable`, `manual`, `secret-change` or `delete`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub trigger: Trigger,
    pub actor: RunActorOut,
    pub attempt: i64,
    /// The node that ran it (its `--node-id`).
    #[serde(default)]
    pub node: String,
    /// `running`, `succeeded`, `deploying`, `failed`, `retrying` or `abandoned`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub plan: Vec<PlanEntryOut>,
    pub counts: RunCountsOut,
    /// Calls made to Railway's API.
    pub railway_calls: Vec<RailwayCallOut>,
    /// The first redeployed service's outcome, as earlier versions reported it.
    pub redeploy: Option<RedeployOut>,
    /// Every service the run redeployed, followed or waited for.
    #[serde(default)]
    pub deploys: Vec<ServiceDeployOut>,
    /// How the run wrote, when people should know (deletions made one by one, …).
    #[serde(default)]
    pub notes: Vec<String>,
    pub error: Option<String>,
    pub next_attempt_at: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncRunsOut {
    pub runs: Vec<SyncRunOut>,
    pub total_count: i64,
    pub limit: i64,
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runs_read_and_write_the_stored_shapes() {
        let counts: RunCountsOut = serde_json::from_value(
            json!({"create": 2, "update": 0, "delete": 1, "unchanged": 3, "skipped": 0, "imported": 1}),
        )
        .expect("counts");
        assert_eq!((counts.plan.create, counts.plan.delete, counts.imported), (2, 1, 1));
        assert_eq!(
            serde_json::to_value(counts).expect("json"),
            json!({"create": 2, "update": 0, "delete": 1, "unchanged": 3, "skipped": 0, "imported": 1})
        );
        let running: RunCountsOut = serde_json::from_value(json!({})).expect("a running run's counts");
        assert_eq!(running, RunCountsOut::default());

        let entry = PlanEntryOut {
            key: "STRIPE".into(),
            source_key: None,
            action: EntryAction::Skip,
            reason: Some("sealed".into()),
            detail: None,
            configures: false,
        };
        assert_eq!(
            serde_json::to_value(&entry).expect("json"),
            json!({"key": "STRIPE", "sourceKey": null, "action": "skip", "reason": "sealed"})
        );
        assert_eq!(
            serde_json::to_value(RedeployOut::not_redeployed("shared variables")).expect("json"),
            json!({"redeployed": false, "reason": "shared variables"})
        );
        assert_eq!(
            serde_json::to_value(RedeployOut::redeployed(None)).expect("json"),
            json!({"redeployed": true, "deploymentId": null})
        );
        let stored: RedeployOut =
            serde_json::from_value(json!({"redeployed": true, "deploymentId": "d1"})).expect("read");
        assert_eq!(stored, RedeployOut::redeployed(Some("d1".into())));
    }
}
