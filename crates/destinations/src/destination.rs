//! The seam between the sync engine and the platforms it writes to.
//!
//! The engine decides (the planner in `sluice-domain`); a [`Destination`] does: it
//! [`read`](Destination::read)s what its target holds, in the shape the planner takes,
//! and [`apply`](Destination::apply)s a plan, asking the engine through [`ApplyHooks`]
//! before every write (so a run that lost its lease writes nothing) and to remember a
//! redeploy it owes across a crash. Each destination keeps its client, operations and
//! apply step in its own folder (`railway/`), and is registered once in
//! [`Destinations`](crate::Destinations); the engine knows only this module.

use sluice_domain::{DestinationConfig, KeyRules, SecretToken, SyncPlan};
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
    /// Redeploy what the writes affect (a sync), or only write (a removal).
    pub redeploy: bool,
}

/// What a redeploy did. Both are successes: the variables are saved either way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedeployOutcome {
    /// The platform accepted a redeploy; the new deployment's id when it returned one.
    Redeployed { deployment_id: Option<String> },
    /// Nothing was redeployed, and why (shared variables, no deployment yet, …).
    NothingToRedeploy { reason: String },
}

/// What an apply did beyond the plan's writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The redeploy, when one was asked of the platform (an owed one is then paid).
    pub redeploy: Option<RedeployOutcome>,
}

/// The engine's side of an apply. A hook that fails stops the apply before its next
/// write; the engine knows why (its own error travels inside the [`HookError`]).
pub trait ApplyHooks: Send + Sync {
    /// Called before every write to the destination.
    fn before_write(&self) -> BoxFuture<'_, Result<(), HookError>>;
    /// Whether an earlier run wrote but never got to redeploy (a crash, a lost answer).
    fn redeploy_owed(&self) -> BoxFuture<'_, Result<bool, HookError>>;
    /// Records durably, before the writes that make it due, that a redeploy is owed. The
    /// engine settles it once an apply reports its redeploy.
    fn owe_redeploy(&self) -> BoxFuture<'_, Result<(), HookError>>;
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

    /// Whether a run that changes something at `config` also redeploys (for plan previews).
    fn redeploys(&self, config: &DestinationConfig) -> bool;

    /// The destination's special variable names (ones it provides, ones that configure it).
    fn key_rules(&self) -> &dyn KeyRules;

    /// Reads the variables of the target, recording the call.
    fn read<'a>(
        &'a self,
        target: Target<'a>,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Observed, DestinationError>>;

    /// Applies a plan: its upserts and deletes, then (when asked and anything changed, or
    /// an earlier run owes one) the redeploy. Nothing changed and nothing owed means no
    /// call at all.
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
            Self::RateLimited { .. } => "rate_limited",
            Self::Transient => "transient",
            Self::Rejected => "rejected",
            Self::OutcomeUnknown => "outcome_unknown",
            Self::Config => "config",
        }
    }
}

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
        matches!(self.class, ErrorClass::RateLimited { .. } | ErrorClass::Transient | ErrorClass::OutcomeUnknown)
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
