//! The work of each job kind: sync (push the source to the destination), import (pull
//! the destination's managed keys into the source) and remove (delete the managed keys
//! the source has from the destination). Each reads the source through the core and the
//! destination through the seam, decides with the planner, and applies through the
//! destination (`sluice_destinations::Destination`), which does the writes and the
//! redeploy.

use super::hooks::RunHooks;
use super::ledger;
use super::plan::{self, counts_out, entries_out};
use super::queue::JobPayload;
use super::run::RunContext;
use super::source;
use super::spec::SyncSpec;
use crate::Engine;
use crate::error::EngineError;
use sluice_api_types::runs::ServiceDeployOut;
use sluice_destinations::{ApplyRequest, DeployState, Destination, Observed, ServiceDeploy, Target};
use sluice_domain::drift::Ledger;
use sluice_domain::import::plan_import;
use sluice_domain::planner;
use sluice_domain::{JobId, PlanOptions, RedeployPolicy, SyncPlan};
use sluice_storage::syncs::SyncRow;
use sluice_storage::{StorageError, deploys, now_ms, syncs};

/// The sync's configuration, with the connection the claim read when it did.
async fn load_spec(engine: &Engine, row: &SyncRow, ctx: &mut RunContext) -> Result<SyncSpec, EngineError> {
    let mut conn = engine.store().read().await?;
    SyncSpec::load(engine.core(), &mut conn, row, ctx.connection.take()).await
}

/// [`load_spec`] for a sync run, with what the run reads of its sync's state in the same
/// round trip ([`sluice_storage::run_state`]): the ledger comes back, the pending deploys
/// and the folders depended on are left on `ctx` for the apply and the outcome.
async fn load_sync_spec(
    engine: &Engine,
    row: &SyncRow,
    ctx: &mut RunContext,
) -> Result<(SyncSpec, Option<Ledger>), EngineError> {
    let mut conn = engine.store().read().await?;
    let state = engine.store().run_state(&mut conn, &row.id, &row.project_id).await?;
    let spec = SyncSpec::load_with(engine.core(), &mut conn, row, ctx.connection.take(), &state).await?;
    let ledger = ledger::from_keys(row, &state.keys);
    ctx.pending = Some(state.pending);
    ctx.recorded_dependencies = Some(state.dependencies);
    Ok((spec, ledger))
}

/// Applies `plan` through the destination, which asks before each write whether the run
/// may, and reports each service's deploy through the hooks as it goes. Records the
/// deploys on the run; a run whose deploys are not all live yet ends `Deploying` (the job
/// comes back to follow them), one whose deployment failed ends `DeployFailed`.
async fn apply(
    engine: &Engine,
    destination: &dyn Destination,
    target: Target<'_>,
    plan: &SyncPlan,
    observed: &Observed,
    policy: RedeployPolicy,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    if policy == RedeployPolicy::None {
        let mut tx = engine.store().write().await?;
        deploys::settle_all(&mut tx, &ctx.sync).await?;
        tx.commit().await.map_err(StorageError::from)?;
        ctx.pending = Some(Vec::new());
    }
    let hooks = RunHooks {
        engine,
        sync: &ctx.sync,
        lost: &ctx.lost,
        fence: ctx.fence.as_ref(),
        reported: Default::default(),
        proven: Default::default(),
        pending: std::sync::Mutex::new(ctx.pending.take()),
    };
    let exclusive = plan.deletes().is_empty() || {
        let mut conn = engine.store().read().await?;
        !syncs::target_shared(&mut conn, &ctx.sync, &target.config.app(), target.config).await?
    };
    let request = ApplyRequest { plan, observed, redeploy: policy, exclusive };
    let result = destination.apply(target, request, &hooks, &mut ctx.calls).await;
    let reported = hooks.reported.into_inner().unwrap_or_else(|p| p.into_inner());
    ctx.deploys.deploys = reported.iter().map(deploy_out).collect();
    ctx.reported_deploys = reported;
    let applied = result?;
    ctx.deploys.notes = applied.notes;

    if let Some(failed) = applied.deploys.iter().find_map(failure) {
        return Err(EngineError::DeployFailed(failed));
    }
    let waiting: Vec<String> = applied.deploys.iter().filter(|d| d.state.is_pending()).map(pending_words).collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let since = {
        let mut conn = engine.store().read().await?;
        deploys::pending(&mut conn, &ctx.sync).await?.iter().map(|p| p.since).min().unwrap_or_else(now_ms)
    };
    let message = format!("Variables written; waiting for Railway to deploy them: {}", waiting.join("; "));
    Err(EngineError::Deploying { message, since })
}

