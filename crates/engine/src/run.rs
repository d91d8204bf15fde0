//! Claiming a job and running it: mark it running, keep its lease alive, do the work of its
//! kind, then record the outcome in one transaction (sync status, run record, job state,
//! audit entry, notification events), retrying later when the failure is worth retrying.
//! A worker's next claim is made in that transaction too ([`execute_and_claim`]).

use super::error::EngineError;
use super::fence::{Fence, may_record};
use super::queue::{JobActor, JobPayload};
use super::{events, kinds};
use crate::Engine;
use sluice_api_types::runs::{EntryAction, PlanCountsOut, PlanEntryOut, RailwayCallOut, RunCountsOut, RunDeploysOut};
use sluice_core::audit::{self, AuditEvent};
use sluice_destinations::CallLog;
use sluice_domain::backoff::retry_delay;
use sluice_domain::{
    EnvironmentId, EventType, FolderPath, JobId, JobKind, JobState, RetryPolicy, RunId, RunStatus, SyncId, Trigger,
};
use sluice_storage::connections::ConnectionRow;
use sluice_storage::deploys::{self, PendingDeployRow};
use sluice_storage::jobs::{self, JobRow};
use sluice_storage::runs::{self, RunRow};
use sluice_storage::syncs::{self, SyncRow};
use sluice_storage::{StorageError, Tx, now_ms};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// What a run did, filled in as it goes so that a failure still records the calls made.
#[derive(Debug)]
pub struct RunContext {
    /// The sync the run is for.
    pub sync: SyncId,
    pub calls: CallLog,
    pub plan: Vec<PlanEntryOut>,
    pub counts: PlanCountsOut,
    pub imported: Vec<String>,
    /// Keys held back for references that do not resolve.
    pub warnings: u64,
    /// Every service's deploy as the apply reported it, and notes on how it wrote.
    pub deploys: RunDeploysOut,
    pub dependencies: Option<Vec<(EnvironmentId, FolderPath)>>,
    /// Set by the heartbeat or a failed fence when this node no longer holds the job.
    pub lost: Arc<AtomicBool>,
    /// The job as claimed (its epoch) and this node: what each write proves it still holds.
    pub fence: Option<Fence>,
    /// What a sync run leaves for its ledger, written with the run's outcome.
    pub ledger: Option<crate::ledger::Recording>,
    /// The deploys the destination reported, written with the run's outcome.
    pub reported_deploys: Vec<sluice_destinations::ServiceDeploy>,
    /// The sync's connection as the claim read it, for the run's configuration to use
    /// instead of reading it again.
    pub connection: Option<ConnectionRow>,
    /// The sync's pending deploys as the run read them before it planned, for the apply's
    /// first look at them (taken by it; a later look reads them again).
    pub pending: Option<Vec<PendingDeployRow>>,
    /// The folders the sync depended on as the run read them before it planned, to be
    /// compared with those it depends on now.
    pub recorded_dependencies: Option<Vec<(EnvironmentId, FolderPath)>>,
}

impl RunContext {
    pub fn new(sync: SyncId) -> Self {
        Self {
            sync,
            calls: CallLog::default(),
            plan: Vec::new(),
            counts: PlanCountsOut::default(),
            imported: Vec::new(),
            warnings: 0,
            deploys: RunDeploysOut::default(),
            dependencies: None,
            lost: Arc::new(AtomicBool::new(false)),
            fence: None,
            ledger: None,
            reported_deploys: Vec::new(),
            connection: None,
            pending: None,
            recorded_dependencies: None,
        }
    }

    /// The calls made so far, as the run record keeps them.
    pub fn calls_out(&self) -> Vec<RailwayCallOut> {
        self.calls
            .calls()
            .iter()
            .map(|c| RailwayCallOut {
                operation: c.operation.clone(),
                key: c.key.clone(),
                ok: c.ok,
                duration_ms: c.duration_ms,
                error: c.error.clone(),
            })
            .collect()
    }

    /// Whether the run wrote to the destination or imported into the source.
    pub fn wrote(&self) -> bool {
        self.counts.create + self.counts.update + self.counts.delete > 0 || !self.imported.is_empty()
    }

