//! Keeping each sync's ownership ledger (`sluice_domain::ledger` decides, this stores):
//! loading it for the planner, and recording after a run what the sync now owns, with a
//! keyed digest of each value it knows is there (`sluice_crypto::digest`; never a value).
//! The same transaction keeps the drift report up to date with what the run left at the
//! destination, and schedules the first drift check of a ledger that just started.

use crate::Engine;
use crate::drift;
use crate::error::EngineError;
use crate::run::{Fence, may_record};
use crate::spec::SyncSpec;
use sluice_domain::drift::Ledger;
use sluice_domain::ledger::{self, Claim};
use sluice_domain::planner::{self, Observed};
use sluice_domain::{ImportBehavior, JobId, KeyRules, SyncPlan};
use sluice_storage::syncs::SyncRow;
use sluice_storage::{StorageError, drift as drift_rows, ledger as rows};
use std::collections::{BTreeMap, BTreeSet};

/// The sync's ledger, or `None` when this run is the one that starts it.
pub async fn load(engine: &Engine, row: &SyncRow) -> Result<Option<Ledger>, EngineError> {
    if row.trust.ledger_since.is_none() {
        return Ok(None);
    }
    let mut conn = engine.store().read().await?;
    Ok(Some(rows::digests(&mut conn, &row.id).await?))
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
    /// The run's fence: a run that lost its job records nothing.
    pub fence: Option<&'a Fence>,
}

/// Records what a sync run left at the destination: the ledger's changes, and the drift
/// report of the destination as the run left it.
pub async fn record_sync(
    engine: &Engine,
    spec: &SyncSpec,
    row: &SyncRow,
    landed: Landed<'_>,
    keys: &dyn KeyRules,
) -> Result<(), EngineError> {
    let Landed { job, plan, observed, ledger, fence } = landed;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let update = ledger::after_sync(plan, observed, ledger, claim(spec), &matcher);
    let mut tx = engine.store().write().await?;
    if !may_record(engine, fence, &mut tx).await? {
        return Err(EngineError::LeaseLost);
    }
    let digest_key = engine.core().keys().digest_key(&mut tx, &spec.project_id).await?;
    let written: BTreeMap<String, Option<String>> =
        update.write.iter().map(|(k, v)| (k.clone(), Some(digest_key.digest(k, v.expose().as_bytes())))).collect();
    rows::record(&mut tx, &row.id, &written, &update.remove, row.trust.ledger_since.is_some()).await?;

    let mut now_owned = ledger.cloned().unwrap_or_default();
    now_owned.extend(written);
    for k in &update.remove {
        now_owned.remove(k);
    }
    let after = planner::apply(observed, plan);
    let report = drift::report(&now_owned, &after, spec, keys, &digest_key);
    drift::save(&mut tx, &row.id, Some(job), &report).await?;
    if row.trust.next_drift_at.is_none() {
        let next =
            drift::next_check_at(sluice_storage::now_ms(), spec.options.drift_check_interval_minutes, rand::random());
        drift_rows::schedule(&mut tx, &row.id, next).await?;
    }
    tx.commit().await.map_err(StorageError::from)?;
    Ok(())
}

/// Records what a run that failed during its writes may have written (its creates and
/// updates), so a key it created is never left behind as someone else's.
pub async fn record_attempt(
    engine: &Engine,
    spec: &SyncSpec,
    row: &SyncRow,
    plan: &SyncPlan,
    fence: Option<&Fence>,
) -> Result<(), EngineError> {
    if plan.upserts().is_empty() {
        return Ok(());
    }
    let mut tx = engine.store().write().await?;
    if !may_record(engine, fence, &mut tx).await? {
        return Err(EngineError::LeaseLost);
    }
    let digest_key = engine.core().keys().digest_key(&mut tx, &spec.project_id).await?;
    let written: BTreeMap<String, Option<String>> =
        plan.upserts().iter().map(|(k, v)| (k.clone(), Some(digest_key.digest(k, v.expose().as_bytes())))).collect();
    rows::record(&mut tx, &row.id, &written, &[], row.trust.ledger_since.is_some()).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(())
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
