//! What keeps a sync right unattended, as the API offers it: drift checks on demand and
//! the latest report, confirming a plan the mass-deletion guard held, the keys the sync
//! owns at its destination, and removing the ones its configuration no longer manages
//! (orphans). The work itself is the engine's (`sluice_engine::drift`, `ledger`, the
//! guard in `kinds::sync`).

use super::service::{self, load, require_source};
use super::view;
use crate::auth::Actor;
use crate::auth::authz::Need;
use crate::error::{ApiError, ApiResult};
use crate::features::connections::service::record_audit;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::syncs::{
    DriftCountsOut, DriftEntryOut, DriftOut, OwnedKeyOut, OwnedKeysResponse, QueuedJobResponse,
};
use sluice_api_types::{iso, iso_opt};
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{JobKind, KeyDrift, SyncStatus, Trigger};
use sluice_engine::drift::{self, StoredEntry};
use sluice_engine::queue::{self, JobActor, JobPayload};
use sluice_storage::{StorageError, drift as drift_rows, environments, ledger, syncs};

/// `check-drift`: queues a drift check (one read of the destination), or returns the one
/// already queued.
pub async fn check_drift(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<QueuedJobResponse> {
    let id = service::sync_id(raw_id)?;
    let mut tx = state.store.write().await?;
    let (row, _) = load(state, &mut tx, actor, &id, Need::Write, "check-drift").await?;
    require_source(&row)?;
    if row.trust.ledger_since.is_none() {
        return Err(ApiError::bad_request(
            "Nothing to compare yet: this sync has not written to Railway. Run a sync first.",
        ));
    }
    let payload = JobPayload::new(Trigger::Manual, JobActor::from(actor));
    let job = drift::enqueue_check(&mut tx, &state.engine, &row, &payload).await?;
    let stored = syncs::get(&mut tx, &id).await?.ok_or_else(|| service::not_found(&id))?;
    let out = view::sync_out(&mut tx, &stored).await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.engine.wake();
    state.notify_sync_changed(&id);
    Ok(QueuedJobResponse { job_id: job.to_string(), secret_sync: out })
}

/// `drift`: the latest drift report, or none before the first check.
pub async fn drift(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<Option<DriftOut>> {
    let id = service::sync_id(raw_id)?;
    let mut conn = state.store.read().await?;
    let (row, _) = load(state, &mut conn, actor, &id, Need::Read, "read").await?;
    let Some(report) = drift_rows::latest(&mut conn, &id).await? else { return Ok(None) };
    let entries: Vec<StoredEntry> = serde_json::from_str(&report.entries).unwrap_or_default();
    let mut counts = DriftCountsOut::default();
    for e in &entries {
        let n = match e.state {
            KeyDrift::InSync => &mut counts.in_sync,
            KeyDrift::ChangedAtDestination => &mut counts.changed_at_destination,
            KeyDrift::DeletedAtDestination => &mut counts.deleted_at_destination,
            KeyDrift::AddedAtDestination => &mut counts.added_at_destination,
            KeyDrift::Sealed => &mut counts.sealed,
        };
        *n += 1;
    }
    Ok(Some(DriftOut {
        sync_id: id.to_string(),
        status: report.status.as_str().to_string(),
        checked_at: iso(report.checked_at),
        job_id: report.job_id.map(|j| j.to_string()),
        policy: row.sync_options.drift_policy.as_str().to_string(),
        counts,
        entries: entries
            .into_iter()
            .map(|e| DriftEntryOut { key: e.key, state: e.state.as_str().to_string() })
            .collect(),
    }))
}

/// `confirm-plan`: releases a run the mass-deletion guard held, for exactly the plan
/// confirmed: a sync is queued, and it goes ahead only if its plan still has that
/// fingerprint (otherwise it is held again, on the new plan).
pub async fn confirm_plan(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    plan_hash: Option<&str>,
) -> ApiResult<QueuedJobResponse> {
    let id = service::sync_id(raw_id)?;
    let hash = plan_hash.map(str::trim).filter(|h| !h.is_empty()).ok_or_else(|| {
        ApiError::invalid("body.planHash", "planHash is required: the heldPlanHash of the sync being confirmed")
    })?;
    let mut tx = state.store.write().await?;
    let (row, access) = load(state, &mut tx, actor, &id, Need::Write, "confirm-plan").await?;
    require_source(&row)?;
    if row.sync_status != Some(SyncStatus::Held) {
        return Err(ApiError::bad_request(format!(
            "Secret sync \"{}\" has no held plan to confirm (its status is {})",
            row.name,
            row.sync_status.map_or("not synced yet", |s| s.as_str())
        )));
    }
    if !syncs::confirm_plan(&mut tx, &id, hash).await? {
        return Err(ApiError::bad_request(format!(
            "The plan changed: the held plan of \"{}\" is {}, not {hash}. Review the new plan and confirm it.",
            row.name,
            row.trust.held_plan_hash.as_deref().unwrap_or("none")
        )));
    }
    let payload = JobPayload::new(Trigger::Manual, JobActor::from(actor));
    let job = queue::enqueue(&mut tx, &state.engine, &row, JobKind::Sync, &payload).await?;
    let event = AuditEvent::new("secret-sync-confirm-plan")
        .org(&access.org_id)
        .project(&access.project_id)
        .target("secret-sync", row.id.clone())
        .meta(json!({"syncId": row.id, "syncName": row.name, "planHash": hash, "jobId": job.job_id()}));
    audit::record(&mut tx, actor, event).await?;
    let stored = syncs::get(&mut tx, &id).await?.ok_or_else(|| service::not_found(&id))?;
    let out = view::sync_out(&mut tx, &stored).await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.engine.wake();
    state.notify_sync_changed(&id);
    Ok(QueuedJobResponse { job_id: job.job_id().to_string(), secret_sync: out })
}

/// `remove-orphans`: queues deleting the keys the sync wrote that its configuration no
/// longer manages.
pub async fn remove_orphans(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
) -> ApiResult<(QueuedJobResponse, Vec<String>)> {
    let id = service::sync_id(raw_id)?;
    let mut tx = state.store.write().await?;
    let (row, _) = load(state, &mut tx, actor, &id, Need::Write, "remove-secrets").await?;
    require_source(&row)?;
    let orphans = view::orphans(&mut tx, &row).await?;
    if orphans.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Secret sync \"{}\" has no orphaned keys: every key it wrote is managed by its configuration",
            row.name
        )));
    }
    let mut payload = JobPayload::new(Trigger::Manual, JobActor::from(actor));
    payload.orphans_only = true;
    let job = queue::enqueue(&mut tx, &state.engine, &row, JobKind::Remove, &payload).await?;
    let stored = syncs::get(&mut tx, &id).await?.ok_or_else(|| service::not_found(&id))?;
    let out = view::sync_out_full(&mut tx, &stored).await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.engine.wake();
    state.notify_sync_changed(&id);
    Ok((QueuedJobResponse { job_id: job.job_id().to_string(), secret_sync: out }, orphans))
}

/// `keys`: the destination keys the sync owns (names and when it wrote them).
pub async fn owned_keys(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<OwnedKeysResponse> {
    let id = service::sync_id(raw_id)?;
    let (row, rows, slug) = {
        let mut conn = state.store.read().await?;
        let (row, access) = load(state, &mut conn, actor, &id, Need::Read, "read").await?;
        let rows = ledger::list(&mut conn, &id).await?;
        let slug = match &row.environment_id {
            Some(e) => environments::get(&mut conn, e).await?.map(|e| e.slug).unwrap_or_default(),
            None => String::new(),
        };
        let event = AuditEvent::new("get-secret-sync-keys")
            .org(&access.org_id)
            .project(&access.project_id)
            .target("secret-sync", row.id.clone())
            .meta(json!({"syncId": row.id}));
        drop(conn);
        record_audit(state, actor, event).await?;
        (row, rows, slug)
    };
    let matcher = row.sync_options.matcher(&slug);
    Ok(OwnedKeysResponse {
        ledger_since: iso_opt(row.trust.ledger_since),
        keys: rows
            .into_iter()
            .map(|r| OwnedKeyOut { managed: matcher.matches(&r.key), key: r.key, written_at: iso(r.written_at) })
            .collect(),
    })
}
