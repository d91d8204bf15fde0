//! The fake's state: the Railway world, the logs, the fault queue, the rate-limit buckets and the
//! configuration, all behind one mutex, and [`FakeState`], the cloneable handle with the
//! in-process test API (the `/__fake/` routes call the same methods).
//!
//! Start reading at [`FakeState`]; records are in `model`, seeding in `world`, variable reads
//! in `render`.

mod deployments;
mod gone;
mod model;
mod render;
mod world;

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

pub use deployments::AdvanceError;
pub(crate) use deployments::{CANNOT_REDEPLOY_YET, Start};
pub use gone::{GoneAnswer, GoneTarget};
pub use model::{
    DeployCause, DeployRecord, DeploymentStatus, RequestAuth, RequestRecord, RunningDeployment, VariableWrite,
};
pub(crate) use model::{
    Deployment, Environment, Project, Service, ServiceInstance, Token, User, Workspace, iso_millis,
};
pub(crate) use render::VariableMap;
pub(crate) use world::{Scope, World};

use crate::chaos::{Chaos, ChaosReport, ChaosState};
use crate::config::{FakeConfig, Knobs, RateLimit};
use crate::faults::{Fault, FaultQueue};
use crate::rate_limit::Limiter;
use crate::seed::{Seed, SeedError};

/// Everything mutable, guarded together so one request sees one consistent world.
#[derive(Debug)]
pub(crate) struct Inner {
    pub world: World,
    pub config: FakeConfig,
    pub limiter: Limiter,
    pub faults: FaultQueue,
    /// Chaos mode, when on (`chaos.rs`).
    pub chaos: Option<ChaosState>,
    pub requests: Vec<RequestRecord>,
    /// Requests answered, by HTTP status (cleared with the request log).
    pub status_counts: BTreeMap<u16, u64>,
    startup: (FakeConfig, Seed),
}

/// A handle on a fake's state: cheap to clone, shared by the HTTP routes and the test API.
#[derive(Clone, Debug)]
pub struct FakeState {
    inner: Arc<Mutex<Inner>>,
    /// Requests held by a [`crate::faults::FaultKind::Held`] fault: their arrivals, and the
    /// releases the test gives.
    pub(crate) gate: Arc<Gate>,
}

/// Where held requests wait.
#[derive(Debug)]
pub(crate) struct Gate {
    pub arrived: tokio::sync::Semaphore,
    pub released: tokio::sync::Semaphore,
}

/// Why a direct variable write was refused.
#[derive(Debug, thiserror::Error)]
pub enum SetVariableError {
    #[error("unknown environment {0}")]
    UnknownEnvironment(String),
    #[error("service {service} does not exist in environment {environment}")]
    UnknownServiceInstance { environment: String, service: String },
    #[error("a variable name cannot be empty")]
    EmptyName,
}

/// Why a control operation on deployments or deleted targets was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("unknown environment {0}")]
    UnknownEnvironment(String),
    #[error("service {service} does not exist in environment {environment}")]
    UnknownServiceInstance { environment: String, service: String },
    #[error("unknown {0:?}")]
    UnknownTarget(GoneTarget),
}