    /// Call before every write to the source (the destination's writes ask through
    /// the run's hooks): the [`Fence`].
    pub async fn check_lease(&self, engine: &Engine) -> Result<(), EngineError> {
        match &self.fence {
            Some(f) => f.check(engine, &self.lost).await,
            None if self.lost.load(Ordering::SeqCst) => Err(EngineError::LeaseLost),
            None => Ok(()),
        }
    }
}

/// A finished run, as broadcast to listeners (tests, the UI's live status).
#[derive(Clone, Debug)]
pub struct RunFinished {
    pub sync_id: SyncId,
    pub job_id: JobId,
    pub kind: JobKind,
    pub status: RunStatus,
    /// Whether the run may have told the project's notification channels something (a sync
    /// run that succeeded as the one before did tells them nothing).
    pub events: bool,
}

fn payload_of(job: &JobRow) -> JobPayload {
    serde_json::from_str(&job.payload).unwrap_or_else(|_| JobPayload::new(Trigger::Manual, JobActor::platform()))
}

/// A claimed job whose run began in the claim's transaction: its sync, marked running,
/// and its run record. Without them the claim already ended the job (its sync was
/// deleted, or its stored row cannot be read).
#[derive(Debug)]
pub struct Begun {
    pub job: JobRow,
    started: Option<(SyncRow, RunRow)>,
    /// The job's connection as the claim read it, if it did (the run need not read it).
    connection: Option<ConnectionRow>,
}

/// Claims one job this node may run now and begins its run in `tx` (its own transaction,
/// or the one recording the outcome of the worker's previous run: [`execute_and_claim`]).
/// Taking over a job whose holder's lease ran out also schedules the repair of its sync for
/// after that holder's last possible write ([`super::drift::schedule_repair`]).
pub(crate) async fn claim_in(tx: &mut Tx, engine: &Engine, due_by: Option<i64>) -> Result<Option<Begun>, StorageError> {
    let settings = engine.settings();
    let claimed = jobs::claim(
        tx,
        engine.store().backend(),
        engine.node_id(),
        settings.lease.as_millis() as i64,
        settings.per_connection_limit as i64,
        due_by,
    )
    .await?;
    let Some(claimed) = claimed else { return Ok(None) };
    let mut sync = claimed.sync;
    let connection = claimed.connection;
    if let Some(takeover) = &claimed.takeover {
        let after = takeover.lease_until + settings.railway_mutation_timeout.as_millis() as i64;
        tracing::warn!(
            job_id = %claimed.job.id, sync_id = %claimed.job.sync_id, previous = %takeover.owner,
            "took over a job whose lease ran out; its sync is verified after the previous holder's last possible write"
        );
        super::drift::schedule_repair(tx, &claimed.job, &takeover.owner, after).await?;
        // The repair's enqueue may have changed the sync's row: the run reads it again.
        sync = None;
    }
    let mut begun = begin(tx, engine, claimed.job, sync).await?;
    begun.connection = connection;
    Ok(Some(begun))
}

