//! Drift checks: one read of the destination (through the per-token scheduler, like any
//! read), compared with what the sync last wrote (its ledger's keyed digests) by the pure
//! `sluice_domain::drift::check`. The report (key names and states, never values) is kept
//! as the sync's latest; then the sync's `driftPolicy` says what happens: `report` writes
//! nothing, `heal` queues a sync that puts Sluice's values back, `adopt` takes the
//! destination's changed and added values into the source as a change made by the sync
//! (a key deleted at the destination is not deleted from Sluice: it is reported, and the
//! next sync writes it again).
//!
//! Checks run on demand (a `drift` job) and on a schedule: each sync with a ledger has a
//! next check time (its interval, ±10 % jitter so a thousand syncs do not read Railway in
//! the same second); [`schedule_due`] queues the due ones, and postpones the checks of a
//! connection whose token Railway is rate-limiting until its pause is over.

use super::queue::{self, JobActor, JobPayload};
use super::run::RunContext;
use super::spec::SyncSpec;
use crate::Engine;
use crate::error::EngineError;
use serde::Serialize;
use sluice_core::credentials;
use sluice_core::keys::DigestKey;
use sluice_destinations::railway::pace_key;
use sluice_domain::drift::{self as pure, DriftReport, Ledger};
use sluice_domain::import::plan_import;
use sluice_domain::planner::Observed;
use sluice_domain::{
    ConnectionId, DriftPolicy, DriftStatus, EventType, ImportBehavior, JobId, JobKind, KeyDrift, KeyRules, SyncId,
    Trigger,
};
use sluice_storage::jobs::JobRow;
use sluice_storage::syncs::SyncRow;
use sluice_storage::{Conn, StorageError, connections, drift as rows, jobs, ledger, now_ms, paces};
use std::collections::{BTreeMap, HashMap};

/// One key of a stored report.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StoredEntry {
    pub key: String,
    pub state: KeyDrift,
}

/// The report of `ledger` against what the destination holds (`observed`).
pub fn report(
    ledger: &Ledger,
    observed: &Observed,
    spec: &SyncSpec,
    keys: &dyn KeyRules,
    dk: &DigestKey,
) -> DriftReport {
    let matcher = spec.options.matcher(&spec.environment.slug);
    let matches = |key: &str, value: &sluice_domain::SecretValue, digest: &str| {
        dk.matches(key, value.expose().as_bytes(), digest)
    };
    pure::check(ledger, observed, &matcher, keys, spec.options.delete_only_owned, &matches)
}

/// Keeps `report` as the sync's latest.
pub async fn save(
    conn: &mut Conn,
    sync: &SyncId,
    job: Option<&JobId>,
    report: &DriftReport,
) -> Result<(), StorageError> {
    let status = save_report(conn, sync, job, report).await?;
    rows::mark(conn, sync, status).await
}

/// Keeps `report` as the sync's latest and returns its status, for the caller to set on
/// the sync's row with the update it makes anyway ([`sluice_storage::syncs::finish`]) or
/// with [`rows::mark`].
pub async fn save_report(
    conn: &mut Conn,
    sync: &SyncId,
    job: Option<&JobId>,
    report: &DriftReport,
) -> Result<DriftStatus, StorageError> {
    let entries: Vec<StoredEntry> =
        report.entries.iter().map(|e| StoredEntry { key: e.key.clone(), state: e.state }).collect();
    let json = serde_json::to_string(&entries).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let status = report.status();
    rows::save_report(conn, sync, job, status, &json).await?;
    Ok(status)
}

/// When the next scheduled check is due after `now`: the interval ±10 % (`jitter` in
/// 0..1); `None` when scheduled checks are off.
pub fn next_check_at(now: i64, minutes: u32, jitter: f64) -> Option<i64> {
    if minutes == 0 {
        return None;
    }
    let base = f64::from(minutes) * 60_000.0;
    Some(now + (base * (0.9 + 0.2 * jitter.clamp(0.0, 1.0))) as i64)
}