impl FakeState {
    /// A state holding `seed`, configured by `config`; `reset` returns to exactly this.
    pub fn new(config: FakeConfig, seed: Seed) -> Result<Self, SeedError> {
        let mut world = World::default();
        world.apply_seed(&seed)?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                world,
                config: config.clone(),
                limiter: Limiter::default(),
                faults: FaultQueue::default(),
                chaos: None,
                requests: Vec::new(),
                status_counts: BTreeMap::new(),
                startup: (config, seed),
            })),
            gate: Arc::new(Gate { arrived: tokio::sync::Semaphore::new(0), released: tokio::sync::Semaphore::new(0) }),
        })
    }

    /// The state, with every `timed` deployment brought up to now first.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock();
        inner.world.settle(time::OffsetDateTime::now_utc());
        inner
    }

    /// The stored variables of a scope (`service_id: None` = shared), sealed values as `None`.
    pub fn variables(&self, environment_id: &str, service_id: Option<&str>) -> BTreeMap<String, Option<String>> {
        let scope = (environment_id.to_owned(), service_id.map(str::to_owned));
        self.lock().world.unrendered(&scope)
    }

    /// Sets a variable directly, as a user editing Railway by hand would: no deploy, no
    /// validation beyond a non-empty name.
    pub fn try_set_variable(
        &self,
        environment_id: &str,
        service_id: Option<&str>,
        name: &str,
        value: &str,
        sealed: bool,
    ) -> Result<(), SetVariableError> {
        if name.is_empty() {
            return Err(SetVariableError::EmptyName);
        }
        let mut inner = self.lock();
        let world = &mut inner.world;
        if !world.environments.contains_key(environment_id) {
            return Err(SetVariableError::UnknownEnvironment(environment_id.to_owned()));
        }
        if let Some(service) = service_id {
            let key = (environment_id.to_owned(), service.to_owned());
            if !world.instances.contains_key(&key) {
                return Err(SetVariableError::UnknownServiceInstance {
                    environment: environment_id.to_owned(),
                    service: service.to_owned(),
                });
            }
        }
        let scope = (environment_id.to_owned(), service_id.map(str::to_owned));
        world.put_variable(&scope, name, value, Some(sealed));
        Ok(())
    }

    /// [`Self::try_set_variable`] for tests.
    ///
    /// # Panics
    /// If the environment or service instance does not exist or the name is empty.
    pub fn set_variable(&self, environment_id: &str, service_id: Option<&str>, name: &str, value: &str, sealed: bool) {
        if let Err(e) = self.try_set_variable(environment_id, service_id, name, value, sealed) {
            panic!("set_variable({name}): {e}");
        }
    }

    /// Deletes a variable as a person would in Railway's dashboard (no deploy recorded);
    /// returns whether it existed. For tests of drift.
    pub fn remove_variable(&self, environment_id: &str, service_id: Option<&str>, name: &str) -> bool {
        let scope = (environment_id.to_owned(), service_id.map(str::to_owned));
        self.lock().world.remove_variable(&scope, name)
    }

    /// Every deploy triggered since the start or the last `clear_deploys`.
    pub fn deploys(&self) -> Vec<DeployRecord> {
        self.lock().world.deploy_log.clone()
    }

    pub fn clear_deploys(&self) {
        self.lock().world.deploy_log.clear();
    }

    /// What the service instance's app runs now: its newest `SUCCESS` deployment and the
    /// variables that deployment was created with (`None` if nothing is live).
    pub fn running(&self, environment_id: &str, service_id: &str) -> Option<RunningDeployment> {
        self.lock().world.running(environment_id, service_id)
    }

    /// Creates a deployment the way a git push would (cause `push`, a new commit): with
    /// `status` (kept until advanced), or following the `deployLifecycle` knob when `None`.
    /// Returns the new deployment's id.
    pub fn try_push_deployment(
        &self,
        environment_id: &str,
        service_id: &str,
        status: Option<DeploymentStatus>,
    ) -> Result<String, ControlError> {
        let mut inner = self.lock();
        if !inner.world.environments.contains_key(environment_id) {
            return Err(ControlError::UnknownEnvironment(environment_id.to_owned()));
        }
        if !inner.world.instances.contains_key(&(environment_id.to_owned(), service_id.to_owned())) {
            return Err(ControlError::UnknownServiceInstance {
                environment: environment_id.to_owned(),
                service: service_id.to_owned(),
            });
        }
        let start = status.map_or_else(|| Start::from_knobs(&inner.config.knobs), Start::At);
        Ok(inner.world.deploy(environment_id, service_id, DeployCause::Push, start).id)
    }

    /// [`Self::try_push_deployment`] for tests.
    ///
    /// # Panics
    /// If the service instance does not exist.
    pub fn push_deployment(&self, environment_id: &str, service_id: &str, status: Option<DeploymentStatus>) -> String {
        self.try_push_deployment(environment_id, service_id, status).unwrap_or_else(|e| panic!("push_deployment: {e}"))
    }

    /// Marks a project, environment or service as deleted: from now on every operation touching
    /// it answers `answer`'s message and listings leave it out (until `reset`).
    pub fn try_mark_gone(&self, target: GoneTarget, answer: GoneAnswer) -> Result<(), ControlError> {
        let mut inner = self.lock();
        if !inner.world.has_target(&target) {
            return Err(ControlError::UnknownTarget(target));
        }
        inner.world.mark_gone(target, answer);
        Ok(())
    }

    /// [`Self::try_mark_gone`] for tests.
    ///
    /// # Panics
    /// If the target does not exist.
    pub fn mark_gone(&self, target: GoneTarget, answer: GoneAnswer) {
        if let Err(e) = self.try_mark_gone(target, answer) {
            panic!("mark_gone: {e}");
        }
    }

    /// Brings a target marked gone back (a deletion undone, or a transient outage of one
    /// target over); whether it was gone.
    pub fn restore_gone(&self, target: &GoneTarget) -> bool {
        self.lock().world.restore_gone(target)
    }

    /// Every variable change made by a Railway mutation since the start or the last
    /// `clear_writes`, oldest first (values included: for tests of what a client pushed).
    pub fn writes(&self) -> Vec<VariableWrite> {
        self.lock().world.write_log.clone()
    }

    pub fn clear_writes(&self) {
        self.lock().world.write_log.clear();
    }

    /// Turns chaos mode on (`Some`, a fresh generator from its seed) or off (`None`).
    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        self.lock().chaos = chaos.map(ChaosState::new);
    }

    /// What chaos mode did since it was turned on (`None` while it is off).
    pub fn chaos_report(&self) -> Option<ChaosReport> {
        self.lock().chaos.as_ref().map(ChaosState::report)
    }

    /// Moves every in-flight deployment (`QUEUED` … `DEPLOYING`) to `SUCCESS`; the ids moved.
    pub fn advance_deployments(&self) -> Vec<String> {
        self.try_advance(None, DeploymentStatus::Success).unwrap_or_default()
    }

    /// Moves one deployment to `to` (`BUILDING`, `DEPLOYING`, `SUCCESS`, `FAILED`, or `CRASHED`).
    ///
    /// # Panics
    /// If the deployment does not exist, is not in flight (only `SUCCESS → CRASHED` is allowed
    /// after that), or `to` is another status.
    pub fn advance_deployment(&self, deployment_id: &str, to: DeploymentStatus) {
        if let Err(e) = self.try_advance(Some(deployment_id), to) {
            panic!("advance_deployment: {e}");
        }
    }

    /// Moves one deployment (`Some(id)`) or every in-flight one (`None`) to `to`; the ids moved.
    pub fn try_advance(&self, deployment_id: Option<&str>, to: DeploymentStatus) -> Result<Vec<String>, AdvanceError> {
        self.lock().world.advance(deployment_id, to)
    }

    /// Every request to `/graphql/v2` since the start or the last `clear_requests`.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        let mut inner = self.lock();
        inner.requests.clear();
        inner.status_counts.clear();
    }

    /// How many `/graphql/v2` requests were answered with each HTTP status since the start or
    /// the last `clear_requests` (a counter, cheap to read during a benchmark).
    pub fn status_counts(&self) -> BTreeMap<u16, u64> {
        self.lock().status_counts.clone()
    }

    /// How many requests were answered `429 Too Many Requests` (rate limit or injected fault).
    pub fn rate_limited_count(&self) -> u64 {
        self.lock().status_counts.get(&429).copied().unwrap_or_default()
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Waits until a request held by a `held` fault has arrived (and is waiting).
    pub async fn held_request_arrived(&self) {
        if let Ok(permit) = self.gate.arrived.acquire().await {
            permit.forget();
        }
    }

    /// Lets one held request go on: it is executed now.
    pub fn release_held(&self) {
        self.gate.released.add_permits(1);
    }

    /// Faults still waiting for a request.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.lock().faults.pending()
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Turns rate limiting on (`Some`) or off (`None`); buckets start afresh.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let mut inner = self.lock();
        inner.config.rate_limit = limit;
        inner.limiter.clear();
    }

    /// Replaces the behaviour knobs.
    pub fn set_knobs(&self, knobs: Knobs) {
        self.lock().config.knobs = knobs;
    }

    /// The current configuration.
    pub fn config(&self) -> FakeConfig {
        self.lock().config.clone()
    }

    /// Merges a seed into the state (records with a known id are updated).
    pub fn try_seed(&self, seed: &Seed) -> Result<(), SeedError> {
        self.lock().world.apply_seed(seed)
    }

    /// [`Self::try_seed`] for tests.
    ///
    /// # Panics
    /// If the seed is invalid or refers to records that do not exist.
    pub fn seed(&self, seed: Seed) {
        if let Err(e) = self.try_seed(&seed) {
            panic!("seed: {e}");
        }
    }

    /// Back to the startup seed and configuration; logs, faults and buckets emptied.
    pub fn reset(&self) {
        let mut inner = self.lock();
        let (config, seed) = inner.startup.clone();
        let mut world = World::default();
        // The startup seed was applied once already, so it applies again.
        if world.apply_seed(&seed).is_ok() {
            inner.world = world;
        }
        inner.config = config;
        inner.limiter.clear();
        inner.faults.clear();
        inner.chaos = None;
        inner.requests.clear();
        inner.status_counts.clear();
    }
}
