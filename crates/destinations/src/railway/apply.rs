//! Railway as a sync [`Destination`]: reading a target's variables and applying a plan so
//! that the apps running on Railway end up with the new values.
//!
//! # Writes
//!
//! - Upserts only: one `variableCollectionUpsert` of the keys whose value differs
//!   (`replace: false`, `skipDeploys: true`): no deploy.
//! - With deletions: `variableDelete` has no `skipDeploys`, and whether it deploys is not
//!   documented (assumed: it may, once per call). So the scope is read again just before
//!   writing and its whole new set is written in one `variableCollectionUpsert` with
//!   `replace: true, skipDeploys: true`: the fresh values of every key the plan does not
//!   touch, byte for byte, the plan's upserts, without its deletions. One write, no deploy,
//!   and a variable someone added or changed since the plan was made is kept as they left
//!   it (one written in the instant between that read and the write would be lost: the
//!   API has no compare-and-set). When the scope holds a sealed variable (its value cannot
//!   be read, so a whole-set write would erase it) or a Railway-provided name, or another
//!   sync writes to the same scope (the request is not `exclusive`), the deletions are made
//!   one `variableDelete` at a time after the upsert instead, and the run says Railway may
//!   have deployed after each.
//! - Railway's staged changes (`environmentStageChanges` + `environmentPatchCommitStaged`)
//!   would give one patch too, but they are not used: committing applies the environment's
//!   *whole* staged patch, so a person's unreviewed dashboard edits would ship with the
//!   sync's (and `merge: false` would discard them); commits run as a background workflow
//!   (`workflowStatus`) rather than before the answer; and deleting by `null` in a patch
//!   has a single public source. `environmentPatchCommit(patch)` skips staging but has no
//!   `skipDeploys`.
//!
//! # Deploys (the request's [`RedeployPolicy`])
//!
//! With `affected`, the services the change reaches are found before the first write: a
//! service target's own service; for shared variables, every service whose stored
//! variables reference a changed shared variable, through any chain of references
//! ([`affected_services`], after reading the environment's service instances and each
//! service's variables, unrendered). A service that references another *service's*
//! variable (`${{api.URL}}`) is not followed from a service target: finding it would cost
//! a read of every service of the environment on every run; it picks the value up at its
//! next deploy. The services are recorded as owed through the hooks, durably, so a crash
//! or a lost answer between the write and the redeploy is paid by the next run; just before
//! a redeploy is asked for, the service's newest deployment is recorded through the hooks,
//! so a crash or a lost answer after Railway made it is not paid twice. After
//! the writes each owed service is redeployed and each deployment an earlier run asked
//! for is checked (`operations/deploys.rs`: which deployment, when to wait, how a
//! deployment is followed until live). Every service's state is reported through
//! [`ApplyHooks::record_deploy`] as soon as it is known. With `none`, nothing is
//! redeployed.
//!
//! # Failures
//!
//! A refusal that may mean the target is gone (`Not Authorized`, `Problem processing
//! request`, `… not found`) is explained with one identity query with the same token: a
//! refused token is bad credentials; an accepted one means the project, environment or
//! service is gone or out of the token's reach, and the first of them that does not
//! answer is named ([`RailwayError::Gone`]).

use super::api::RailwayApi;
use super::auth::Credentials;
use super::errors::RailwayError;
use super::keys::RailwayKeys;
use super::operations::deploys::{Redeploy, RedeployPlan, Tracked, track};
use super::operations::targets::{Unreachable, refuses};
use super::references::{EnvironmentVariables, Scope, ServiceVariables, affected_services};
use super::types::RailwayTarget;
use crate::destination::{
    Applied, ApplyError, ApplyHooks, ApplyRequest, BoxFuture, CallLog, DeployState, Destination, DestinationError,
    ErrorClass, HookError, Observed, PendingDeploy, ServiceDeploy, Target,
};
use sluice_domain::{DestinationConfig, KeyClass, KeyRules, RailwayDestination, RedeployPolicy, SecretValue, SyncPlan};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The name in messages.
const RAILWAY: &str = "Railway";

/// The Railway destination, over a [`RailwayApi`] (the real client, pointed at Railway or
/// at the fake).
#[derive(Clone)]
pub struct Railway {
    api: Arc<dyn RailwayApi>,
}

impl std::fmt::Debug for Railway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Railway")
    }
}

impl Railway {
    pub fn new(api: Arc<dyn RailwayApi>) -> Self {
        Self { api }
    }

