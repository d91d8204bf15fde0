//! The engine's one error type, and how each kind ends a job: retried later, or failed
//! at once because retrying cannot fix it.

use sluice_destinations::railway::RailwayError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The source cannot be read as configured (folder gone, a reference that does not
    /// resolve, an invalid key). Retrying cannot fix it; the message says what to change.
    #[error("{0}")]
    Source(String),
    /// The secrets core failed: a folder or environment that is gone, a reference that
    /// does not resolve, or storage.
    #[error("{0}")]
    Core(#[from] sluice_core::CoreError),
    /// Railway failed; its own message is kept.
    #[error("{0}")]
    Railway(#[from] RailwayError),
    /// The sync's stored configuration or credentials are unusable.
    #[error("{0}")]
    Config(String),
    /// Another job took over this sync (our lease ran out): stop without writing.
    #[error("the job lost its lease on the sync; another run took over")]
    LeaseLost,
    #[error("{0}")]
    Storage(#[from] sluice_storage::StorageError),
    #[error("{0}")]
    Internal(String),
}

impl EngineError {
    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Railway(e) => e.is_retryable() || matches!(e, RailwayError::OutcomeUnknown { .. }),
            Self::Storage(_) => true,
            Self::Core(e) => e.is_transient(),
            Self::Source(_) | Self::Config(_) | Self::LeaseLost | Self::Internal(_) => false,
        }
    }

    /// The wait Railway asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Railway(e) => e.retry_after(),
            _ => None,
        }
    }

    /// A short class name for run records (`unauthorized`, `rate-limited`, `source`, …).
    pub fn class(&self) -> &'static str {
        match self {
            Self::Railway(e) => e.class(),
            Self::Source(_) => "source",
            Self::Core(e) if e.is_transient() => "storage",
            Self::Core(e) if e.is_internal() => "internal",
            Self::Core(_) => "source",
            Self::Config(_) => "config",
            Self::LeaseLost => "lease-lost",
            Self::Storage(_) => "storage",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<EngineError> for crate::error::ApiError {
    fn from(e: EngineError) -> Self {
        use crate::error::ApiError;
        match e {
            EngineError::Source(m) | EngineError::Config(m) => ApiError::BadRequest(m),
            // A plan preview that cannot read its source is refused as a bad request, as
            // the sync itself would fail; storage and key failures stay internal.
            EngineError::Core(c) if c.is_internal() => ApiError::from(c),
            EngineError::Core(c) => ApiError::BadRequest(c.to_string()),
            EngineError::Railway(RailwayError::RateLimited { retry_after, .. }) => ApiError::TooManyRequests {
                message: "Railway is rate limiting this connection's token; try again later".to_string(),
                retry_after_secs: retry_after.map(|d| d.as_secs()).unwrap_or(60),
            },
            EngineError::Railway(r) if r.is_retryable() => ApiError::BadGateway(format!("Railway: {}", r.message())),
            EngineError::Railway(r) => ApiError::BadRequest(format!("Railway: {}", r.message())),
            EngineError::LeaseLost => ApiError::BadRequest(e.to_string()),
            EngineError::Storage(s) => ApiError::Internal(s.to_string()),
            EngineError::Internal(m) => ApiError::Internal(m),
        }
    }
}