/// Begins the run of `job` inside the transaction that claimed it (one write transaction
/// less per run: on SQLite every one waits for the single writer). `claimed` is the sync's
/// row as the claim left it, when the claim could read it.
async fn begin(tx: &mut Tx, engine: &Engine, job: JobRow, claimed: Option<SyncRow>) -> Result<Begun, StorageError> {
    let read = match claimed {
        Some(row) => Ok(Some(row)),
        None => syncs::get(tx, &job.sync_id).await,
    };
    let row = match read {
        Ok(Some(row)) => row,
        Ok(None) => {
            jobs::finish(tx, &job.id, JobState::Cancelled, Some("the sync was deleted")).await?;
            return Ok(Begun { job, started: None, connection: None });
        }
        Err(e) if e.is_undecodable() => {
            // A sync whose stored row this build cannot read fails its job once, saying
            // why, instead of leaving the job to be claimed again and again.
            let message = format!("the sync's stored configuration cannot be read: {e}");
            // The sync's row first: its update frees the lease, and the job's end then
            // has nothing to release (one update of the row in the transaction).
            syncs::finish(tx, &job.sync_id, job.kind, &job.id, false, Some(&message), None).await?;
            jobs::finish(tx, &job.id, JobState::Failed, Some(&message)).await?;
            return Ok(Begun { job, started: None, connection: None });
        }
        Err(e) => return Err(e),
    };
    let payload = payload_of(&job);
    let run = RunRow {
        id: RunId::new(),
        sync_id: row.id.clone(),
        project_id: row.project_id.clone(),
        job_id: job.id.clone(),
        kind: job.kind,
        trigger: payload.trigger,
        actor_type: payload.actor.kind,
        actor_id: payload.actor.id.clone(),
        actor_name: payload.actor.name.clone(),
        attempt: job.attempts,
        node: engine.node_id().to_string(),
        status: RunStatus::Running,
        started_at: now_ms(),
        finished_at: None,
        plan: "[]".to_string(),
        counts: json_text(&RunCountsOut::default()),
        railway_calls: "[]".to_string(),
        redeploy: None,
        error: None,
        next_attempt_at: None,
    };
    // The sync's status became `running` with its lease, in the claim.
    runs::insert(tx, &run).await?;
    Ok(Begun { job, started: Some((row, run)), connection: None })
}

/// Runs a begun job to its end. Never panics on a job's failure; storage failures while
/// recording leave the job's lease to run out, and the job is claimed again.
pub async fn execute(engine: &Engine, begun: Begun) {
    execute_chained(engine, begun, &mut Chain { stop: None, next: None }).await;
}

/// [`execute`], for a worker: its next job is claimed in the transaction that records this
/// run's outcome, unless `stop` says the node is stopping. On SQLite every write
/// transaction waits for the one writer, and a worker's claim right after its outcome was
/// one more turn in that queue per run; on PostgreSQL it was two more round trips
/// (`BEGIN`, `COMMIT`) of about 28 per run. There the claim waits for the connection's row
/// with the outcome's row locks held (the finished job's and sync's, and rows it inserted):
/// a claimer holding the connection's row never waits for those (it locks only its own
/// job and sync, skipping held rows), so the wait ends with the holder's commit
/// (`engine::lock_order` races fan-outs against the schedulers on PostgreSQL).
pub async fn execute_and_claim(engine: &Engine, begun: Begun, stop: &watch::Receiver<bool>) -> Option<Begun> {
    let mut chain = Chain { stop: Some(stop), next: None };
    execute_chained(engine, begun, &mut chain).await;
    chain.next
}

/// Whether the transaction recording a run's outcome also claims the worker's next job,
/// and the job it claimed.
struct Chain<'a> {
    /// The node's stop signal, when the claim is wanted.
    stop: Option<&'a watch::Receiver<bool>>,
    next: Option<Begun>,
}

impl Chain<'_> {
    /// Commits the transaction recording an outcome, with the worker's next claim in it if
    /// wanted. The claim is made after a savepoint: one that fails is undone and logged,
    /// and the outcome is committed without it (the worker then claims on its own).
    async fn commit(&mut self, mut tx: Tx, engine: &Engine) -> Result<(), StorageError> {
        const CLAIM: &str = "next_claim";
        let wanted = self.next.is_none() && self.stop.is_some_and(|stop| !*stop.borrow());
        let mut next = None;
        if wanted {
            tx.mark(CLAIM).await?;
            match claim_in(&mut tx, engine, None).await {
                Ok(claimed) => next = claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming the next job with a run's outcome failed; the outcome is recorded without it");
                    tx.back_to(CLAIM).await?;
                }
            }
        }
        tx.commit().await?;
        self.next = next;
        Ok(())
    }
}

async fn execute_chained(engine: &Engine, begun: Begun, chain: &mut Chain<'_>) {
    let Begun { job, started, connection } = begun;
    engine.notify_sync_changed(&job.sync_id);
    let Some((row, run)) = started else { return };
    if let Err(e) = execute_started(engine, &job, row, run, connection, chain).await {
        tracing::error!(job_id = %job.id, sync_id = %job.sync_id, error = %e, "recording a job's outcome failed");
    }
}

