//! The work of each job kind: sync (push the source to the destination), import (pull
//! the destination's managed keys into the source) and remove (delete the managed keys
//! the source has from the destination). Each reads the source through the core and the
//! destination through the seam, decides with the planner, and applies through the
//! destination (`sluice_destinations::Destination`), which does the writes and the
//! redeploy.

use super::hooks::RunHooks;
use super::plan::{self, counts_out, entries_out};
use super::queue::JobPayload;
use super::run::RunContext;
use super::source;
use super::spec::SyncSpec;
use crate::Engine;
use crate::error::EngineError;
use sluice_api_types::runs::RedeployOut;
use sluice_destinations::{ApplyRequest, Destination, RedeployOutcome, Target};
use sluice_domain::SyncPlan;
use sluice_domain::import::plan_import;
use sluice_domain::planner;
use sluice_storage::syncs::SyncRow;
use sluice_storage::{StorageError, redeploys};

async fn load_spec(engine: &Engine, row: &SyncRow) -> Result<SyncSpec, EngineError> {
    let mut conn = engine.store().read().await?;
    SyncSpec::load(&mut conn, row).await
}

/// Applies `plan` through the destination, asking before each write whether the run may;
/// records the redeploy on the run, then settles the redeploy the sync owed.
async fn apply(
    engine: &Engine,
    destination: &dyn Destination,
    target: Target<'_>,
    plan: &SyncPlan,
    redeploy: bool,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    let hooks = RunHooks { engine, sync: &ctx.sync, lost: &ctx.lost };
    let applied = destination.apply(target, ApplyRequest { plan, redeploy }, &hooks, &mut ctx.calls).await?;
    if let Some(outcome) = applied.redeploy {
        ctx.redeploy = Some(redeploy_out(outcome));
        let mut tx = engine.store().write().await?;
        redeploys::settle(&mut tx, &ctx.sync).await?;
        tx.commit().await.map_err(StorageError::from)?;
    }
    Ok(())
}

pub async fn sync(engine: &Engine, row: &SyncRow, ctx: &mut RunContext) -> Result<(), EngineError> {
    let spec = load_spec(engine, row).await?;
    let source = source::load(engine, &spec).await?;
    ctx.dependencies = Some(source.dependencies.clone());
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let decision = plan::decide(&spec, &source, &observed, destination.key_rules())?;
    ctx.plan = entries_out(&decision.plan, destination.key_rules());
    ctx.counts = counts_out(&decision.plan);

    if let Some(import) = decision.import.as_ref().filter(|i| !i.is_empty()) {
        ctx.check_lease()?;
        source::write_import(engine, &spec, import).await?;
        ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
    }
    apply(engine, destination, spec.target(&token), &decision.plan, true, ctx).await?;
    Ok(())
}

fn redeploy_out(outcome: RedeployOutcome) -> RedeployOut {
    match outcome {
        RedeployOutcome::Redeployed { deployment_id } => RedeployOut::redeployed(deployment_id),
        RedeployOutcome::NothingToRedeploy { reason } => RedeployOut::not_redeployed(reason),
    }
}

pub async fn import(
    engine: &Engine,
    row: &SyncRow,
    payload: &JobPayload,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    let spec = load_spec(engine, row).await?;
    let behavior = payload
        .import_behavior
        .ok_or_else(|| EngineError::Config("the import job has no importBehavior".to_string()))?;
    let source = source::load(engine, &spec).await?;
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let import = plan_import(&observed, &matcher, destination.key_rules(), &source.own, behavior)
        .map_err(|e| EngineError::Source(e.to_string()))?;
    ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
    if !import.is_empty() {
        ctx.check_lease()?;
        source::write_import(engine, &spec, &import).await?;
    }
    Ok(())
}

pub async fn remove(engine: &Engine, row: &SyncRow, ctx: &mut RunContext) -> Result<(), EngineError> {
    let spec = load_spec(engine, row).await?;
    let source = source::load(engine, &spec).await?;
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let observed = destination.read(spec.target(&token), &mut ctx.calls).await?;
    let plan = planner::plan_removal(&source.desired, &observed, &spec.plan_options(destination.key_rules()));
    ctx.plan = entries_out(&plan, destination.key_rules());
    ctx.counts = counts_out(&plan);
    apply(engine, destination, spec.target(&token), &plan, false, ctx).await?;
    Ok(())
}
