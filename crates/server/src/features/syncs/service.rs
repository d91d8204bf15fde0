//! Creating, reading, editing and deleting Railway syncs.
//!
//! Every change happens in one transaction with its audit entry and, when it calls for
//! a run, the queued job (see `sluice_engine::queue`); workers are woken after commit. What
//! enqueues: creating with auto-sync on (`create`), switching auto-sync on (`enable`),
//! and, with auto-sync on, changing the source, the connection, the options or the
//! destination (`update`). Renaming or re-describing enqueues nothing (an improvement
//! on Infisical, which re-syncs on every PATCH).

use super::input::{self, NewSync, SyncChanges};
use super::view;
use crate::auth::Actor;
use crate::auth::authz::{self, Need, ProjectAccess};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::connections::access as connection_access;
use crate::features::connections::service::record_audit;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::syncs::{DeleteSyncQuery, ProjectQuery, RailwaySyncIn, RailwaySyncPatch, SecretSyncOut};
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{App, FolderPath, JobKind, ProjectId, SyncId, Trigger};
use sluice_engine::queue::{self, JobActor, JobPayload};
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::syncs::{self, SyncRow};
use sluice_storage::{Conn, StorageError, deploys, jobs, now_ms};

pub const DESTINATION: App = App::Railway;
const SUBJECT: &str = "secret-syncs";

/// `Could not find Railway Sync with ID "<id>"`.
pub fn not_found(id: impl std::fmt::Display) -> ApiError {
    ApiError::not_found(format!("Could not find Railway Sync with ID \"{id}\""))
}

pub fn sync_id(raw: &str) -> ApiResult<SyncId> {
    parse_id(raw, "params.syncId", SyncId::parse)
}

/// `?projectId=` (required).
pub fn project_param(q: &ProjectQuery) -> ApiResult<ProjectId> {
    let raw = q.project_id.as_deref().map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(ApiError::invalid("query.projectId", "Project ID required"));
    }
    ProjectId::parse(raw).ok_or_else(|| authz::project_not_found(raw))
}

/// A Railway sync the caller may act on at level `need`. Someone with no access to its
/// project gets the same 404 as for a sync that does not exist.
pub async fn load(
    state: &AppState,
    conn: &mut Conn,
    actor: &Actor,
    id: &SyncId,
    need: Need,
    action: &str,
) -> ApiResult<(SyncRow, ProjectAccess)> {
    let row = syncs::get(conn, id).await?.ok_or_else(|| not_found(id))?;
    let access = match authz::project(state, conn, actor, &row.project_id).await {
        Ok(a) => a,
        Err(ApiError::NotFound(_)) => return Err(not_found(id)),
        Err(e) => return Err(e),
    };
    access.require(need, action, SUBJECT)?;
    ensure_railway(&row)?;
    Ok((row, access))
}

fn ensure_railway(row: &SyncRow) -> ApiResult<()> {
    if row.destination == DESTINATION {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("Secret sync with ID \"{}\" is not configured for Railway", row.id)))
    }
}

/// 400 when the sync's source folder was deleted (Infisical's message).
pub fn require_source(row: &SyncRow) -> ApiResult<()> {
    if row.folder_id.is_some() && row.environment_id.is_some() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "Invalid source configuration: folder no longer exists. Please configure a valid source and try again.",
        ))
    }
}

/// The environment and folder of a source; 400 with Infisical's message when either is missing.
pub async fn resolve_source(
    conn: &mut Conn,
    project: &ProjectId,
    environment: &str,
    path: &FolderPath,
) -> ApiResult<(EnvironmentRow, FolderRow)> {
    let missing = || {
        ApiError::bad_request(format!(
            "Could not find folder with path \"{path}\" in environment \"{environment}\" for project with ID \"{project}\""
        ))
    };
    let env = environments::get_by_slug(conn, project, environment).await?.ok_or_else(missing)?;
    let folder = folders::get_by_path(conn, &env.id, path).await?.ok_or_else(missing)?;
    Ok((env, folder))
}

fn duplicate_name(name: &str, project: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!(
        "A Secret Sync with the name \"{name}\" already exists for the project with ID \"{project}\""
    ))
}

/// Queues a job inside `tx`; returns whether one was queued.
async fn enqueue(conn: &mut Conn, state: &AppState, row: &SyncRow, actor: &Actor, trigger: Trigger) -> ApiResult<()> {
    queue::enqueue(conn, &state.engine, row, JobKind::Sync, &JobPayload::new(trigger, JobActor::from(actor))).await?;
    Ok(())
}

/// Commits, wakes workers when a job was queued, and tells status listeners.
async fn finish(state: &AppState, tx: sluice_storage::Tx, sync_id: &SyncId, queued: bool) -> ApiResult<()> {
    tx.commit().await.map_err(StorageError::from)?;
    if queued {
        state.engine.wake();
    }
    state.notify_sync_changed(sync_id);
    Ok(())
}