async fn execute_started(
    engine: &Engine,
    job: &JobRow,
    row: SyncRow,
    mut run: RunRow,
    connection: Option<ConnectionRow>,
    chain: &mut Chain<'_>,
) -> Result<(), StorageError> {
    let payload = payload_of(job);
    let kind = job.kind;
    let mut ctx = RunContext::new(row.id.clone());
    ctx.connection = connection;
    ctx.fence = Some(Fence { job: job.clone(), node: engine.node_id().to_string() });
    let heartbeat = spawn_heartbeat(engine.clone(), job.clone(), ctx.lost.clone());
    let result = match kind {
        JobKind::Sync => kinds::sync(engine, &row, &job.id, &mut ctx).await,
        JobKind::Import => kinds::import(engine, &row, &payload, &mut ctx).await,
        JobKind::Remove => kinds::remove(engine, &row, &payload, &mut ctx).await,
        JobKind::Drift => super::drift::check(engine, &row, &job.id, &payload, &mut ctx).await,
    };
    heartbeat.abort();

    run.finished_at = Some(now_ms());
    run.plan = json_text(&ctx.plan);
    run.counts =
        json_text(&RunCountsOut { plan: ctx.counts, imported: ctx.imported.len() as u64, warnings: ctx.warnings });
    run.railway_calls = json_text(&ctx.calls_out());
    run.redeploy = (!ctx.deploys.deploys.is_empty() || !ctx.deploys.notes.is_empty()).then(|| json_text(&ctx.deploys));

    let mut recovered = false;
    let recorded = match result {
        Ok(()) => {
            let previous_failure = {
                let mut conn = engine.store().read().await?;
                events::previous_failure(&mut conn, &row, job).await?
            };
            recovered = previous_failure.is_some();
            record_success(engine, job, &row, kind, &payload, &mut run, &ctx, previous_failure, chain).await?
        }
        Err(EngineError::Held { plan_hash, message }) => {
            record_hold(engine, job, &row, &payload, &mut run, &ctx, &plan_hash, &message, chain).await?
        }
        Err(EngineError::LeaseLost) => false,
        Err(err) => record_failure(engine, job, &row, kind, &payload, &mut run, &ctx, err, chain).await?,
    };
    if !recorded {
        // The job is not this node's any more: only this run's own end is recorded; the
        // sync, the job and the audit log are the new holder's.
        run.status = RunStatus::Interrupted;
        run.error = Some(format!(
            "Interrupted: node {} no longer holds the job (its lease ran out, another node took it over); \
             nothing was written after that",
            engine.node_id()
        ));
        let mut tx = engine.store().write().await?;
        runs::finish(&mut tx, &run).await?;
        tx.commit().await?;
    }
    engine.notify_sync_changed(&row.id);
    engine.metrics().run_ended(&row.destination, kind, run.status);
    let events = kind != JobKind::Sync || run.status != RunStatus::Succeeded || recovered;
    engine.run_finished(RunFinished {
        sync_id: row.id.clone(),
        job_id: job.id.clone(),
        kind,
        status: run.status,
        events,
    });
    Ok(())
}

fn spawn_heartbeat(engine: Engine, job: JobRow, lost: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    let lease = engine.settings().lease;
    tokio::spawn(async move {
        let every = (lease / 3).max(Duration::from_millis(50));
        loop {
            tokio::time::sleep(every).await;
            let until = now_ms() + lease.as_millis() as i64;
            let renewed = async {
                let mut tx = engine.store().write().await?;
                let ok = jobs::renew(&mut tx, &job, engine.node_id(), until).await?;
                tx.commit().await?;
                Ok::<bool, StorageError>(ok)
            }
            .await;
            match renewed {
                Ok(true) => {}
                Ok(false) => {
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                Err(e) => tracing::warn!(job_id = %job.id, error = %e, "renewing a job lease failed"),
            }
        }
    })
}

fn audit_action(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Sync => "secret-sync-sync-secrets",
        JobKind::Import => "secret-sync-import-secrets",
        JobKind::Remove => "secret-sync-remove-secrets",
        JobKind::Drift => "secret-sync-check-drift",
    }
}

/// A run record's JSON column. The wire types always serialize; the fallback is unreachable.
fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