/// A summary for the run record, e.g. "drifted: 1 changed at the destination, 1 deleted".
fn summary(report: &DriftReport) -> String {
    let parts: Vec<String> = [
        (KeyDrift::ChangedAtDestination, "changed at the destination"),
        (KeyDrift::DeletedAtDestination, "deleted at the destination"),
        (KeyDrift::AddedAtDestination, "added at the destination"),
        (KeyDrift::Sealed, "sealed (cannot be compared)"),
        (KeyDrift::InSync, "in sync"),
    ]
    .iter()
    .filter_map(|(state, words)| {
        let n = report.count(*state);
        (n > 0).then(|| format!("{n} {words}"))
    })
    .collect();
    let status = match report.status() {
        DriftStatus::Drifted => "Drifted",
        DriftStatus::InSync => "In sync",
    };
    if parts.is_empty() { format!("{status}: nothing to compare") } else { format!("{status}: {}", parts.join(", ")) }
}

/// The drift check job: read once, compare, keep the report, act by the sync's policy.
pub async fn check(
    engine: &Engine,
    row: &SyncRow,
    job: &JobId,
    payload: &JobPayload,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    let spec = {
        let mut conn = engine.store().read().await?;
        SyncSpec::load(engine.core(), &mut conn, row, ctx.connection.take()).await?
    };
    if row.trust.ledger_since.is_none() {
        if payload.repair {
            // Nothing recorded to compare with: a sync puts the source's values in place.
            let mut tx = engine.store().write().await?;
            queue::enqueue(
                &mut tx,
                engine,
                row,
                JobKind::Sync,
                &JobPayload::new(Trigger::Repair, payload.actor.clone()),
            )
            .await?;
            tx.commit().await.map_err(StorageError::from)?;
            engine.wake();
            ctx.deploys.notes.push("Repair after a takeover: queued a sync (nothing recorded to compare with)".into());
            return Ok(());
        }
        return Err(EngineError::Source(
            "Nothing to compare yet: the sync has not written to the destination. Run a sync first.".to_string(),
        ));
    }
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let keys = destination.key_rules();
    let (owned, dk) = {
        let mut conn = engine.store().read().await?;
        let owned = ledger::digests(&mut conn, &row.id).await?;
        (owned, engine.core().keys().digest_key(&mut conn, &spec.project_id).await?)
    };
    let found = report(&owned, &observed, &spec, keys, &dk);
    ctx.deploys.notes.push(summary(&found));
    let drifted = found.status() == DriftStatus::Drifted;

    let mut final_report = found.clone();
    if drifted && spec.options.drift_policy == DriftPolicy::Adopt && !payload.repair {
        let taken: Observed = found
            .entries
            .iter()
            .filter(|e| matches!(e.state, KeyDrift::ChangedAtDestination | KeyDrift::AddedAtDestination))
            .filter_map(|e| observed.get(&e.key).map(|v| (e.key.clone(), v.clone())))
            .collect();
        if !taken.is_empty() {
            // After Railway's read: the counter is read again.
            let source = super::source::load(engine, &spec, None).await?;
            let matcher = spec.options.matcher(&spec.environment.slug);
            let import = plan_import(&taken, &matcher, keys, &source.own, ImportBehavior::PrioritizeDestination)
                .map_err(|e| EngineError::Source(e.to_string()))?;
            ctx.check_lease(engine).await?;
            super::source::write_import(engine, &spec, &import).await?;
            ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
            let adopted: BTreeMap<String, Option<String>> = taken
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), Some(dk.digest(k, v.expose().as_bytes())))))
                .collect();
            let mut tx = engine.store().write().await?;
            if !super::fence::may_record(engine, ctx.fence.as_ref(), &mut tx).await? {
                return Err(EngineError::LeaseLost);
            }
            ledger::record(&mut tx, &row.id, &adopted, &[], row.trust.ledger_since.is_some()).await?;
            tx.commit().await.map_err(StorageError::from)?;
            let mut now_owned = owned.clone();
            now_owned.extend(adopted);
            final_report = report(&now_owned, &observed, &spec, keys, &dk);
            ctx.deploys.notes.push(format!(
                "Adopted {} destination value(s) into Sluice; {} key(s) deleted at the destination are not deleted \
                 from Sluice (the next sync writes them again)",
                taken.len(),
                found.count(KeyDrift::DeletedAtDestination)
            ));
        }
    }

    let mut tx = engine.store().write().await?;
    if !super::fence::may_record(engine, ctx.fence.as_ref(), &mut tx).await? {
        return Err(EngineError::LeaseLost);
    }
    save(&mut tx, &row.id, Some(job), &final_report).await?;
    if drifted && row.trust.drift_status != Some(DriftStatus::Drifted) {
        // Told once when the sync drifts, not at every scheduled check while it stays so.
        let names = |state| found.keys(state).take(50).map(str::to_string).collect::<Vec<_>>();
        let extra = serde_json::json!({
            "jobId": job, "policy": spec.options.drift_policy,
            "changedCount": found.count(KeyDrift::ChangedAtDestination),
            "deletedCount": found.count(KeyDrift::DeletedAtDestination),
            "addedCount": found.count(KeyDrift::AddedAtDestination),
            "changedKeys": names(KeyDrift::ChangedAtDestination),
            "deletedKeys": names(KeyDrift::DeletedAtDestination),
            "addedKeys": names(KeyDrift::AddedAtDestination),
        });
        super::events::emit(&mut tx, row, EventType::SyncDrifted, extra).await?;
    }
    let next = next_check_at(now_ms(), spec.options.drift_check_interval_minutes, rand::random());
    rows::schedule(&mut tx, &row.id, next).await?;
    let healing = drifted && (spec.options.drift_policy == DriftPolicy::Heal || payload.repair);
    if healing {
        let heal = JobPayload::new(Trigger::Drift, payload.actor.clone());
        queue::enqueue(&mut tx, engine, row, JobKind::Sync, &heal).await?;
        ctx.deploys.notes.push(if payload.repair {
            format!(
                "Repair after a takeover from {}: queued a sync to put Sluice's values back",
                payload.repair_of.as_deref().unwrap_or("another node")
            )
        } else {
            "Queued a sync to put Sluice's values back (drift policy: heal)".to_string()
        });
    }
    tx.commit().await.map_err(StorageError::from)?;
    if healing {
        engine.wake();
    }
    Ok(())
}

