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
use sluice_api_types::runs::ServiceDeployOut;
use sluice_destinations::{ApplyRequest, DeployState, Destination, Observed, ServiceDeploy, Target};
use sluice_domain::import::plan_import;
use sluice_domain::planner;
use sluice_domain::{RedeployPolicy, SyncPlan};
use sluice_storage::syncs::SyncRow;
use sluice_storage::{StorageError, deploys, now_ms, syncs};

async fn load_spec(engine: &Engine, row: &SyncRow) -> Result<SyncSpec, EngineError> {
    let mut conn = engine.store().read().await?;
    SyncSpec::load(&mut conn, row).await
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
    }
    let hooks = RunHooks { engine, sync: &ctx.sync, lost: &ctx.lost, reported: Default::default() };
    let exclusive = plan.deletes().is_empty() || {
        let mut conn = engine.store().read().await?;
        !syncs::target_shared(&mut conn, &ctx.sync, &target.config.app(), target.config).await?
    };
    let request = ApplyRequest { plan, observed, redeploy: policy, exclusive };
    let result = destination.apply(target, request, &hooks, &mut ctx.calls).await;
    let reported = hooks.reported.into_inner().unwrap_or_else(|p| p.into_inner());
    ctx.deploys.deploys = reported.iter().map(deploy_out).collect();
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
    let policy = spec.options.redeploy_policy;
    apply(engine, destination, spec.target(&token), &decision.plan, &observed, policy, ctx).await
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
    apply(engine, destination, spec.target(&token), &plan, &observed, spec.options.redeploy_policy, ctx).await
}
