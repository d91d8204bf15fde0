//! The seam between the sync engine and the platforms it writes to.
//!
//! The engine decides (the planner in `sluice-domain`); a [`Destination`] does: it
//! [`read`](Destination::read)s what its target holds, in the shape the planner takes,
//! and [`apply`](Destination::apply)s a plan, asking the engine through [`ApplyHooks`]
//! before every write (so a run that lost its lease writes nothing) and to remember a
//! redeploy it owes across a crash. Each destination keeps its client, operations and
//! apply step in its own folder (`railway/`), and is registered once in
//! [`Destinations`](crate::Destinations); the engine knows only this module.

use sluice_domain::{DestinationConfig, KeyRules, RedeployPolicy, SecretToken, SyncPlan};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// A boxed, sendable future, as the object-safe traits of this crate return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The variables a target holds, by name, unrendered; `None` for a value the platform
/// will not show back (sealed). The planner's input.
pub use sluice_domain::planner::Observed;

/// Where and as whom a sync writes: its destination configuration and its connection's
/// method and token.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub config: &'a DestinationConfig,
    /// The connection's method (for Railway, the token kind: `account-token`, …).
    pub method: &'a str,
    pub token: &'a SecretToken,
}

/// What applying a plan is asked to do.
#[derive(Clone, Copy, Debug)]
pub struct ApplyRequest<'a> {
    pub plan: &'a SyncPlan,
    /// The target as read for the plan (spares the destination reading it again).
    pub observed: &'a Observed,
    /// Which services the writes redeploy.
    pub redeploy: RedeployPolicy,
    /// No other sync writes to this target: writing the target's whole set at once cannot
    /// erase another sync's variables.
    pub exclusive: bool,
}

/// A service's deploy the sync owes (no deployment yet) or waits for (the deployment it
/// asked for), as the engine keeps it between runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDeploy {
    pub service_id: String,
    pub deployment_id: Option<String>,
    /// Owed, but a redeploy was asked for whose answer was never recorded: the service's
    /// newest deployment just before (see [`ApplyHooks::requesting_redeploy`]).
    pub requested_after: Option<String>,
}

/// Where one service's deploy stands after an apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployState {
    /// A deployment created after the write is live: the app runs with the new values.
    Live { deployment_id: String },
    /// A deployment created after the write is on its way (queued, building, deploying).
    Deploying { deployment_id: String, status: String },
    /// Not redeployed yet: a build that started before the write is still in flight, or
    /// the platform asked to wait. Still owed.
    Waiting { reason: String },
    /// Nothing runs that could be redeployed (no deployment yet, none with a snapshot):
    /// the values reach the app with its next deploy.
    NotRedeployed { reason: String },
    /// The deployment that carries the new values failed.
    Failed { deployment_id: String, status: String },
}

impl DeployState {
    /// Whether the engine should come back for this service.
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Deploying { .. } | Self::Waiting { .. })
    }
}

/// One service's deploy after an apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDeploy {
    pub service_id: String,
    /// Its name at the platform, when known.
    pub service_name: Option<String>,
    pub state: DeployState,
}

/// What an apply did beyond the plan's writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The services redeployed, waited for or settled, in order.
    pub deploys: Vec<ServiceDeploy>,
    /// What people should know about how the writes were made.
    pub notes: Vec<String>,
}

/// The engine's side of an apply. A hook that fails stops the apply before its next
/// write; the engine knows why (its own error travels inside the [`HookError`]).
pub trait ApplyHooks: Send + Sync {
    /// Called before every write to the destination.
    fn before_write(&self) -> BoxFuture<'_, Result<(), HookError>>;
    /// The deploys earlier runs left owed or waited for (a crash, a lost answer, a build
    /// that was in flight).
    fn pending_deploys(&self) -> BoxFuture<'_, Result<Vec<PendingDeploy>, HookError>>;
    /// Records durably, before the writes that make them due, that these services owe a
    /// redeploy. The engine settles them from what the apply reports.
    fn owe_deploys<'a>(&'a self, services: &'a [String]) -> BoxFuture<'a, Result<(), HookError>>;
    /// Records where one service's deploy stands, as soon as the apply knows (so a failure
    /// later in the same apply does not lose a deployment already asked for).
    fn record_deploy<'a>(&'a self, deploy: &'a ServiceDeploy) -> BoxFuture<'a, Result<(), HookError>>;
    /// Records durably, just before a redeploy of `service_id` is asked for, the newest
    /// deployment the service has (`newest`). Should the answer be lost (a crash, a dropped
    /// connection), a later run finds the deployment the redeploy made (one newer than
    /// `newest`, so made after the write) and follows it instead of redeploying again.
    /// It is the redeploy's [`ApplyHooks::before_write`] too: it fails when the run may
    /// not write any more.
    fn requesting_redeploy<'a>(&'a self, service_id: &'a str, newest: &'a str) -> BoxFuture<'a, Result<(), HookError>>;
}

