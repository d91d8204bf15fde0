//! Sluice's pure domain: typed identifiers, validated names, roles, and the decisions
//! a secret sync makes. Nothing here performs I/O or needs a runtime.
//!
//! Where to start reading:
//!
//! * [`names`] and [`ids`]: the values parsed once where input enters;
//! * [`planner`]: **what a sync does** — `plan(desired, observed, options) -> SyncPlan`, the
//!   decision the Railway destination executes, and `plan_removal` for "remove secrets";
//! * [`key_schema`]: how Sluice keys become destination keys and which keys a sync manages;
//! * [`sync_config`]: a sync's validated options and Railway destination;
//! * [`import`]: the first sync's import of destination variables;
//! * [`references`]: `${KEY}` / `${env.path.KEY}` expansion in secret values;
//! * [`backoff`]: retry delays for sync jobs;
//! * [`login_throttle`]: whether a sign-in may be checked, must wait, or is locked;
//! * [`retention`]: how many versions of each secret a project keeps;
//! * [`notifications`]: the events channels subscribe to and how deliveries retry;
//! * [`role`]: who may do what;
//! * [`status`]: the words of states and kinds (sync and run statuses, job kinds, …);
//! * [`secret`]: [`SecretValue`] and [`SecretToken`], text that never prints.
//!
//! Functions (`planner::plan`, `references::expand`, ...) are called through their module;
//! the types are re-exported here.

#![warn(missing_debug_implementations)]

pub mod backoff;
pub mod drift;
pub mod ids;
pub mod import;
pub mod key_schema;
pub mod ledger;
pub mod login_throttle;
pub mod names;
pub mod notifications;
pub mod planner;
pub mod references;
pub mod retention;
pub mod role;
pub mod secret;
pub mod status;
#[cfg(feature = "sqlx")]
mod stored;
pub mod sync_config;

#[cfg(test)]
mod testgen;

pub use backoff::RetryPolicy;
pub use ids::*;
pub use import::{ImportBehavior, ImportError, ImportPlan, InitialSyncBehavior};
pub use key_schema::{KeyMatcher, KeySchema};
pub use names::{EnvSlug, FolderPath, NameError, SecretKey, Slug};
pub use notifications::{ChannelKind, DeliveryStatus, EventType};
pub use planner::{
    KeyClass, KeyRules, NameRule, OrdinaryKeys, PlanAction, PlanCounts, PlanEntry, PlanOptions, SkipReason, SyncPlan,
};
pub use references::{ExpandError, RefLocation, RefTarget, Reference};
pub use retention::VersionLimit;
pub use role::{OrgRole, ProjectRole};
pub use secret::{SecretToken, SecretValue};
pub use status::{
    ActorType, App, DriftPolicy, DriftStatus, JobKind, JobState, KeyDrift, RedeployPolicy, RunStatus, SyncStatus,
    TokenKind, Trigger, UnknownWord, VersionAction,
};
pub use sync_config::{DeletionGuard, DestinationConfig, RailwayDestination, SluiceOptions, SyncOptions};