    /// The client, for what is Railway's alone (credential checks, the destination picker).
    pub fn api(&self) -> &Arc<dyn RailwayApi> {
        &self.api
    }
}

impl From<RailwayError> for DestinationError {
    fn from(e: RailwayError) -> Self {
        let class = match &e {
            RailwayError::Unauthorized { .. } => ErrorClass::Unauthorized,
            RailwayError::NotFound { .. } => ErrorClass::NotFound,
            RailwayError::Gone { .. } => ErrorClass::Gone,
            RailwayError::RateLimited { .. } => ErrorClass::RateLimited { retry_after: e.retry_after() },
            RailwayError::Transient { .. } => ErrorClass::Transient,
            RailwayError::Rejected { .. } => ErrorClass::Rejected,
            RailwayError::OutcomeUnknown { .. } => ErrorClass::OutcomeUnknown,
            RailwayError::Config { .. } => ErrorClass::Config,
        };
        DestinationError::new(RAILWAY, class, e.message().to_string(), e.to_string())
    }
}

fn config(config: &DestinationConfig) -> &RailwayDestination {
    match config {
        DestinationConfig::Railway(d) => d,
    }
}

/// Where a configuration writes: a service's variables, or the environment's shared ones.
pub fn railway_target(d: &RailwayDestination) -> RailwayTarget {
    match d.service_id() {
        Some(service) => RailwayTarget::service(d.project_id(), d.environment_id(), service),
        None => RailwayTarget::shared(d.project_id(), d.environment_id()),
    }
}

fn credentials(target: &Target<'_>) -> Result<Credentials, DestinationError> {
    Credentials::for_connection(target.method, target.token.clone()).ok_or_else(|| {
        let detail = format!("the connection's method \"{}\" is not a Railway token kind", target.method);
        let message = format!("Railway client configuration: {detail}");
        DestinationError::new(RAILWAY, ErrorClass::Config, detail, message)
    })
}

/// Why an apply stopped before explaining: Railway answered, or a hook said stop.
enum Stop {
    Railway(RailwayError),
    Hook(HookError),
}

impl From<RailwayError> for Stop {
    fn from(e: RailwayError) -> Self {
        Self::Railway(e)
    }
}

impl From<HookError> for Stop {
    fn from(e: HookError) -> Self {
        Self::Hook(e)
    }
}

/// One run's view of what it applies to.
struct Run<'a> {
    creds: &'a Credentials,
    destination: &'a RailwayDestination,
    at: RailwayTarget,
    hooks: &'a dyn ApplyHooks,
}

/// A name in a message: the display name, else the id.
fn shown(name: &str, id: &str) -> String {
    if name.is_empty() { id.to_owned() } else { format!("\"{name}\" ({id})") }
}

/// The message for a target whose `part` the token cannot reach.
fn gone_message(d: &RailwayDestination, u: &Unreachable) -> String {
    let project = shown(d.project_name(), d.project_id());
    let environment = shown(d.environment_name(), d.environment_id());
    let what = match u.part {
        super::TargetPart::Project => format!("project {project}"),
        super::TargetPart::Environment => format!("environment {environment} of project {project}"),
        super::TargetPart::Service => format!(
            "service {} in environment {environment}",
            shown(d.service_name().unwrap_or(""), d.service_id().unwrap_or(""))
        ),
    };
    format!(
        "the Railway {what} no longer exists, or this connection's token cannot see it (Railway answered: {})",
        u.answer
    )
}

impl Railway {
    /// Says what a refusal means: bad credentials, a target that is gone (naming which
    /// part), or Railway's answer as it was.
    async fn explain(
        &self,
        creds: &Credentials,
        d: &RailwayDestination,
        err: RailwayError,
        calls: &mut CallLog,
    ) -> RailwayError {
        if !refuses(&err) {
            return err;
        }
        match calls.track("identity", None, self.api.check_credentials(creds.kind, &creds.token)).await {
            Ok(_) => {}
            Err(bad @ RailwayError::Unauthorized { .. }) => return bad,
            Err(_) => return err,
        }
        let at = railway_target(d);
        match calls.track("findUnreachable", None, self.api.find_unreachable(creds, &at)).await {
            Ok(Some(unreachable)) => RailwayError::Gone { message: gone_message(d, &unreachable) },
            Ok(None) | Err(_) => err,
        }
    }

