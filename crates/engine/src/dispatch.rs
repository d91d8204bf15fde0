//! The dispatcher: turns committed secret changes into sync jobs. A change in a folder
//! queues every auto-syncing sync whose source is that folder or depends on it (imports
//! it, or references a secret in it, transitively — recorded at each run). Events are
//! claimed and marked dispatched in the same transaction that queues the jobs, so a
//! change is never lost and never dispatched twice, on one node or several.

use super::queue::{self, JobActor, JobPayload};
use crate::Engine;
use sluice_domain::{JobKind, SyncId, Trigger};
use sluice_storage::jobs::{self, NewJob};
use sluice_storage::{StorageError, dispatch, now_ms, syncs};
use std::collections::BTreeSet;

/// Dispatches one batch of pending changes; returns how many events it handled.
pub async fn dispatch_once(engine: &Engine) -> Result<usize, StorageError> {
    let mut tx = engine.store().write().await?;
    let events = dispatch::pending(&mut tx, engine.store().backend(), 200).await?;
    if events.is_empty() {
        return Ok(0);
    }
    let payload = serde_json::to_string(&JobPayload::new(Trigger::SecretChange, JobActor::platform()))
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let run_at = now_ms() + engine.settings().coalesce_delay.as_millis() as i64;
    let mut queued = BTreeSet::new();
    let mut new_jobs = Vec::new();
    for ev in &events {
        let affected = syncs::affected_by(&mut tx, &ev.folder_id, &ev.environment_id, &ev.path).await?;
        for sync in affected {
            if queued.insert(sync.id.clone()) {
                new_jobs.push(NewJob {
                    kind: JobKind::Sync,
                    sync_id: sync.id,
                    connection_id: sync.connection_id,
                    payload: payload.clone(),
                    max_attempts: queue::max_attempts(JobKind::Sync),
                    run_at,
                });
            }
        }
    }
    jobs::enqueue_syncs(&mut tx, &new_jobs).await?;
    let ids: Vec<SyncId> = queued.into_iter().collect();
    syncs::set_sync_pending(&mut tx, &ids).await?;
    dispatch::mark_dispatched(&mut tx, &events.iter().map(|e| e.id).collect::<Vec<_>>()).await?;
    if !ids.is_empty()
        && let Some(sql) = sluice_storage::dialect::notify_sql(engine.store().backend())
    {
        sqlx::query(sql).bind("job").execute(&mut *tx).await?;
    }
    tx.commit().await?;
    for id in &ids {
        engine.notify_sync_changed(id);
    }
    if !ids.is_empty() {
        engine.wake();
    }
    Ok(events.len())
}

/// Dispatches until no change is pending.
pub async fn dispatch_all(engine: &Engine) -> Result<usize, StorageError> {
    let mut total = 0;
    loop {
        let n = dispatch_once(engine).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}
