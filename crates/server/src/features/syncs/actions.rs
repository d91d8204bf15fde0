//! What can be asked of a sync besides editing it: run it now, import from Railway,
//! remove its variables from Railway, preview its next run, read its run history, and
//! check whether another sync already writes the same Railway variables.
//!
//! Triggers always queue (jobs coalesce; the engine runs one job per sync at a time), so
//! there is no "a job is already in progress" refusal as in Infisical: a trigger during
//! a run simply runs after it. The queued run audits itself when it runs.

use super::input;
use super::service::{self, DESTINATION, load, require_source, resolve_source};
use super::view;
use crate::auth::Actor;
use crate::auth::authz::{self, Need};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::connections::access as connection_access;
use crate::state::AppState;
use sluice_api_types::runs::{PlanOut, SyncRunsOut};
use sluice_api_types::syncs::{
    CheckDestinationIn, CheckDestinationOut, ImportQuery, RailwayDestinationIn, RailwaySyncIn, RunsQuery, SecretSyncOut,
};
use sluice_domain::{
    ConnectionId, DestinationConfig, ImportBehavior, JobKind, ProjectId, RailwayDestination, SyncId, Trigger,
};
use sluice_engine::plan;
use sluice_engine::queue::{self, JobActor, JobPayload};
use sluice_engine::spec::SyncSpec;
use sluice_storage::{StorageError, runs, syncs};

/// Queues a job of `kind` for a sync and returns the sync with its status `pending`.
async fn trigger(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    kind: JobKind,
    action: &str,
    import_behavior: Option<ImportBehavior>,
) -> ApiResult<SecretSyncOut> {
    let id = service::sync_id(raw_id)?;
    let mut tx = state.store.write().await?;
    let (row, _) = load(state, &mut tx, actor, &id, Need::Write, action).await?;
    require_source(&row)?;
    let mut payload = JobPayload::new(Trigger::Manual, JobActor::from(actor));
    payload.import_behavior = import_behavior;
    queue::enqueue(&mut tx, &state.engine, &row, kind, &payload).await?;
    let stored = syncs::get(&mut tx, &id).await?.ok_or_else(|| service::not_found(&id))?;
    let out = view::sync_out(&mut tx, &stored).await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.engine.wake();
    state.notify_sync_changed(&id);
    Ok(out)
}

/// `sync-secrets`: push now, whether auto-sync is on or not.
pub async fn sync_secrets(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<SecretSyncOut> {
    trigger(state, actor, raw_id, JobKind::Sync, "sync-secrets", None).await
}

/// `import-secrets?importBehavior=`: pull Railway's managed variables into the source.
pub async fn import_secrets(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    q: &ImportQuery,
) -> ApiResult<SecretSyncOut> {
    let raw = q.import_behavior.as_deref().map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(ApiError::invalid(
            "query.importBehavior",
            "importBehavior is required: prioritize-source or prioritize-destination",
        ));
    }
    let behavior: ImportBehavior = raw.parse().map_err(|e: String| ApiError::invalid("query.importBehavior", e))?;
    trigger(state, actor, raw_id, JobKind::Import, "import-secrets", Some(behavior)).await
}

/// What `import-secrets` with `behavior` would write into the source now (key names only),
/// reading Railway live: shown before "take Railway's values" overwrites anything.
pub async fn import_preview(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    behavior: ImportBehavior,
) -> ApiResult<plan::ImportPreview> {
    let id = service::sync_id(raw_id)?;
    let spec = {
        let mut conn = state.store.read().await?;
        let (row, access) = load(state, &mut conn, actor, &id, Need::Write, "import-secrets").await?;
        require_source(&row)?;
        connection_access::usable_for_sync(&mut conn, actor, &row.connection_id, &access.project_id, &access.org_id)
            .await?;
        SyncSpec::load(&state.core, &mut conn, &row, None).await?
    };
    Ok(plan::import_preview(&state.engine, &spec, behavior).await?)
}

