//! A project's secret version limit (Infisical's `pitVersionLimit`, 1 to 100, default 10):
//! who may change it (project admins), how it is validated, and what a change does.
//!
//! Setting the limit prunes every secret of the project (deleted secrets' histories
//! included) to its newest N versions in the same transaction, then gives the freed
//! pages back to the file system (SQLite). From then on the secrets core keeps each
//! secret within the limit on every write (`sluice_core::secrets::ops`).

use super::manage::{access, with_envs};
use crate::auth::Actor;
use crate::auth::authz::{Need, project_not_found};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::projects::ProjectOut;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{ProjectId, VersionLimit};
use sluice_storage::projects::{self, ProjectRow};
use sluice_storage::{Conn, StorageError, secrets};

/// Parses a requested limit; `field` names where it came from (`body.pitVersionLimit`).
pub fn parse_limit(value: &serde_json::Value, field: &str) -> ApiResult<VersionLimit> {
    VersionLimit::parse(value).map_err(|message| ApiError::invalid(field, message))
}

/// What setting a limit did.
#[derive(Clone, Copy, Debug)]
pub struct LimitChange {
    pub old: i64,
    pub new: i64,
    /// Versions deleted to bring every secret within the new limit.
    pub pruned: u64,
}

/// Stores `limit` for `project` and prunes its secrets' versions to it, inside the
/// caller's transaction (permissions and audit are the caller's).
pub async fn apply_limit(conn: &mut Conn, project: &ProjectRow, limit: VersionLimit) -> ApiResult<LimitChange> {
    projects::set_version_limit(conn, &project.id, limit.get()).await?;
    let pruned = secrets::prune_project_versions(conn, &project.id, limit.get()).await?;
    Ok(LimitChange { old: project.pit_version_limit, new: limit.get(), pruned })
}

/// After a commit that pruned versions: gives the freed pages back (SQLite). A failure
/// here loses nothing (the pages stay free for reuse), so it is logged, not answered.
pub async fn reclaim_after(state: &AppState, change: &LimitChange) {
    if change.pruned > 0
        && let Err(e) = state.store.reclaim_free_pages().await
    {
        tracing::warn!(error = %e, "incremental vacuum after pruning secret versions failed");
    }
}

/// The audit metadata of a limit change.
pub fn audit_meta(change: &LimitChange) -> serde_json::Value {
    json!({ "oldPitVersionLimit": change.old, "pitVersionLimit": change.new, "prunedVersions": change.pruned })
}

/// A project named in a path by id or (as Infisical's version-limit route does) by slug.
async fn find(conn: &mut Conn, actor: &Actor, raw: &str) -> ApiResult<ProjectRow> {
    let found = match ProjectId::parse(raw) {
        Some(id) => projects::get(conn, &id).await?,
        None => projects::find_by_slug_for(conn, &actor.principal, raw).await?,
    };
    found.ok_or_else(|| project_not_found(raw))
}

/// `PUT /api/v1/workspace/{workspaceId}/version-limit`: sets the limit and prunes (project
/// admins). A bad limit answers 422 before anything is read or changed.
pub async fn set_version_limit(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    value: &serde_json::Value,
) -> ApiResult<ProjectOut> {
    let limit = parse_limit(value, "body.pitVersionLimit")?;
    let mut tx = state.store.write().await?;
    let project = find(&mut tx, actor, raw_project).await?;
    let acc = access(state, &mut tx, actor, &project.id, Need::Admin, "update", "the project").await?;
    let change = apply_limit(&mut tx, &project, limit).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("update-project")
            .org(&acc.org_id)
            .project(&project.id)
            .target("project", project.id.as_str())
            .meta(audit_meta(&change)),
    )
    .await?;
    let updated = projects::get(&mut tx, &project.id).await?.ok_or_else(|| project_not_found(raw_project))?;
    let out = with_envs(&mut tx, &updated).await?;
    tx.commit().await.map_err(StorageError::from)?;
    reclaim_after(state, &change).await;
    Ok(out)
}