fn keys_with(ctx: &RunContext, action: EntryAction) -> Vec<String> {
    ctx.plan.iter().filter(|e| e.action == action).map(|e| e.key.clone()).collect()
}

/// The source folders the run depended on, when they are not the ones recorded. Read
/// before the write transaction: only the runs of this sync write them, one at a time.
async fn changed_dependencies<'a>(
    engine: &Engine,
    ctx: &'a RunContext,
) -> Result<Option<&'a [(EnvironmentId, FolderPath)]>, StorageError> {
    let Some(deps) = &ctx.dependencies else { return Ok(None) };
    let mut recorded = match &ctx.recorded_dependencies {
        Some(recorded) => recorded.clone(),
        None => {
            let mut conn = engine.store().read().await?;
            syncs::dependencies(&mut conn, &ctx.sync).await?
        }
    };
    recorded.sort();
    let mut sorted = deps.clone();
    sorted.sort();
    sorted.dedup();
    Ok((sorted != recorded).then_some(deps.as_slice()))
}

/// Records a succeeded run; `previous_failure` (read before, see
/// [`events::previous_failure`]) makes it a recovery.
#[allow(clippy::too_many_arguments)]
async fn record_success(
    engine: &Engine,
    job: &JobRow,
    row: &SyncRow,
    kind: JobKind,
    payload: &JobPayload,
    run: &mut RunRow,
    ctx: &RunContext,
    previous_failure: Option<JobRow>,
    chain: &mut Chain<'_>,
) -> Result<bool, StorageError> {
    run.status = RunStatus::Succeeded;
    let sync_id = row.id.clone();
    let redeployed: Vec<&str> = ctx
        .deploys
        .deploys
        .iter()
        .filter(|d| d.redeployed())
        .map(|d| d.service_name.as_deref().unwrap_or(&d.service_id))
        .collect();
    let dependencies = changed_dependencies(engine, ctx).await?;
    let mut tx = engine.store().write().await?;
    // The job's end first, proving the run still holds it (nothing is written otherwise);
    // the sync's lease ends below, with its status or the sync itself.
    let holder = ctx.fence.as_ref().map(|f| (f.node.as_str(), f.job.lease_epoch));
    if !jobs::end(&mut tx, &job.id, JobState::Succeeded, None, holder).await? {
        return Ok(false);
    }
    if let Some(deps) = dependencies {
        syncs::set_dependencies(&mut tx, &sync_id, deps).await?;
    }
    let drift = match &ctx.ledger {
        Some(recording) => recording.write(&mut tx, &sync_id).await?,
        None => None,
    };
    super::hooks::record_reported(&mut tx, &sync_id, &ctx.reported_deploys).await?;
    let deleted_sync = kind == JobKind::Remove && payload.delete_sync_on_complete;
    if deleted_sync {
        syncs::delete(&mut tx, &sync_id).await?;
    } else {
        syncs::finish(&mut tx, &sync_id, kind, &job.id, true, None, drift).await?;
    }
    runs::finish(&mut tx, run).await?;
    let event = AuditEvent::new(audit_action(kind))
        .project(&row.project_id)
        .target("secret-sync", row.id.clone())
        .meta(serde_json::json!({
            "syncId": row.id, "syncName": row.name, "jobId": job.id, "runId": run.id, "trigger": run.trigger,
            "status": RunStatus::Succeeded, "attempt": job.attempts,
            "createdSecretKeys": keys_with(ctx, EntryAction::Create),
            "updatedSecretKeys": keys_with(ctx, EntryAction::Update),
            "deletedSecretKeys": keys_with(ctx, EntryAction::Delete), "importedSecretKeys": ctx.imported,
            "redeployed": !redeployed.is_empty(), "redeployedServices": redeployed, "railwayCalls": ctx.calls.calls().len(),
        }));
    record_audit(&mut tx, payload, event).await?;
    events::run_succeeded(&mut tx, row, run, job, previous_failure).await?;
    if deleted_sync {
        let event = AuditEvent::new("delete-secret-sync")
            .project(&row.project_id)
            .target("secret-sync", row.id.clone())
            .meta(serde_json::json!({"syncId": row.id, "destination": row.destination, "removeSecrets": true}));
        record_audit(&mut tx, payload, event).await?;
    }
    chain.commit(tx, engine).await?;
    Ok(true)
}