    /// The environment's stored variables: its services, the shared scope and each
    /// service's scope; the target's own scope is `observed` (read for the plan).
    async fn environment(
        &self,
        creds: &Credentials,
        target: &RailwayTarget,
        observed: &Observed,
        calls: &mut CallLog,
    ) -> Result<EnvironmentVariables, RailwayError> {
        let env = target.environment_id.as_str();
        let instances = calls.track("serviceInstances", None, self.api.service_instances(creds, env)).await?;
        let read = |at: RailwayTarget| async move {
            if at == *target { Ok(observed.clone()) } else { self.api.get_variables(creds, &at).await }
        };
        let shared = read(RailwayTarget::shared(&target.project_id, env));
        let shared =
            if target.service_id.is_none() { shared.await? } else { calls.track("variables", None, shared).await? };
        let mut services = Vec::with_capacity(instances.len());
        for instance in instances {
            let at = RailwayTarget::service(&target.project_id, env, &instance.id);
            let mine = at == *target;
            let variables = if mine { read(at).await? } else { calls.track("variables", None, read(at)).await? };
            services.push(ServiceVariables { id: instance.id, name: instance.name, variables });
        }
        Ok(EnvironmentVariables { shared, services })
    }

    /// The services the plan's changes reach, with their names: a service target's own
    /// service; for shared variables, the services whose variables reference a changed one.
    async fn affected(
        &self,
        creds: &Credentials,
        d: &RailwayDestination,
        plan: &SyncPlan,
        observed: &Observed,
        calls: &mut CallLog,
    ) -> Result<Vec<(String, String)>, RailwayError> {
        if let Some(id) = d.service_id() {
            return Ok(vec![(id.to_owned(), d.service_name().unwrap_or(id).to_owned())]);
        }
        let target = railway_target(d);
        let env = self.environment(creds, &target, observed, calls).await?;
        let changed: BTreeSet<String> = plan.upserts().keys().chain(plan.deletes()).cloned().collect();
        let names: BTreeMap<&str, &str> = env.services.iter().map(|s| (s.id.as_str(), s.name.as_str())).collect();
        Ok(affected_services(&env, &Scope::Shared, &changed)
            .into_iter()
            .map(|id| {
                let name = names.get(id.as_str()).map_or_else(|| id.clone(), |n| (*n).to_owned());
                (id, name)
            })
            .collect())
    }

    /// The plan's upserts and deletions (see the module docs for how).
    async fn write(
        &self,
        run: &Run<'_>,
        plan: &SyncPlan,
        exclusive: bool,
        calls: &mut CallLog,
        notes: &mut Vec<String>,
    ) -> Result<(), Stop> {
        let upserts = plan.upserts();
        let deletes = plan.deletes();
        if deletes.is_empty() {
            if !upserts.is_empty() {
                run.hooks.before_write().await?;
                let write = self.api.upsert_variables(run.creds, &run.at, upserts, true);
                calls.track("variableCollectionUpsert", None, write).await?;
            }
            return Ok(());
        }
        let whole = if exclusive {
            let fresh = calls.track("variables", None, self.api.get_variables(run.creds, &run.at)).await?;
            whole_set(&fresh, plan)
        } else {
            None
        };
        match whole {
            Some(set) => {
                run.hooks.before_write().await?;
                let write = self.api.replace_variables(run.creds, &run.at, &set);
                calls.track("variableCollectionUpsert", None, write).await?;
            }
            None => {
                if !upserts.is_empty() {
                    run.hooks.before_write().await?;
                    let write = self.api.upsert_variables(run.creds, &run.at, upserts, true);
                    calls.track("variableCollectionUpsert", None, write).await?;
                }
                for key in deletes {
                    run.hooks.before_write().await?;
                    calls.track("variableDelete", Some(key), self.api.delete_variable(run.creds, &run.at, key)).await?;
                }
                let why = if exclusive {
                    "this scope holds variables whose values Railway does not show (sealed, or set by Railway), \
                     which writing the whole set would erase"
                } else {
                    "another sync writes to this scope too, and writing the whole set could erase what it wrote"
                };
                notes.push(format!(
                    "The {} deletion(s) were made one at a time because {why}; Railway may have deployed after each.",
                    deletes.len()
                ));
            }
        }
        Ok(())
    }