/// Schedules the repair of a sync taken over from `previous` (whose lease ran out): a drift
/// check at `at`, after the previous holder's last possible write, that heals whatever
/// differs from what the sync last wrote (whatever the sync's drift policy), or, for a sync
/// with no ledger yet, a sync. Railway has no conditional writes, so a write already in
/// flight from a stalled node cannot be stopped; it can be undone.
pub async fn schedule_repair(conn: &mut Conn, job: &JobRow, previous: &str, at: i64) -> Result<(), StorageError> {
    let mut payload = JobPayload::new(Trigger::Repair, JobActor::platform());
    payload.repair = true;
    payload.repair_of = Some(previous.to_string());
    let new = jobs::NewJob {
        kind: JobKind::Drift,
        sync_id: job.sync_id.clone(),
        connection_id: job.connection_id.clone(),
        payload: serde_json::to_string(&payload).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        max_attempts: 3,
        run_at: at,
    };
    jobs::enqueue(conn, &new).await?;
    Ok(())
}

/// Queues a drift check of `sync` unless one is already queued or running; returns the job.
pub async fn enqueue_check(
    conn: &mut Conn,
    engine: &Engine,
    row: &SyncRow,
    payload: &JobPayload,
) -> Result<JobId, EngineError> {
    if let Some(active) = jobs::active_for_sync(conn, &row.id).await?.into_iter().find(|j| j.kind == JobKind::Drift) {
        return Ok(active.id);
    }
    Ok(queue::enqueue(conn, engine, row, JobKind::Drift, payload).await?.job_id().clone())
}