fn audit_body(s: &NewSync) -> serde_json::Value {
    json!({
        "name": s.name.as_ref().map(|n| n.as_str()), "description": s.description, "connectionId": s.connection_id.as_str(),
        "environment": s.environment.as_str(), "secretPath": s.secret_path.as_str(), "isAutoSyncEnabled": s.auto_sync,
        "syncOptions": s.options, "destinationConfig": s.destination,
    })
}

pub async fn create(state: &AppState, actor: &Actor, body: &RailwaySyncIn) -> ApiResult<SecretSyncOut> {
    let new = input::parse_create(body, true)?;
    let name = new.name.clone().ok_or_else(|| ApiError::internal("a create body without a name was accepted"))?;
    let project = ProjectId::parse(&new.project_id).ok_or_else(|| authz::project_not_found(&new.project_id))?;
    let mut tx = state.store.write().await?;
    let access = authz::project(state, &mut tx, actor, &project).await?;
    access.require(Need::Write, "create", SUBJECT)?;
    let (env, folder) = resolve_source(&mut tx, &project, new.environment.as_str(), &new.secret_path).await?;
    connection_access::usable_for_sync(&mut tx, actor, &new.connection_id, &project, &access.org_id).await?;
    if syncs::get_by_name(&mut tx, &project, name.as_str()).await?.is_some() {
        return Err(duplicate_name(name.as_str(), project.as_str()));
    }
    let now = now_ms();
    let row = SyncRow {
        id: SyncId::new(),
        project_id: project.clone(),
        name: name.as_str().to_string(),
        description: new.description.clone(),
        destination: DESTINATION,
        connection_id: new.connection_id.clone(),
        environment_id: Some(env.id.clone()),
        folder_id: Some(folder.id.clone()),
        secret_path: folder.path.clone(),
        is_auto_sync_enabled: new.auto_sync,
        version: 1,
        sync_options: new.options.clone(),
        destination_config: new.destination.clone().into(),
        sync_status: None,
        last_sync_job_id: None,
        last_sync_message: None,
        last_synced_at: None,
        sync_attempt: 0,
        next_sync_at: None,
        import_status: None,
        last_import_job_id: None,
        last_import_message: None,
        last_imported_at: None,
        remove_status: None,
        last_remove_job_id: None,
        last_remove_message: None,
        last_removed_at: None,
        lease_job_id: None,
        lease_owner: None,
        lease_until: None,
        created_at: now,
        updated_at: now,
        trust: Default::default(),
    };
    syncs::insert(&mut tx, &row)
        .await
        .map_err(|e| if e.is_conflict() { duplicate_name(&row.name, &row.project_id) } else { e.into() })?;
    if new.auto_sync {
        enqueue(&mut tx, state, &row, actor, Trigger::Create).await?;
    }
    let mut meta = audit_body(&new);
    meta["syncId"] = json!(row.id);
    meta["destination"] = json!(DESTINATION);
    meta["syncQueued"] = json!(new.auto_sync);
    let event = AuditEvent::new("create-secret-sync")
        .org(&access.org_id)
        .project(&project)
        .target("secret-sync", row.id.clone())
        .meta(meta);
    audit::record(&mut tx, actor, event).await?;
    let stored = syncs::get(&mut tx, &row.id).await?.ok_or_else(|| not_found(&row.id))?;
    let out = view::sync_out(&mut tx, &stored).await?;
    finish(state, tx, &row.id, new.auto_sync).await?;
    Ok(out)
}

/// Why a PATCH queues a run, if it does.
fn patch_trigger(before: &SyncRow, after: &SyncRow, config_changed: bool) -> Option<Trigger> {
    match (before.is_auto_sync_enabled, after.is_auto_sync_enabled) {
        (false, true) => Some(Trigger::Enable),
        (true, true) if config_changed => Some(Trigger::Update),
        _ => None,
    }
}

/// Applies a PATCH's source change: both halves resolved, the stored one filling in a
/// missing half (impossible once the stored folder is gone).
async fn apply_source(conn: &mut Conn, row: &mut SyncRow, changes: &SyncChanges) -> ApiResult<()> {
    if changes.environment.is_none() && changes.secret_path.is_none() {
        return Ok(());
    }
    let project = row.project_id.clone();
    let stored_env = match (&row.environment_id, &row.folder_id) {
        (Some(e), Some(_)) => environments::get(conn, e).await?,
        _ => None,
    };
    let env_slug = match (&changes.environment, &stored_env) {
        (Some(e), _) => e.as_str().to_string(),
        (None, Some(e)) => e.slug.clone(),
        (None, None) => return Err(ApiError::bad_request("Must specify both source environment and secret path")),
    };
    let path = match (&changes.secret_path, &stored_env) {
        (Some(p), _) => p.clone(),
        (None, Some(_)) => row.secret_path.clone(),
        (None, None) => return Err(ApiError::bad_request("Must specify both source environment and secret path")),
    };
    let (env, folder) = resolve_source(conn, &project, &env_slug, &path).await?;
    row.environment_id = Some(env.id);
    row.folder_id = Some(folder.id);
    row.secret_path = folder.path;
    Ok(())
}

pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    patch: &RailwaySyncPatch,
) -> ApiResult<SecretSyncOut> {
    let id = sync_id(raw_id)?;
    let changes = input::parse_patch(patch)?;
    let mut tx = state.store.write().await?;
    let (before, access) = load(state, &mut tx, actor, &id, Need::Write, "edit").await?;
    let project = access.project_id.clone();
    let mut after = before.clone();
    if let Some(name) = &changes.name
        && name.as_str() != before.name
    {
        if syncs::get_by_name(&mut tx, &project, name.as_str()).await?.is_some() {
            return Err(duplicate_name(name.as_str(), project.as_str()));
        }
        after.name = name.as_str().to_string();
    }
    if let Some(d) = &changes.description {
        after.description = d.clone();
    }
    if let Some(cid) = &changes.connection_id {
        connection_access::usable_for_sync(&mut tx, actor, cid, &project, &access.org_id).await?;
        after.connection_id = cid.clone();
    }
    apply_source(&mut tx, &mut after, &changes).await?;
    if let Some(auto) = changes.auto_sync {
        after.is_auto_sync_enabled = auto;
    }
    if changes.options.is_some() {
        // Sluice's own options not sent (a client that does not know them, such as
        // Infisical's) keep the sync's.
        after.sync_options = input::options_over(patch.sync_options.as_ref(), Some(&before.sync_options))
            .map_err(|e| ApiError::invalid(&e.path, e.message))?;
    }
    if let Some(d) = &changes.destination {
        after.destination_config = d.clone().into();
    }
    let options_changed = after.sync_options != before.sync_options;
    let destination_changed = after.destination_config != before.destination_config;
    let config_changed = options_changed
        || destination_changed
        || after.connection_id != before.connection_id
        || after.folder_id != before.folder_id
        || after.environment_id != before.environment_id;
    syncs::update_config(&mut tx, &after)
        .await
        .map_err(|e| if e.is_conflict() { duplicate_name(&after.name, project.as_str()) } else { e.into() })?;
    if after.sync_options.drift_check_interval_minutes != before.sync_options.drift_check_interval_minutes {
        sluice_engine::drift::reschedule(&mut tx, &after.id, after.sync_options.drift_check_interval_minutes).await?;
    }
    if destination_changed || after.connection_id != before.connection_id {
        // Deploys owed to or followed at the old target are not this target's.
        deploys::settle_all(&mut tx, &after.id).await?;
    }
    let trigger = patch_trigger(&before, &after, config_changed);
    if let Some(t) = trigger {
        enqueue(&mut tx, state, &after, actor, t).await?;
    }
    let event = AuditEvent::new("update-secret-sync")
        .org(&access.org_id)
        .project(&project)
        .target("secret-sync", after.id.clone())
        .meta(json!({
            "syncId": after.id, "destination": DESTINATION, "name": changes.name.as_ref().map(|n| n.as_str()),
            "description": changes.description, "connectionId": changes.connection_id.as_ref().map(|c| c.as_str()),
            "environment": changes.environment.as_ref().map(|e| e.as_str()),
            "secretPath": changes.secret_path.as_ref().map(|p| p.as_str()), "isAutoSyncEnabled": changes.auto_sync,
            "syncOptions": changes.options.as_ref().map(|_| &after.sync_options), "destinationConfig": changes.destination,
            "syncQueued": trigger.map(|t| t.as_str()),
        }));
    audit::record(&mut tx, actor, event).await?;
    let stored = syncs::get(&mut tx, &id).await?.ok_or_else(|| not_found(&id))?;
    let out = view::sync_out_full(&mut tx, &stored).await?;
    finish(state, tx, &id, trigger.is_some()).await?;
    Ok(out)
}

/// `removeSecrets`: `true` or `false` (default).
fn remove_secrets_flag(q: &DeleteSyncQuery) -> ApiResult<bool> {
    match q.remove_secrets.as_deref().map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => {
            Err(ApiError::invalid("query.removeSecrets", format!("must be true or false (got \"{other}\")")))
        }
    }
}