/// Records a failed attempt (retried, followed later, or failed for good); false when the
/// job is no longer this node's (nothing recorded).
#[allow(clippy::too_many_arguments)]
async fn record_failure(
    engine: &Engine,
    job: &JobRow,
    row: &SyncRow,
    kind: JobKind,
    payload: &JobPayload,
    run: &mut RunRow,
    ctx: &RunContext,
    err: EngineError,
    chain: &mut Chain<'_>,
) -> Result<bool, StorageError> {
    let now = now_ms();
    let settings = engine.settings();
    let timed_out =
        matches!(err, EngineError::Deploying { since, .. } if now - since > settings.deploy_wait.as_millis() as i64);
    let err = match err {
        EngineError::Deploying { message, .. } if timed_out => EngineError::DeployFailed(format!(
            "{message} (still not live after {} minutes; the variables are saved)",
            settings.deploy_wait.as_secs() / 60
        )),
        other => other,
    };
    let deploying = matches!(err, EngineError::Deploying { .. });
    let message = err.to_string();
    run.error = (!deploying).then(|| message.clone());
    let sync_id = row.id.clone();
    let limit = err.attempt_limit().map_or(job.max_attempts, |l| job.max_attempts.min(i64::from(l)));
    let retry = err.is_retryable() && (deploying || job.attempts < limit);
    let mut due_again = None;
    let dependencies = changed_dependencies(engine, ctx).await?;
    let mut tx = engine.store().write().await?;
    if !may_record(engine, ctx.fence.as_ref(), &mut tx).await? {
        return Ok(false);
    }
    if let Some(deps) = dependencies {
        syncs::set_dependencies(&mut tx, &sync_id, deps).await?;
    }
    let drift = match &ctx.ledger {
        Some(recording) => recording.write(&mut tx, &sync_id).await?,
        None => None,
    };
    // A run failed for good sets the drift status with its outcome (one update of the
    // sync's row); one that comes back sets it now.
    let failed_for_good = !deploying && !retry;
    if let Some(status) = drift.filter(|_| !failed_for_good) {
        sluice_storage::drift::mark(&mut tx, &sync_id, status).await?;
    }
    super::hooks::record_reported(&mut tx, &sync_id, &ctx.reported_deploys).await?;
    if timed_out {
        // Given up on: the next change starts a wait of its own.
        deploys::settle_all(&mut tx, &sync_id).await?;
    }
    if deploying {
        // Soon after the redeploy, then less often: 1, 2, then 4 poll intervals.
        let waited = now - since_of(&err);
        let step = if waited < 2 * settings.deploy_poll.as_millis() as i64 {
            1
        } else if waited < 6 * settings.deploy_poll.as_millis() as i64 {
            2
        } else {
            4
        };
        let next_at = now + (settings.deploy_poll * step).as_millis() as i64;
        run.status = RunStatus::Deploying;
        run.next_attempt_at = Some(next_at);
        due_again = Some(next_at);
        jobs::poll_later(&mut tx, job, next_at, &message).await?;
        syncs::set_deploying(&mut tx, &sync_id, kind, next_at, &message).await?;
    } else if retry {
        let policy = RetryPolicy { max_attempts: job.max_attempts as u32, ..settings.retry };
        let delay = retry_delay(job.attempts as u32, &policy, err.retry_after(), rand::random::<f64>());
        let next_at = now + delay.as_millis() as i64;
        run.status = RunStatus::Retrying;
        run.next_attempt_at = Some(next_at);
        due_again = Some(next_at);
        jobs::retry(&mut tx, job, next_at, &message).await?;
        syncs::set_retrying(&mut tx, &sync_id, job.attempts, next_at, &message).await?;
    } else {
        run.status = RunStatus::Failed;
        syncs::finish(&mut tx, &sync_id, kind, &job.id, false, Some(&message), drift).await?;
        jobs::finish(&mut tx, &job.id, JobState::Failed, Some(&message)).await?;
        super::reconcile::after_failure(&mut tx, engine, &sync_id, kind, row.is_auto_sync_enabled, now).await?;
    }
    if deploying && !ctx.wrote() {
        // A poll that only looked at a deployment: the run record says so; the audit log
        // already has the run that wrote.
        runs::finish(&mut tx, run).await?;
        chain.commit(tx, engine).await?;
        if let Some(at) = due_again {
            engine.wake_for(at);
        }
        return Ok(true);
    }
    runs::finish(&mut tx, run).await?;
    let event = AuditEvent::new(audit_action(kind))
        .project(&row.project_id)
        .target("secret-sync", row.id.clone())
        .meta(serde_json::json!({
            "syncId": row.id, "syncName": row.name, "jobId": job.id, "runId": run.id, "trigger": run.trigger,
            "status": run.status, "attempt": job.attempts,
            (if deploying { "waitingFor" } else { "error" }): message, "errorClass": err.class(),
            "nextAttemptAt": run.next_attempt_at.map(sluice_api_types::iso),
        }));
    record_audit(&mut tx, payload, event).await?;
    if run.status == RunStatus::Failed && !super::reconcile::repeats_failure(payload.trigger) {
        events::run_failed(&mut tx, row, run, job, &err).await?;
    }
    chain.commit(tx, engine).await?;
    if let Some(at) = due_again {
        engine.wake_for(at);
    }
    Ok(true)
}

