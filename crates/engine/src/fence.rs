//! A run's fence: what it proves before each write, and inside the transaction that
//! records its outcome, that this node still holds its job.

use super::error::EngineError;
use crate::Engine;
use sluice_domain::SyncId;
use sluice_storage::jobs::{self, JobRow};
use sluice_storage::{Backend, StorageError, deploys, now_ms};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What a run proves, with one database round trip, before each write to the destination
/// or the source: that this node still holds the job with the epoch it claimed it with and
/// that its lease outlives the write (a lease that is not fresh is extended to a full
/// lease, longer than any write's timeout by the start-up check). A node that stalled past
/// its lease (a pause, a frozen VM, a partition from the database) finds another epoch
/// there and stops.
#[derive(Clone, Debug)]
pub struct Fence {
    pub job: JobRow,
    pub node: String,
}

/// How recent a lease must be for a fence to prove it with a read instead of extending it.
/// A run of a fan-out takes milliseconds: its fences are reads. It costs the write's
/// margin at most this much.
const FRESH_LEASE: std::time::Duration = std::time::Duration::from_secs(2);

/// How long a lease proven with a write ([`Fence::owing`]) stands for the next write's
/// check: the proof asks the lease to run this much longer than a check would, so a write
/// made within it is as covered as one checked right before.
pub const PROOF_LIFE: std::time::Duration = std::time::Duration::from_secs(1);

impl Fence {
    /// Checks and extends the lease; `Err(LeaseLost)` when the job is no longer ours.
    pub async fn check(&self, engine: &Engine, lost: &AtomicBool) -> Result<(), EngineError> {
        if lost.load(Ordering::SeqCst) {
            return Err(EngineError::LeaseLost);
        }
        let now = now_ms();
        let until = now + engine.settings().lease.as_millis() as i64;
        let backend = engine.store().backend();
        let fresh = fresh_until(engine, now);
        let outlives = {
            let mut conn = engine.store().read().await?;
            jobs::held_until(&mut conn, &self.job, &self.node, fresh).await?
        };
        let held = outlives
            || match backend {
                Backend::Postgres => {
                    let mut conn = engine.store().read().await?;
                    jobs::fence(&mut conn, backend, &self.job, &self.node, until).await?
                }
                Backend::Sqlite => {
                    let mut tx = engine.store().write().await?;
                    let held = jobs::fence(&mut tx, backend, &self.job, &self.node, until).await?;
                    tx.commit().await.map_err(StorageError::from)?;
                    held
                }
            };
        if held {
            Ok(())
        } else {
            lost.store(true, Ordering::SeqCst);
            Err(EngineError::LeaseLost)
        }
    }

    /// Records, just before a redeploy of `service_id` is asked for, the service's newest
    /// deployment ([`deploys::requesting`]), proving the lease as [`Fence::check`] does: in
    /// the same statement while the lease taken at the claim is fresh (one round trip, not
    /// two), else with the check first.
    pub async fn requesting(
        &self,
        engine: &Engine,
        lost: &AtomicBool,
        sync: &SyncId,
        service_id: &str,
        newest: &str,
    ) -> Result<(), EngineError> {
        if lost.load(Ordering::SeqCst) {
            return Err(EngineError::LeaseLost);
        }
        // A lease the claim took less than FRESH_LEASE ago is proven in the write itself;
        // an older one (a long run) is checked and extended first, as before any write.
        if self.job.lease_until.is_some_and(|claimed| claimed >= fresh_until(engine, now_ms())) {
            let mut conn = engine.store().write_one().await?;
            // As of when the write is made, after the wait for the writer.
            let fresh = fresh_until(engine, now_ms());
            if deploys::requesting_while_held(&mut conn, sync, service_id, newest, &self.job, &self.node, fresh).await?
            {
                return Ok(());
            }
        }
        // A lease to extend, or one that is not ours any more: the whole fence decides.
        self.check(engine, lost).await?;
        let mut conn = engine.store().write_one().await?;
        deploys::requesting(&mut conn, sync, service_id, newest).await?;
        Ok(())
    }

    /// Records that `services` owe a redeploy ([`deploys::owe`]) just before the run writes
    /// their variables, proving the lease in the same statement for the write that follows
    /// at once: a lease fresh for [`PROOF_LIFE`] more than [`Fence::check`] asks, as of the
    /// instant returned (taken before the statement's clock), so that the write may go
    /// without a check of its own until [`PROOF_LIFE`] after it (`Some`). A lease that is not
    /// that fresh is checked and extended first, as before any write, and the write then
    /// checks again (`None`).
    pub async fn owing(
        &self,
        engine: &Engine,
        lost: &AtomicBool,
        sync: &SyncId,
        services: &[String],
    ) -> Result<Option<Instant>, EngineError> {
        if lost.load(Ordering::SeqCst) {
            return Err(EngineError::LeaseLost);
        }
        let proof = PROOF_LIFE.as_millis() as i64;
        if self.job.lease_until.is_some_and(|claimed| claimed >= fresh_until(engine, now_ms()) + proof) {
            let mut conn = engine.store().write_one().await?;
            // The proof's life counts from before the time it asks the lease to outlive.
            let proven_at = Instant::now();
            let fresh = fresh_until(engine, now_ms()) + proof;
            if deploys::owe_while_held(&mut conn, sync, services, &self.job, &self.node, fresh).await? {
                return Ok(Some(proven_at));
            }
        }
        self.check(engine, lost).await?;
        let mut conn = engine.store().write_one().await?;
        deploys::owe(&mut conn, sync, services).await?;
        Ok(None)
    }

    /// Whether the job is still ours, inside the transaction that records what the run did.
    pub async fn holds(&self, engine: &Engine, tx: &mut sluice_storage::Tx) -> Result<bool, StorageError> {
        jobs::holds(tx, engine.store().backend(), &self.job, &self.node).await
    }
}

/// How long the lease must still run for a fence to prove it with a read, at `now`. A
/// lease taken (at the claim, or by the heartbeat's latest renewal) less than
/// [`FRESH_LEASE`] ago passes: it still runs nearly a whole lease, as long as the write
/// extended it would (the lease outlives the write's timeout by the margin the settings
/// keep for its pacing and resends), and never less than the write's timeout. An older one
/// is extended.
fn fresh_until(engine: &Engine, now: i64) -> i64 {
    let until = now + engine.settings().lease.as_millis() as i64;
    let write_ends_by = now + engine.settings().railway_mutation_timeout.as_millis() as i64;
    (until - FRESH_LEASE.as_millis() as i64).max(write_ends_by)
}

/// Whether a run with `fence` may record its outcome in `tx` (runs without one always may).
pub async fn may_record(
    engine: &Engine,
    fence: Option<&Fence>,
    tx: &mut sluice_storage::Tx,
) -> Result<bool, StorageError> {
    match fence {
        Some(f) => f.holds(engine, tx).await,
        None => Ok(true),
    }
}