/// `remove-secrets`: delete the variables this sync manages from Railway.
pub async fn remove_secrets(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<SecretSyncOut> {
    trigger(state, actor, raw_id, JobKind::Remove, "remove-secrets", None).await
}

/// What the next run of a saved sync would do, reading the source and Railway now.
pub async fn plan_saved(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<PlanOut> {
    let id = service::sync_id(raw_id)?;
    let spec = {
        let mut conn = state.store.read().await?;
        let (row, access) = load(state, &mut conn, actor, &id, Need::Write, "sync-secrets").await?;
        require_source(&row)?;
        connection_access::usable_for_sync(&mut conn, actor, &row.connection_id, &access.project_id, &access.org_id)
            .await?;
        SyncSpec::load(&state.core, &mut conn, &row, None).await?
    };
    Ok(plan::preview(&state.engine, &spec).await?)
}

/// What the first run of a sync not saved yet would do (the create form's preview).
pub async fn plan_unsaved(state: &AppState, actor: &Actor, body: &RailwaySyncIn) -> ApiResult<PlanOut> {
    let new = input::parse_create(body, false)?;
    let project = ProjectId::parse(&new.project_id).ok_or_else(|| authz::project_not_found(&new.project_id))?;
    let spec = {
        let mut conn = state.store.read().await?;
        let access = authz::project(state, &mut conn, actor, &project).await?;
        access.require(Need::Write, "create", "secret-syncs")?;
        let (environment, folder) =
            resolve_source(&mut conn, &project, new.environment.as_str(), &new.secret_path).await?;
        let connection =
            connection_access::usable_for_sync(&mut conn, actor, &new.connection_id, &project, &access.org_id).await?;
        SyncSpec {
            sync_id: None,
            name: new.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
            project_id: project.clone(),
            environment,
            path: folder.path.clone(),
            options: new.options,
            destination: new.destination.into(),
            connection,
            first_sync: true,
            counter: None,
        }
    };
    Ok(plan::preview(&state.engine, &spec).await?)
}

/// Most runs one page returns.
pub const RUNS_LIMIT_MAX: i64 = 100;

/// The run history of a sync, newest first.
pub async fn runs(state: &AppState, actor: &Actor, raw_id: &str, q: &RunsQuery) -> ApiResult<SyncRunsOut> {
    let id = service::sync_id(raw_id)?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=RUNS_LIMIT_MAX).contains(&limit) {
        return Err(ApiError::invalid("query.limit", format!("must be between 1 and {RUNS_LIMIT_MAX}")));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("query.offset", "must be 0 or more"));
    }
    let mut conn = state.store.read().await?;
    load(state, &mut conn, actor, &id, Need::Read, "read").await?;
    let rows = runs::list_for_sync(&mut conn, &id, limit, offset).await?;
    let total_count = runs::count_for_sync(&mut conn, &id).await?;
    Ok(SyncRunsOut { runs: rows.iter().map(view::run_out).collect(), total_count, limit, offset })
}

/// Whether another Railway sync of the organization writes the same variables (same
/// project, environment and service; names ignored). The other sync's project id is
/// told only to those who can access that project. A missing or unreadable
/// `destinationConfig` is "no duplicate", as in Infisical.
pub async fn check_destination(
    state: &AppState,
    actor: &Actor,
    body: &CheckDestinationIn,
) -> ApiResult<CheckDestinationOut> {
    let raw = body.project_id.as_deref().map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(ApiError::invalid("body.projectId", "Project ID required"));
    }
    let project = ProjectId::parse(raw).ok_or_else(|| authz::project_not_found(raw))?;
    if let Some(c) = body.connection_id.as_deref() {
        parse_id(c, "body.connectionId", ConnectionId::parse)?;
    }
    let exclude =
        body.exclude_sync_id.as_deref().map(|e| parse_id(e, "body.excludeSyncId", SyncId::parse)).transpose()?;
    let mut conn = state.store.read().await?;
    let access = authz::project(state, &mut conn, actor, &project).await?;
    access.require(Need::Read, "read", "secret-syncs")?;
    let none = CheckDestinationOut { has_duplicate: false, duplicate_project_id: None };
    let Some(wanted) = body.destination_config.as_ref().and_then(parse_loose_destination).map(DestinationConfig::from)
    else {
        return Ok(none);
    };
    for theirs in syncs::targets_in_org(&mut conn, &access.org_id, &DESTINATION).await? {
        if exclude.as_ref() == Some(&theirs.id) {
            continue;
        }
        if theirs.config.is_some_and(|c| c.same_target(&wanted)) {
            let visible = authz::project(state, &mut conn, actor, &theirs.project_id).await.is_ok();
            return Ok(CheckDestinationOut {
                has_duplicate: true,
                duplicate_project_id: visible.then(|| theirs.project_id.to_string()),
            });
        }
    }
    Ok(none)
}

fn parse_loose_destination(v: &serde_json::Value) -> Option<RailwayDestination> {
    let d: RailwayDestinationIn = serde_json::from_value(v.clone()).ok()?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    RailwayDestination::new(
        &s(&d.project_id),
        &s(&d.project_name),
        &s(&d.environment_id),
        &s(&d.environment_name),
        d.service_id.as_deref(),
        d.service_name.as_deref(),
    )
    .ok()
}