/// A hook's failure, carrying the engine's own error.
#[derive(Debug)]
pub struct HookError(pub Box<dyn std::error::Error + Send + Sync>);

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why an apply stopped: the destination failed, or a hook stopped it.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{0}")]
    Destination(#[from] DestinationError),
    #[error("{0}")]
    Stopped(HookError),
}

impl From<HookError> for ApplyError {
    fn from(e: HookError) -> Self {
        Self::Stopped(e)
    }
}

/// A platform a sync writes to.
pub trait Destination: Send + Sync {
    /// Where `config` writes, in words (`Railway project P / environment E / service S`).
    fn describe(&self, config: &DestinationConfig) -> String;

    /// The services a run applying `plan` would redeploy, by name (for plan previews;
    /// reads the destination).
    fn redeploy_preview<'a>(
        &'a self,
        target: Target<'a>,
        plan: &'a SyncPlan,
        observed: &'a Observed,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Vec<String>, DestinationError>>;

    /// The destination's special variable names (ones it provides, ones that configure it).
    fn key_rules(&self) -> &dyn KeyRules;

    /// Reads the variables of the target, recording the call.
    fn read<'a>(
        &'a self,
        target: Target<'a>,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Observed, DestinationError>>;

    /// Applies a plan: its upserts and deletes, then the deploys: redeploying the services
    /// the writes reach (per the request's policy) and any an earlier run owes, and
    /// checking on deployments an earlier run waits for. Nothing changed and nothing
    /// pending means no call at all.
    fn apply<'a>(
        &'a self,
        target: Target<'a>,
        request: ApplyRequest<'a>,
        hooks: &'a dyn ApplyHooks,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Applied, ApplyError>>;
}

/// How a destination call failed, as the engine acts on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// The credentials were refused (or cannot see the resource).
    Unauthorized,
    /// The platform says the resource does not exist.
    NotFound,
    /// The target (project, environment, service) is gone or out of the credentials'
    /// reach, while the credentials themselves work. Retried a few times (a deletion
    /// answer can be a passing failure), then the sync fails.
    Gone,
    /// Nothing was applied; send again after the wait (when the platform said).
    RateLimited { retry_after: Option<Duration> },
    /// An outage that says nothing about the request; sending again may succeed.
    Transient,
    /// The request was refused as malformed; sending it again fails the same way.
    Rejected,
    /// A write's answer was lost: re-read before deciding again.
    OutcomeUnknown,
    /// The destination or the connection is misconfigured.
    Config,
}

impl ErrorClass {
    /// The stable name run records and audit entries use (`rate_limited`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Gone => "gone",
            Self::RateLimited { .. } => "rate_limited",
            Self::Transient => "transient",
            Self::Rejected => "rejected",
            Self::OutcomeUnknown => "outcome_unknown",
            Self::Config => "config",
        }
    }
}

/// Attempts a sync gets while its target answers as gone.
pub const GONE_ATTEMPTS: u32 = 3;

/// A destination's failure: its class, its name (`Railway`), and its words. Display is
/// the full message (`Railway refused the credentials: Not Authorized`); never a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DestinationError {
    /// The platform's name for messages (`Railway`).
    pub destination: &'static str,
    pub class: ErrorClass,
    /// The platform's own words, without the class prefix.
    pub detail: String,
    message: String,
}

impl DestinationError {
    pub fn new(destination: &'static str, class: ErrorClass, detail: String, message: String) -> Self {
        Self { destination, class, detail, message }
    }

    /// Whether a later attempt of the same run may succeed (an unknown outcome is
    /// retried too: the next attempt re-reads before it writes).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.class,
            ErrorClass::RateLimited { .. } | ErrorClass::Transient | ErrorClass::OutcomeUnknown | ErrorClass::Gone
        )
    }

    /// The most attempts a run failing this way gets, when fewer than the job's own.
    pub fn attempt_limit(&self) -> Option<u32> {
        match self.class {
            ErrorClass::Gone => Some(GONE_ATTEMPTS),
            _ => None,
        }
    }

    /// The wait the platform asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.class {
            ErrorClass::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }
}

/// One call a run made to a destination's API: names and outcomes, never values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The API operation (`variables`, `variableCollectionUpsert`, …).
    pub operation: String,
    /// For per-key operations, the variable name.
    pub key: Option<String>,
    pub ok: bool,
    pub duration_ms: u64,
    pub error: Option<String>,
}

/// The calls of one run, in order.
#[derive(Clone, Debug, Default)]
pub struct CallLog(Vec<Call>);

impl CallLog {
    /// Runs `call`, recording its operation, outcome and duration.
    pub async fn track<T, E: fmt::Display>(
        &mut self,
        operation: &str,
        key: Option<&str>,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = call.await;
        self.0.push(Call {
            operation: operation.to_string(),
            key: key.map(str::to_string),
            ok: result.is_ok(),
            duration_ms: started.elapsed().as_millis() as u64,
            error: result.as_ref().err().map(|e| e.to_string()),
        });
        result
    }

    pub fn calls(&self) -> &[Call] {
        &self.0
    }
}