    /// Brings one service's deploy forward: checks the deployment an earlier run asked
    /// for, follows the one a redeploy whose answer was lost made, or redeploys (recording
    /// the newest deployment first, so that a lost answer is not paid twice).
    async fn deploy(
        &self,
        run: &Run<'_>,
        service_id: &str,
        due: Due,
        calls: &mut CallLog,
    ) -> Result<DeployState, Stop> {
        if let Some(id) = due.deployment {
            let status = calls.track("deployment", None, self.api.deployment_status(run.creds, &id)).await?;
            match track(&status) {
                Tracked::Live => return Ok(DeployState::Live { deployment_id: id }),
                Tracked::Deploying { status } => return Ok(DeployState::Deploying { deployment_id: id, status }),
                Tracked::Failed { status } => return Ok(DeployState::Failed { deployment_id: id, status }),
                Tracked::Superseded { .. } => {}
            }
        }
        let env = run.at.environment_id.as_str();
        let after = due.requested_after.as_deref();
        let step = calls.track("deployments", None, self.api.redeploy_plan(run.creds, env, service_id, after)).await?;
        let asked = match step {
            RedeployPlan::Nothing { reason } => Redeploy::Nothing { reason },
            RedeployPlan::Wait { reason } => Redeploy::Wait { reason },
            RedeployPlan::Adopt { deployment_id, status } => Redeploy::Requested { deployment_id, status },
            RedeployPlan::Redeploy { deployment_id, newest } => {
                // Proves the run may still write, as before_write does.
                run.hooks.requesting_redeploy(service_id, &newest).await?;
                let write = self.api.redeploy_deployment(run.creds, &deployment_id);
                calls.track("redeploy", None, write).await?
            }
        };
        Ok(match asked {
            Redeploy::Requested { deployment_id, status } => match track(&status) {
                Tracked::Live => DeployState::Live { deployment_id },
                Tracked::Failed { status } => DeployState::Failed { deployment_id, status },
                Tracked::Deploying { status } | Tracked::Superseded { status } => {
                    DeployState::Deploying { deployment_id, status }
                }
            },
            Redeploy::Wait { reason } => DeployState::Waiting { reason },
            Redeploy::Nothing { reason } => DeployState::NotRedeployed { reason },
        })
    }

    async fn apply_plan(&self, run: &Run<'_>, request: ApplyRequest<'_>, calls: &mut CallLog) -> Result<Applied, Stop> {
        let plan = request.plan;
        let redeploy = request.redeploy == RedeployPolicy::Affected;
        let mut applied = Applied::default();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        if let (Some(id), Some(name)) = (run.destination.service_id(), run.destination.service_name()) {
            names.insert(id.to_owned(), name.to_owned());
        }
        let mut todo: BTreeMap<String, Due> = BTreeMap::new();
        if redeploy {
            let pending = run.hooks.pending_deploys().await?;
            todo.extend(pending.into_iter().map(|p: PendingDeploy| {
                (p.service_id, Due { deployment: p.deployment_id, requested_after: p.requested_after })
            }));
        }
        if redeploy && plan.changed() {
            let affected = self.affected(run.creds, run.destination, plan, request.observed, calls).await?;
            let ids: Vec<String> = affected.iter().map(|(id, _)| id.clone()).collect();
            run.hooks.owe_deploys(&ids).await?;
            for (id, name) in affected {
                todo.insert(id.clone(), Due::default());
                names.insert(id, name);
            }
        }
        self.write(run, plan, request.exclusive, calls, &mut applied.notes).await?;
        for (service_id, due) in todo {
            let state = match self.deploy(run, &service_id, due, calls).await {
                Ok(state) => state,
                // Another service than the target (a fan-out, or owed from before): it may
                // have left the environment. Not this sync's failure.
                Err(Stop::Railway(e)) if refuses(&e) && run.destination.service_id() != Some(service_id.as_str()) => {
                    DeployState::NotRedeployed {
                        reason: format!("Railway refused to redeploy it ({}); it may no longer be here", e.message()),
                    }
                }
                Err(e) => return Err(e),
            };
            let deploy = ServiceDeploy { service_name: names.get(&service_id).cloned(), service_id, state };
            run.hooks.record_deploy(&deploy).await?;
            applied.deploys.push(deploy);
        }
        Ok(applied)
    }
}

/// Where a service's owed deploy stands when a run comes to it.
#[derive(Debug, Default)]
struct Due {
    /// The deployment an earlier run asked for and follows.
    deployment: Option<String>,
    /// The newest deployment before a redeploy whose answer was never recorded.
    requested_after: Option<String>,
}

/// The scope's whole new set for a `replace: true` write: `fresh` (read just now) with the
/// plan's deletions removed and its upserts set. `None` when `fresh` holds a value that
/// cannot be written back (sealed) or a name Railway provides.
fn whole_set(fresh: &Observed, plan: &SyncPlan) -> Option<BTreeMap<String, SecretValue>> {
    let mut set = BTreeMap::new();
    for (key, value) in fresh {
        if RailwayKeys.classify(key) == KeyClass::Provided {
            return None;
        }
        set.insert(key.clone(), value.clone()?);
    }
    for key in plan.deletes() {
        set.remove(key);
    }
    for (key, value) in plan.upserts() {
        set.insert(key.clone(), value.clone());
    }
    Some(set)
}