fn name_of(d: &ServiceDeploy) -> &str {
    d.service_name.as_deref().unwrap_or(&d.service_id)
}

fn pending_words(d: &ServiceDeploy) -> String {
    match &d.state {
        DeployState::Deploying { deployment_id, status } => {
            format!("{}: deployment {deployment_id} is {status}", name_of(d))
        }
        DeployState::Waiting { reason } => format!("{}: {reason}", name_of(d)),
        _ => name_of(d).to_string(),
    }
}

fn failure(d: &ServiceDeploy) -> Option<String> {
    match &d.state {
        DeployState::Failed { deployment_id, status } => Some(format!(
            "Variables written, but Railway deployment {deployment_id} of {} ended {status}: the app does not run \
             with the new values",
            name_of(d)
        )),
        _ => None,
    }
}

fn deploy_out(d: &ServiceDeploy) -> ServiceDeployOut {
    let (state, deployment_id, status, reason) = match &d.state {
        DeployState::Live { deployment_id } => ("live", Some(deployment_id.clone()), Some("SUCCESS".to_string()), None),
        DeployState::Deploying { deployment_id, status } => {
            ("deploying", Some(deployment_id.clone()), Some(status.clone()), None)
        }
        DeployState::Waiting { reason } => ("waiting", None, None, Some(reason.clone())),
        DeployState::NotRedeployed { reason } => ("not-redeployed", None, None, Some(reason.clone())),
        DeployState::Failed { deployment_id, status } => {
            ("failed", Some(deployment_id.clone()), Some(status.clone()), None)
        }
    };
    ServiceDeployOut {
        service_id: d.service_id.clone(),
        service_name: d.service_name.clone(),
        state: state.to_string(),
        deployment_id,
        status,
        reason,
    }
}

/// A sync run: plan against the destination (deleting only what the sync owns when its
/// ledger says so), hold a plan that deletes too much unless it was confirmed, import on a
/// first sync, apply, then record what the sync now owns.
pub async fn sync(engine: &Engine, row: &SyncRow, job: &JobId, ctx: &mut RunContext) -> Result<(), EngineError> {
    let (spec, ledger) = load_sync_spec(engine, row, ctx).await?;
    let source = source::load(engine, &spec, spec.counter).await?;
    ctx.dependencies = Some(source.dependencies.clone());
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let owned = ledger::keys(ledger.as_ref());
    let decision = plan::decide(&spec, &source, &observed, destination.key_rules(), owned.as_ref())?;
    ctx.plan = entries_out(&decision.plan, destination.key_rules(), &decision.broken);
    ctx.warnings = decision.broken.len() as u64;
    ctx.counts = counts_out(&decision.plan);

    if let Some(message) = plan::guard(&spec, &decision.plan) {
        let plan_hash = decision.plan.fingerprint();
        if row.trust.confirmed_plan_hash.as_deref() != Some(plan_hash.as_str()) {
            return Err(EngineError::Held { plan_hash, message });
        }
        ctx.deploys.notes.push(format!("Mass-deletion guard: plan {plan_hash} was confirmed"));
    }

    if let Some(import) = decision.import.as_ref().filter(|i| !i.is_empty()) {
        ctx.check_lease(engine).await?;
        source::write_import(engine, &spec, import).await?;
        ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
    }
    let policy = spec.options.redeploy_policy;
    let applied = apply(engine, destination, spec.target(&token), &decision.plan, &observed, policy, ctx).await;
    let landed = ledger::Landed { job, plan: &decision.plan, observed: &observed, ledger: ledger.as_ref() };
    // Written with the run's outcome.
    ctx.ledger = match &applied {
        // The writes landed: the ledger follows them whatever the deploys do.
        Ok(()) | Err(EngineError::Deploying { .. } | EngineError::DeployFailed(_)) => {
            Some(ledger::after_sync(engine, &spec, row, landed, destination.key_rules()).await?)
        }
        // Stopped before writing anything.
        Err(EngineError::LeaseLost | EngineError::Held { .. }) => None,
        // Stopped somewhere in the writes: what it meant to write may be there, so it is
        // claimed (a key never created is dropped again once it is gone from the source);
        // nothing is given up, as a deletion may not have happened.
        Err(_) => ledger::after_attempt(engine, &spec, row, &decision.plan).await?,
    };
    applied
}

