//! Keeping each sync's ownership ledger (`sluice_domain::ledger` decides, this stores):
//! loading it for the planner, and recording after a run what the sync now owns, with a
//! keyed digest of each value it knows is there (`sluice_crypto::digest`; never a value).
//! A sync run's [`Recording`] is written in the transaction that records the run's outcome
//! (one write transaction per run less: on SQLite each waits for the single writer); it
//! keeps the drift report up to date with what the run left at the destination, and
//! schedules the first drift check of a ledger that just started.

use crate::Engine;
use crate::drift;
use crate::error::EngineError;
use crate::fence::{Fence, may_record};
use crate::spec::SyncSpec;
use sluice_domain::drift::{DriftReport, Ledger};
use sluice_domain::ledger::{self, Claim};
use sluice_domain::planner::{self, Observed};
use sluice_domain::{DriftStatus, ImportBehavior, JobId, KeyRules, SyncId, SyncPlan};
use sluice_storage::syncs::SyncRow;
use sluice_storage::{Conn, StorageError, drift as drift_rows, ledger as rows};
use std::collections::{BTreeMap, BTreeSet};

/// The sync's ledger, or `None` when this run is the one that starts it.
pub async fn load(engine: &Engine, row: &SyncRow) -> Result<Option<Ledger>, EngineError> {
    if row.trust.ledger_since.is_none() {
        return Ok(None);
    }
    let mut conn = engine.store().read().await?;
    Ok(Some(rows::digests(&mut conn, &row.id).await?))
}

/// The sync's ledger from the keys its run read before planning (`None` when it has none
/// yet).
pub fn from_keys(row: &SyncRow, keys: &[rows::LedgerRow]) -> Option<Ledger> {
    row.trust.ledger_since.is_some().then(|| keys.iter().map(|k| (k.key.clone(), k.digest.clone())).collect())
}

/// The keys of a ledger, as the planner takes them.
pub fn keys(ledger: Option<&Ledger>) -> Option<BTreeSet<String>> {
    ledger.map(|l| l.keys().cloned().collect())
}

/// What the run that starts a ledger claims: a first sync that imported with the
/// destination's values winning claims only what it writes.
pub fn claim(spec: &SyncSpec) -> Claim {
    if spec.first_sync
        && spec.options.initial_sync_behavior.import_behavior() == Some(ImportBehavior::PrioritizeDestination)
    {
        Claim::Written
    } else {
        Claim::Managed
    }
}

/// What a sync run wrote: its plan, executed against the destination as it read it, and
/// the ledger it planned with (`None` when this run starts it).
#[derive(Debug)]
pub struct Landed<'a> {
    pub job: &'a JobId,
    pub plan: &'a SyncPlan,
    pub observed: &'a Observed,
    pub ledger: Option<&'a Ledger>,
}

/// What a sync run leaves for its ledger: the keys it wrote (with their digests) and gave
/// up, the drift report of the destination as it left it, and the first scheduled check.
/// Written by [`Recording::write`] in the transaction that records the run's outcome, so
/// a run that lost its job records neither.
#[derive(Debug)]
pub struct Recording {
    written: BTreeMap<String, Option<String>>,
    removed: Vec<String>,
    /// The ledger existed before this run.
    started: bool,
    drift: Option<(JobId, DriftReport)>,
    /// The ledger's first scheduled drift check, to set (itself `None` when checks are off).
    first_check: Option<Option<i64>>,
}

impl Recording {
    /// Writes the ledger's changes, the drift report and the first scheduled check; returns
    /// the report's status, which the caller sets on the sync's row (in the update of the
    /// row that records the outcome, or with [`drift_rows::mark`]).
    #[must_use = "the drift status is the caller's to set on the sync's row"]
    pub async fn write(&self, tx: &mut Conn, sync: &SyncId) -> Result<Option<DriftStatus>, StorageError> {
        rows::record(tx, sync, &self.written, &self.removed, self.started).await?;
        let status = match &self.drift {
            Some((job, report)) => Some(drift::save_report(tx, sync, Some(job), report).await?),
            None => None,
        };
        if let Some(first) = self.first_check {
            drift_rows::schedule(tx, sync, first).await?;
        }
        Ok(status)
    }
}

/// What a sync run left at the destination: the ledger's changes, and the drift report of
/// the destination as the run left it.
pub async fn after_sync(
    engine: &Engine,
    spec: &SyncSpec,
    row: &SyncRow,
    landed: Landed<'_>,
    keys: &dyn KeyRules,
) -> Result<Recording, EngineError> {
    let Landed { job, plan, observed, ledger } = landed;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let update = ledger::after_sync(plan, observed, ledger, claim(spec), &matcher);
    let digest_key = {
        let mut conn = engine.store().read().await?;
        engine.core().keys().digest_key(&mut conn, &spec.project_id).await?
    };
    let written: BTreeMap<String, Option<String>> =
        update.write.iter().map(|(k, v)| (k.clone(), Some(digest_key.digest(k, v.expose().as_bytes())))).collect();
    let mut now_owned = ledger.cloned().unwrap_or_default();
    now_owned.extend(written.clone());
    for k in &update.remove {
        now_owned.remove(k);
    }
    let after = planner::apply(observed, plan);
    let report = drift::report(&now_owned, &after, spec, keys, &digest_key);
    let first_check = row.trust.next_drift_at.is_none().then(|| {
        drift::next_check_at(sluice_storage::now_ms(), spec.options.drift_check_interval_minutes, rand::random())
    });
    Ok(Recording {
        written,
        removed: update.remove,
        started: row.trust.ledger_since.is_some(),
        drift: Some((job.clone(), report)),
        first_check,
    })
}

/// What a run that failed during its writes may have written (its creates and updates),
/// so a key it created is never left behind as someone else's.
pub async fn after_attempt(
    engine: &Engine,
    spec: &SyncSpec,
    row: &SyncRow,
    plan: &SyncPlan,
) -> Result<Option<Recording>, EngineError> {
    if plan.upserts().is_empty() {
        return Ok(None);
    }
    let digest_key = {
        let mut conn = engine.store().read().await?;
        engine.core().keys().digest_key(&mut conn, &spec.project_id).await?
    };
    let written: BTreeMap<String, Option<String>> =
        plan.upserts().iter().map(|(k, v)| (k.clone(), Some(digest_key.digest(k, v.expose().as_bytes())))).collect();
    Ok(Some(Recording {
        written,
        removed: Vec::new(),
        started: row.trust.ledger_since.is_some(),
        drift: None,
        first_check: None,
    }))
}

/// Records that a removal deleted `removed`: they are no longer the sync's.
pub async fn record_removal(
    engine: &Engine,
    row: &SyncRow,
    removed: &[String],
    fence: Option<&Fence>,
) -> Result<(), EngineError> {
    if row.trust.ledger_since.is_none() || removed.is_empty() {
        return Ok(());
    }
    let mut tx = engine.store().write().await?;
    if !may_record(engine, fence, &mut tx).await? {
        return Err(EngineError::LeaseLost);
    }
    rows::record(&mut tx, &row.id, &BTreeMap::new(), removed, true).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(())
}
