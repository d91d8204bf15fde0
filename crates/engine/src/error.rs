//! The engine's one error type, and how each kind ends a job: retried later, or failed
//! at once because retrying cannot fix it. The HTTP layer maps it for plan previews.

use sluice_core::CoreError;
use sluice_destinations::{ApplyError, DestinationError};
use sluice_storage::StorageError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The source cannot be read as configured (folder gone, an invalid key, an import
    /// that cannot be planned). Retrying cannot fix it; the message says what to change.
    #[error("{0}")]
    Source(String),
    /// The secrets core failed: a folder or environment that is gone, a reference that
    /// does not resolve, or storage.
    #[error("{0}")]
    Core(#[from] CoreError),
    /// The destination failed; its own message is kept.
    #[error("{0}")]
    Destination(#[from] DestinationError),
    /// The sync's stored configuration or credentials are unusable.
    #[error("{0}")]
    Config(String),
    /// The writes are done and deploys are on their way (or wait for a build in flight):
    /// the job comes back to follow them. `since` is when the oldest became due.
    #[error("{message}")]
    Deploying { message: String, since: i64 },
    /// The writes are done but the deployment that carries them failed.
    #[error("{0}")]
    DeployFailed(String),
    /// The plan deletes too many of the sync's keys (the mass-deletion guard): nothing was
    /// written; the plan waits for someone to confirm it by its fingerprint.
    #[error("{message}")]
    Held { plan_hash: String, message: String },
    /// Another job took over this sync (our lease ran out): stop without writing.
    #[error("the job lost its lease on the sync; another run took over")]
    LeaseLost,
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Internal(String),
}

impl EngineError {
    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Destination(e) => e.is_retryable(),
            Self::Storage(_) | Self::Deploying { .. } => true,
            Self::Core(e) => e.is_transient(),
            Self::Source(_)
            | Self::Config(_)
            | Self::LeaseLost
            | Self::Internal(_)
            | Self::DeployFailed(_)
            | Self::Held { .. } => false,
        }
    }

    /// The most attempts a job failing this way gets, when fewer than its own.
    pub fn attempt_limit(&self) -> Option<u32> {
        match self {
            Self::Destination(e) => e.attempt_limit(),
            _ => None,
        }
    }

    /// The wait the destination asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Destination(e) => e.retry_after(),
            _ => None,
        }
    }

    /// A short class name for run records (`unauthorized`, `rate_limited`, `source`, …).
    pub fn class(&self) -> &'static str {
        match self {
            Self::Destination(e) => e.class.as_str(),
            Self::Source(_) => "source",
            Self::Core(e) if e.is_transient() => "storage",
            Self::Core(e) if e.is_internal() => "internal",
            Self::Core(_) => "source",
            Self::Config(_) => "config",
            Self::LeaseLost => "lease-lost",
            Self::Held { .. } => "held",
            Self::Deploying { .. } => "deploying",
            Self::DeployFailed(_) => "deploy-failed",
            Self::Storage(_) => "storage",
            Self::Internal(_) => "internal",
        }
    }
}

/// An apply stopped by a hook carries the engine's own error back; one stopped by the
/// destination is the destination's.
impl From<ApplyError> for EngineError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Destination(d) => Self::Destination(d),
            ApplyError::Stopped(hook) => match hook.0.downcast::<EngineError>() {
                Ok(own) => *own,
                Err(other) => Self::Internal(other.to_string()),
            },
        }
    }
}
