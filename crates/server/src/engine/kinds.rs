//! The work of each job kind: sync (push the source to Railway), import (pull
//! Railway's managed keys into the source) and remove (delete the managed keys the
//! source has from Railway).
//!
//! Every Railway write goes through the plan: one `variableCollectionUpsert` of the keys
//! whose value differs (`replace: false`, `skipDeploys: true`), one `variableDelete` per
//! managed key that left the source, and one redeploy of a service target when anything
//! changed. Nothing changed means no write and no redeploy.

use super::error::EngineError;
use super::plan::{self, counts_out, entries_out};
use super::queue::JobPayload;
use super::run::RunContext;
use super::source;
use super::spec::SyncSpec;
use crate::state::AppState;
use sluice_api_types::runs::RedeployOut;
use sluice_destinations::railway::RedeployOutcome;
use sluice_domain::import::plan_import;
use sluice_domain::planner;
use sluice_storage::redeploys;
use sluice_storage::syncs::SyncRow;

async fn load_spec(state: &AppState, row: &SyncRow) -> Result<SyncSpec, EngineError> {
    let mut conn = state.store.read().await?;
    SyncSpec::load(&mut conn, row).await
}

pub async fn sync(state: &AppState, row: &SyncRow, ctx: &mut RunContext) -> Result<(), EngineError> {
    let spec = load_spec(state, row).await?;
    let source = source::load(state, &spec).await?;
    ctx.dependencies = Some(source.dependencies.clone());
    let creds = spec.credentials(&state.core)?;
    let target = spec.target();
    let observed = ctx.calls.track("variables", None, state.railway.get_variables(&creds, &target)).await?;
    let decision = plan::decide(&spec, &source, &observed)?;
    ctx.plan = entries_out(&decision.plan);
    ctx.counts = counts_out(&decision.plan);

    if let Some(import) = decision.import.as_ref().filter(|i| !i.is_empty()) {
        ctx.check_lease()?;
        source::write_import(state, &spec, import).await?;
        ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
    }
    let service_target = target.service_id.is_some();
    // A redeploy owed by an earlier run that wrote but never got to redeploy (a crash, a
    // lost answer) is paid even when nothing is left to write.
    let owed = service_target && {
        let mut conn = state.store.read().await?;
        redeploys::is_owed(&mut conn, &row.id).await?
    };
    if service_target && decision.plan.changed() && !owed {
        let mut tx = state.store.write().await?;
        redeploys::owe(&mut tx, &row.id).await?;
        tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    }
    let upserts = decision.plan.upserts();
    if !upserts.is_empty() {
        ctx.check_lease()?;
        ctx.calls
            .track("variableCollectionUpsert", None, state.railway.upsert_variables(&creds, &target, upserts, true))
            .await?;
    }
    for key in decision.plan.deletes() {
        ctx.check_lease()?;
        ctx.calls.track("variableDelete", Some(key), state.railway.delete_variable(&creds, &target, key)).await?;
    }
    if service_target && (decision.plan.changed() || owed) {
        ctx.check_lease()?;
        let outcome = ctx.calls.track("redeploy", None, state.railway.redeploy(&creds, &target)).await?;
        ctx.redeploy = Some(redeploy_out(outcome));
        let mut tx = state.store.write().await?;
        redeploys::settle(&mut tx, &row.id).await?;
        tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    }
    Ok(())
}

fn redeploy_out(outcome: RedeployOutcome) -> RedeployOut {
    match outcome {
        RedeployOutcome::Redeployed { deployment_id } => RedeployOut::redeployed(deployment_id),
        RedeployOutcome::NothingToRedeploy { reason } => RedeployOut::not_redeployed(reason),
    }
}

pub async fn import(
    state: &AppState,
    row: &SyncRow,
    payload: &JobPayload,
    ctx: &mut RunContext,
) -> Result<(), EngineError> {
    let spec = load_spec(state, row).await?;
    let behavior = payload
        .import_behavior
        .ok_or_else(|| EngineError::Config("the import job has no importBehavior".to_string()))?;
    let source = source::load(state, &spec).await?;
    let creds = spec.credentials(&state.core)?;
    let observed = ctx.calls.track("variables", None, state.railway.get_variables(&creds, &spec.target())).await?;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let import =
        plan_import(&observed, &matcher, &source.own, behavior).map_err(|e| EngineError::Source(e.to_string()))?;
    ctx.imported = import.creates.keys().chain(import.updates.keys()).map(|k| k.as_str().to_string()).collect();
    if !import.is_empty() {
        ctx.check_lease()?;
        source::write_import(state, &spec, &import).await?;
    }
    Ok(())
}

pub async fn remove(state: &AppState, row: &SyncRow, ctx: &mut RunContext) -> Result<(), EngineError> {
    let spec = load_spec(state, row).await?;
    let source = source::load(state, &spec).await?;
    let creds = spec.credentials(&state.core)?;
    let target = spec.target();
    let observed = ctx.calls.track("variables", None, state.railway.get_variables(&creds, &target)).await?;
    let plan = planner::plan_removal(&source.desired, &observed, &spec.plan_options());
    ctx.plan = entries_out(&plan);
    ctx.counts = counts_out(&plan);
    for key in plan.deletes() {
        ctx.check_lease()?;
        ctx.calls.track("variableDelete", Some(key), state.railway.delete_variable(&creds, &target, key)).await?;
    }
    Ok(())
}