/// A run the mass-deletion guard held: nothing was written; the sync is `held` on the
/// plan's fingerprint until someone confirms it (or a later run's plan is not held).
#[allow(clippy::too_many_arguments)]
async fn record_hold(
    engine: &Engine,
    job: &JobRow,
    row: &SyncRow,
    payload: &JobPayload,
    run: &mut RunRow,
    ctx: &RunContext,
    plan_hash: &str,
    message: &str,
    chain: &mut Chain<'_>,
) -> Result<bool, StorageError> {
    run.status = RunStatus::Held;
    run.error = Some(message.to_string());
    let mut tx = engine.store().write().await?;
    if !may_record(engine, ctx.fence.as_ref(), &mut tx).await? {
        return Ok(false);
    }
    syncs::hold(&mut tx, &row.id, &job.id, plan_hash, message).await?;
    runs::finish(&mut tx, run).await?;
    jobs::finish(&mut tx, &job.id, JobState::Held, Some(message)).await?;
    let event = AuditEvent::new("secret-sync-held")
        .project(&row.project_id)
        .target("secret-sync", row.id.clone())
        .meta(serde_json::json!({
            "syncId": row.id, "syncName": row.name, "jobId": job.id, "runId": run.id, "trigger": run.trigger,
            "planHash": plan_hash, "reason": message,
            "deletedSecretKeys": run_keys(run, EntryAction::Delete),
        }));
    record_audit(&mut tx, payload, event).await?;
    let deletes = run_keys(run, EntryAction::Delete);
    let extra = serde_json::json!({
        "runId": run.id, "jobId": job.id, "planHash": plan_hash, "message": message,
        "deleteCount": deletes.len(), "deletedKeys": deletes.iter().take(50).collect::<Vec<_>>(),
    });
    events::emit(&mut tx, row, EventType::SyncHeld, extra).await?;
    chain.commit(tx, engine).await?;
    Ok(true)
}

/// The keys of a finished run's plan with `action` (the plan as stored on the run).
fn run_keys(run: &RunRow, action: EntryAction) -> Vec<String> {
    serde_json::from_str::<Vec<PlanEntryOut>>(&run.plan)
        .map(|entries| entries.into_iter().filter(|e| e.action == action).map(|e| e.key).collect())
        .unwrap_or_default()
}

fn since_of(err: &EngineError) -> i64 {
    match err {
        EngineError::Deploying { since, .. } => *since,
        _ => now_ms(),
    }
}

async fn record_audit(
    tx: &mut sluice_storage::Tx,
    payload: &JobPayload,
    event: AuditEvent,
) -> Result<(), StorageError> {
    audit::record(tx, payload.actor.to_audit(), event).await.map_err(|e| StorageError::Corrupt(e.to_string()))
}