/// When the token of a connection may be used again, if Railway is rate-limiting it.
pub(crate) async fn paused_until(
    engine: &Engine,
    conn: &mut Conn,
    connection: &ConnectionId,
    now: i64,
) -> Result<Option<i64>, EngineError> {
    let Some(row) = connections::get(conn, connection).await? else { return Ok(None) };
    let Ok(opened) = credentials::open(engine.core().keys(), &row) else { return Ok(None) };
    let Some(pace) = paces::get(conn, &pace_key(&opened.api_token)).await? else { return Ok(None) };
    let budget_spent = pace.remaining == Some(0) && pace.reset_at.is_some_and(|at| at > now);
    let until = if budget_spent { pace.reset_at.unwrap_or(now).max(pace.paused_until) } else { pace.paused_until };
    Ok((until > now).then_some(until))
}

/// Sets the next scheduled check of a sync whose interval is now `minutes` (none for 0),
/// counted from now: when its options change.
pub async fn reschedule(conn: &mut Conn, sync: &SyncId, minutes: u32) -> Result<(), StorageError> {
    rows::schedule(conn, sync, next_check_at(now_ms(), minutes, rand::random())).await
}

/// Queues the scheduled drift checks due at `now`. A connection Railway is rate-limiting
/// has its checks moved past the pause. Returns how many checks were queued. (A sync's
/// first check is scheduled when its ledger starts, and again whenever its interval
/// changes or a check ends.)
pub async fn schedule_due(engine: &Engine, now: i64) -> Result<usize, EngineError> {
    let mut tx = engine.store().write().await?;
    let mut due = rows::due(&mut tx, now, 500).await?;
    // Their rows are written in the order of their ids, the order every writer of many
    // syncs' rows locks them in (`jobs::enqueue_syncs`), so that none waits in a cycle.
    due.sort_by(|a, b| a.id.cmp(&b.id));
    let mut paused: HashMap<ConnectionId, Option<i64>> = HashMap::new();
    let mut queued = 0;
    let payload = JobPayload::new(Trigger::Schedule, JobActor::platform());
    for sync in due {
        let pause = match paused.get(&sync.connection_id) {
            Some(p) => *p,
            None => {
                let p = paused_until(engine, &mut tx, &sync.connection_id, now).await?;
                paused.insert(sync.connection_id.clone(), p);
                p
            }
        };
        if let Some(until) = pause {
            let later = until + (rand::random::<f64>() * 60_000.0) as i64;
            rows::schedule(&mut tx, &sync.id, Some(later)).await?;
            continue;
        }
        let Some(row) = sluice_storage::syncs::get(&mut tx, &sync.id).await? else { continue };
        enqueue_check(&mut tx, engine, &row, &payload).await?;
        // Due again after an interval even if this check fails; one that ends reschedules.
        let next = next_check_at(now, row.sync_options.drift_check_interval_minutes, rand::random());
        rows::schedule(&mut tx, &sync.id, next).await?;
        queued += 1;
    }
    tx.commit().await.map_err(StorageError::from)?;
    if queued > 0 {
        engine.wake();
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_check_is_the_interval_with_ten_percent_jitter() {
        assert_eq!(next_check_at(1_000, 0, 0.5), None, "0 turns scheduled checks off");
        assert_eq!(next_check_at(0, 15, 0.0), Some(810_000));
        assert_eq!(next_check_at(0, 15, 0.5), Some(900_000));
        assert_eq!(next_check_at(0, 15, 1.0), Some(990_000));
        assert_eq!(next_check_at(0, 15, 7.0), Some(990_000), "jitter is clamped");
    }
}