pub async fn import(
    engine: &Engine,
    row: &SyncRow,
    payload: &JobPayload,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    let spec = load_spec(engine, row, ctx).await?;
    let behavior = payload
        .import_behavior
        .ok_or_else(|| EngineError::Config("the import job has no importBehavior".to_string()))?;
    let source = source::load(engine, &spec, spec.counter).await?;
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let import = plan_import(&observed, &matcher, destination.key_rules(), &source.own, behavior)
        .map_err(|e| EngineError::Source(e.to_string()))?;
    ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
    if !import.is_empty() {
        ctx.check_lease(engine).await?;
        source::write_import(engine, &spec, &import).await?;
    }
    Ok(())
}

/// "Remove secrets": delete what the sync put at the destination (with a ledger, exactly
/// the keys it owns; without one, the keys of the source's current secrets). With
/// `orphans_only`, only the keys it wrote that its configuration no longer manages.
pub async fn remove(
    engine: &Engine,
    row: &SyncRow,
    payload: &JobPayload,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    let spec = load_spec(engine, row, ctx).await?;
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let ledger = ledger::load(engine, row).await?;
    let owned = ledger::keys(ledger.as_ref());
    let keys = destination.key_rules();
    let matcher = spec.options.matcher(&spec.environment.slug);
    let plan = if payload.orphans_only {
        let orphans = owned.as_ref().map(|o| sluice_domain::ledger::orphans(o, &matcher)).unwrap_or_default();
        planner::plan_orphan_removal(&orphans, &observed, keys)
    } else {
        // After Railway's read: the counter is read again.
        let source = source::load(engine, &spec, None).await?;
        let options = spec.options.plan_options(&spec.environment.slug, keys, owned.as_ref());
        // Removal follows the ledger whatever `deleteOnlyOwned` says: it removes what the
        // sync wrote.
        let options = PlanOptions { owned: owned.as_ref(), ..options };
        planner::plan_removal(&source.desired, &observed, &options)
    };
    ctx.plan = entries_out(&plan, keys, &Default::default());
    ctx.counts = counts_out(&plan);
    let applied =
        apply(engine, destination, spec.target(&token), &plan, &observed, spec.options.redeploy_policy, ctx).await;
    if matches!(applied, Ok(()) | Err(EngineError::Deploying { .. } | EngineError::DeployFailed(_))) {
        let mut removed: Vec<String> = plan.deletes().to_vec();
        if payload.orphans_only {
            // Orphans already gone from the destination are dropped too.
            let orphans = owned.as_ref().map(|o| sluice_domain::ledger::orphans(o, &matcher)).unwrap_or_default();
            removed.extend(orphans.into_iter().filter(|k| !observed.contains_key(k)));
        }
        ledger::record_removal(engine, row, &removed, ctx.fence.as_ref()).await?;
    }
    applied
}