impl Destination for Railway {
    fn describe(&self, c: &DestinationConfig) -> String {
        let d = config(c);
        let name = |n: &str, id: &str| if n.is_empty() { id.to_string() } else { n.to_string() };
        let scope = match d.service_id() {
            Some(id) => format!("service {}", name(d.service_name().unwrap_or(""), id)),
            None => "shared variables".to_string(),
        };
        format!(
            "Railway project {} / environment {} / {scope}",
            name(d.project_name(), d.project_id()),
            name(d.environment_name(), d.environment_id())
        )
    }

    fn key_rules(&self) -> &dyn KeyRules {
        &RailwayKeys
    }

    fn redeploy_preview<'a>(
        &'a self,
        target: Target<'a>,
        plan: &'a SyncPlan,
        observed: &'a Observed,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Vec<String>, DestinationError>> {
        Box::pin(async move {
            if !plan.changed() {
                return Ok(Vec::new());
            }
            let creds = credentials(&target)?;
            let d = config(target.config);
            match self.affected(&creds, d, plan, observed, calls).await {
                Ok(services) => Ok(services.into_iter().map(|(_, name)| name).collect()),
                Err(e) => Err(self.explain(&creds, d, e, calls).await.into()),
            }
        })
    }

    fn read<'a>(
        &'a self,
        target: Target<'a>,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Observed, DestinationError>> {
        Box::pin(async move {
            let creds = credentials(&target)?;
            let d = config(target.config);
            let at = railway_target(d);
            match calls.track("variables", None, self.api.get_variables(&creds, &at)).await {
                Ok(observed) => Ok(observed),
                Err(e) => Err(self.explain(&creds, d, e, calls).await.into()),
            }
        })
    }

    fn apply<'a>(
        &'a self,
        target: Target<'a>,
        request: ApplyRequest<'a>,
        hooks: &'a dyn ApplyHooks,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Applied, ApplyError>> {
        Box::pin(async move {
            let creds = credentials(&target)?;
            let d = config(target.config);
            let run = Run { creds: &creds, destination: d, at: railway_target(d), hooks };
            match self.apply_plan(&run, request, calls).await {
                Ok(applied) => Ok(applied),
                Err(Stop::Hook(h)) => Err(ApplyError::Stopped(h)),
                Err(Stop::Railway(e)) => Err(ApplyError::Destination(self.explain(&creds, d, e, calls).await.into())),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_domain::planner::{PlanOptions, plan};
    use sluice_domain::{SecretKey, SecretValue};

    fn observed(pairs: &[(&str, Option<&str>)]) -> Observed {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.map(SecretValue::from))).collect()
    }

    fn sync_plan(desired: &[(&str, &str)], before: &Observed) -> SyncPlan {
        let desired = desired.iter().map(|(k, v)| (SecretKey::parse(k).expect("key"), SecretValue::from(*v))).collect();
        plan(&desired, before, &PlanOptions::new(None, "dev"))
    }

    #[test]
    fn the_whole_set_keeps_fresh_values_of_untouched_keys() {
        let before = observed(&[("A", Some("1")), ("OLD", Some("x"))]);
        let p = sync_plan(&[("A", "2")], &before);
        // Someone added OTHER and changed nothing else since the plan was made.
        let fresh = observed(&[("A", Some("1")), ("OLD", Some("x")), ("OTHER", Some("${{shared.Y}}"))]);
        let set = whole_set(&fresh, &p).expect("writable");
        let shown: Vec<(&str, &str)> = set.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        assert_eq!(shown, [("A", "2"), ("OTHER", "${{shared.Y}}")]);
    }

    #[test]
    fn no_whole_set_over_sealed_or_provided_values() {
        let before = observed(&[("OLD", Some("x"))]);
        let p = sync_plan(&[], &before);
        assert!(whole_set(&observed(&[("OLD", Some("x")), ("S", None)]), &p).is_none());
        assert!(whole_set(&observed(&[("OLD", Some("x")), ("RAILWAY_PUBLIC_DOMAIN", Some("d"))]), &p).is_none());
        assert_eq!(whole_set(&observed(&[("OLD", Some("x"))]), &p).map(|s| s.len()), Some(0));
    }
}
