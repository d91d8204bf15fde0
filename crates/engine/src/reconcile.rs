//! Reconciliation: a sync that failed for good (its retries spent, say during a long
//! Railway outage) is tried again on its own, so it recovers when the destination comes
//! back instead of staying stale until someone clicks "Sync now".
//!
//! When a sync job with auto-sync on fails for good, the sync gets a reconciliation time
//! (the configured interval, default 10 minutes, ±10 % jitter so syncs that failed together
//! do not come back together; shown as the sync's next attempt). [`schedule_due`] queues a
//! sync for each due one, postponing those whose connection's token Railway is
//! rate-limiting until the pause is over, like scheduled drift checks. The queued run is an
//! ordinary sync: it reads the destination once and writes only what differs, so when the
//! failure left Railway already right the retry costs that one read. A retry that fails
//! again schedules the next one (and does not notify again: the sync was already failed).
//!
//! Healthy syncs need no reconciliation: every source change queues a sync in the same
//! transaction, and the destination side is watched by the scheduled drift checks.

use super::queue::{self, JobActor, JobPayload};
use crate::Engine;
use crate::error::EngineError;
use sluice_domain::{ConnectionId, JobKind, SyncId, Trigger};
use sluice_storage::{StorageError, syncs};
use std::collections::HashMap;
use std::time::Duration;

/// When a sync that failed at `now` is tried again: the interval ±10 % (`jitter` in 0..1);
/// `None` when reconciliation is off.
pub fn next_attempt_at(now: i64, interval: Duration, jitter: f64) -> Option<i64> {
    if interval.is_zero() {
        return None;
    }
    let base = interval.as_millis() as f64;
    Some(now + (base * (0.9 + 0.2 * jitter.clamp(0.0, 1.0))) as i64)
}

/// Whether a sync job that failed for good is tried again later: only syncs that sync on
/// their own (auto-sync on) and only for their sync lifecycle (an import or a removal is
/// something someone asked for once).
pub fn reconciles(kind: JobKind, auto_sync: bool) -> bool {
    kind == JobKind::Sync && auto_sync
}

/// Queues a sync for each failed sync whose reconciliation is due at `now`. A connection
/// Railway is rate-limiting has its syncs moved past the pause. Returns how many syncs were
/// queued.
pub async fn schedule_due(engine: &Engine, now: i64) -> Result<usize, EngineError> {
    let interval = engine.settings().reconcile_interval;
    let mut tx = engine.store().write().await?;
    let mut due = syncs::reconcile_due(&mut tx, now, 500).await?;
    // Their rows are written in the order of their ids, the order every writer of many
    // syncs' rows locks them in (`jobs::enqueue_syncs`), so that none waits in a cycle.
    due.sort_by(|a, b| a.id.cmp(&b.id));
    let mut paused: HashMap<ConnectionId, Option<i64>> = HashMap::new();
    let mut queued = 0;
    let payload = JobPayload::new(Trigger::Reconcile, JobActor::platform());
    for sync in due {
        let pause = match paused.get(&sync.connection_id) {
            Some(p) => *p,
            None => {
                let p = super::drift::paused_until(engine, &mut tx, &sync.connection_id, now).await?;
                paused.insert(sync.connection_id.clone(), p);
                p
            }
        };
        if let Some(until) = pause {
            let later = until + (rand::random::<f64>() * 60_000.0) as i64;
            syncs::set_reconcile_at(&mut tx, &sync.id, Some(later)).await?;
            continue;
        }
        let Some(row) = syncs::get(&mut tx, &sync.id).await? else { continue };
        if !reconciles(JobKind::Sync, row.is_auto_sync_enabled) || interval.is_zero() {
            // Auto-sync was switched off (or reconciliation) since it failed.
            syncs::set_reconcile_at(&mut tx, &sync.id, None).await?;
            continue;
        }
        queue::enqueue(&mut tx, engine, &row, JobKind::Sync, &payload).await?;
        queued += 1;
    }
    tx.commit().await.map_err(StorageError::from)?;
    if queued > 0 {
        engine.wake();
    }
    Ok(queued)
}

/// After a sync job failed for good: schedules its reconciliation when it has one.
pub async fn after_failure(
    conn: &mut sluice_storage::Conn,
    engine: &Engine,
    sync: &SyncId,
    kind: JobKind,
    auto_sync: bool,
    now: i64,
) -> Result<(), StorageError> {
    if !reconciles(kind, auto_sync) {
        return Ok(());
    }
    let at = next_attempt_at(now, engine.settings().reconcile_interval, rand::random());
    syncs::set_reconcile_at(conn, sync, at).await
}

/// Whether a failure is a reconciliation retry, which is only ever queued for a sync that
/// had already failed: its failure was told once, and telling it again every interval
/// would be noise.
pub fn repeats_failure(trigger: Trigger) -> bool {
    trigger == Trigger::Reconcile
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_attempt_is_the_interval_with_ten_percent_jitter() {
        let ten = Duration::from_secs(600);
        assert_eq!(next_attempt_at(1_000, Duration::ZERO, 0.5), None, "zero turns reconciliation off");
        assert_eq!(next_attempt_at(0, ten, 0.0), Some(540_000));
        assert_eq!(next_attempt_at(0, ten, 0.5), Some(600_000));
        assert_eq!(next_attempt_at(0, ten, 1.0), Some(660_000));
        assert_eq!(next_attempt_at(0, ten, -3.0), Some(540_000), "jitter is clamped");
    }

    #[test]
    fn only_auto_syncs_sync_lifecycle_is_reconciled() {
        let table = [
            (JobKind::Sync, true, true),
            (JobKind::Sync, false, false),
            (JobKind::Import, true, false),
            (JobKind::Remove, true, false),
            (JobKind::Drift, true, false),
        ];
        for (kind, auto, expected) in table {
            assert_eq!(reconciles(kind, auto), expected, "{kind:?} auto={auto}");
        }
    }

    #[test]
    fn a_reconciliation_retry_is_not_told_again() {
        assert!(repeats_failure(Trigger::Reconcile));
        assert!(!repeats_failure(Trigger::SecretChange));
        assert!(!repeats_failure(Trigger::Manual));
    }
}
