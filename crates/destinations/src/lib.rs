//! Sync destinations: where Sluice writes secrets.
//!
//! Reading order: [`destination`] (the seam: the [`Destination`] trait the engine talks
//! to, what goes in and comes out) → [`registry`] (which destinations exist) →
//! [`railway`] (the one there is: a typed client for Railway's public GraphQL API with
//! classified errors, rate-limit tracking and the operations a secret sync needs, and
//! in `railway/apply.rs` the apply step).
//!
//! This crate performs the I/O only; what to write and delete is decided by the sync
//! planner in `sluice-domain`.

#![warn(missing_debug_implementations)]

pub mod destination;
pub mod railway;
pub mod registry;

pub use destination::{
    Applied, ApplyError, ApplyHooks, ApplyRequest, BoxFuture, Call, CallLog, DeployState, Destination,
    DestinationError, ErrorClass, GONE_ATTEMPTS, HookError, Observed, PendingDeploy, ServiceDeploy, Target,
};
pub use registry::Destinations;