/// Without `removeSecrets`, deletes at once and echoes the sync. With it, queues the
/// removal and returns the sync as it stands (`removeStatus: "pending"`); the engine
/// deletes it once the removal succeeded, and keeps it (with the error) otherwise.
pub async fn delete(state: &AppState, actor: &Actor, raw_id: &str, q: &DeleteSyncQuery) -> ApiResult<SecretSyncOut> {
    let id = sync_id(raw_id)?;
    let remove = remove_secrets_flag(q)?;
    let mut tx = state.store.write().await?;
    let (row, access) = load(state, &mut tx, actor, &id, Need::Write, "delete").await?;
    if remove {
        require_source(&row)?;
        let mut payload = JobPayload::new(Trigger::Delete, JobActor::from(actor));
        payload.delete_sync_on_complete = true;
        // The sync is going away: nothing pushes its keys back while they are removed.
        jobs::cancel_queued_for_sync(&mut tx, &id).await?;
        let mut stopped = row.clone();
        stopped.is_auto_sync_enabled = false;
        syncs::update_config(&mut tx, &stopped).await?;
        queue::enqueue(&mut tx, &state.engine, &stopped, JobKind::Remove, &payload).await?;
        let stored = syncs::get(&mut tx, &id).await?.ok_or_else(|| not_found(&id))?;
        let out = view::sync_out(&mut tx, &stored).await?;
        finish(state, tx, &id, true).await?;
        return Ok(out);
    }
    let out = view::sync_out(&mut tx, &row).await?;
    syncs::delete(&mut tx, &id).await?;
    jobs::cancel_queued_for_sync(&mut tx, &id).await?;
    let event = AuditEvent::new("delete-secret-sync")
        .org(&access.org_id)
        .project(&access.project_id)
        .target("secret-sync", row.id.clone())
        .meta(json!({"syncId": row.id, "name": row.name, "destination": DESTINATION, "removeSecrets": false}));
    audit::record(&mut tx, actor, event).await?;
    finish(state, tx, &id, false).await?;
    Ok(out)
}

pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<SecretSyncOut> {
    let id = sync_id(raw_id)?;
    let (out, access) = {
        let mut conn = state.store.read().await?;
        let (row, access) = load(state, &mut conn, actor, &id, Need::Read, "read").await?;
        (view::sync_out_full(&mut conn, &row).await?, access)
    };
    let event = AuditEvent::new("get-secret-sync")
        .org(&access.org_id)
        .project(&access.project_id)
        .target("secret-sync", out.id.clone())
        .meta(json!({"syncId": out.id, "destination": DESTINATION}));
    record_audit(state, actor, event).await?;
    Ok(out)
}

pub async fn get_by_name(state: &AppState, actor: &Actor, name: &str, q: &ProjectQuery) -> ApiResult<SecretSyncOut> {
    let project = project_param(q)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("params.syncName", "Sync name required"));
    }
    let (out, access) = {
        let mut conn = state.store.read().await?;
        let access = authz::project(state, &mut conn, actor, &project).await?;
        access.require(Need::Read, "read", SUBJECT)?;
        let row = syncs::get_by_name(&mut conn, &project, name)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Could not find Railway Sync with name \"{name}\"")))?;
        ensure_railway(&row)?;
        (view::sync_out_full(&mut conn, &row).await?, access)
    };
    let event = AuditEvent::new("get-secret-sync")
        .org(&access.org_id)
        .project(&project)
        .target("secret-sync", out.id.clone())
        .meta(json!({"syncId": out.id, "destination": DESTINATION}));
    record_audit(state, actor, event).await?;
    Ok(out)
}

/// Syncs of a project (only Railway ones when `destination` is given).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: &ProjectQuery,
    destination: Option<App>,
) -> ApiResult<Vec<SecretSyncOut>> {
    let project = project_param(q)?;
    let (out, access) = {
        let mut conn = state.store.read().await?;
        let access = authz::project(state, &mut conn, actor, &project).await?;
        access.require(Need::Read, "read", SUBJECT)?;
        let rows = syncs::list_for_project(&mut conn, &project, destination.as_ref()).await?;
        (view::syncs_out(&mut conn, &rows).await?, access)
    };
    let event = AuditEvent::new("get-secret-syncs").org(&access.org_id).project(&project).meta(json!({
        "destination": destination, "count": out.len(), "syncIds": out.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
    }));
    record_audit(state, actor, event).await?;
    Ok(out)
}

/// Whether `name` is free for a sync in the project (the UI checks it as people type);
/// `exclude` is the sync being renamed. Needs read access to the project's syncs.
pub async fn name_available(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    name: &str,
    exclude: Option<&str>,
) -> ApiResult<bool> {
    let project = project_param(&ProjectQuery { project_id: Some(raw_project.to_string()) })?;
    let mut conn = state.store.read().await?;
    let access = authz::project(state, &mut conn, actor, &project).await?;
    access.require(Need::Read, "read", SUBJECT)?;
    Ok(match syncs::get_by_name(&mut conn, &project, name.trim()).await? {
        Some(row) => exclude == Some(row.id.as_str()),
        None => true,
    })
}
