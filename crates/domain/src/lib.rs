//! Sluice's pure domain: typed identifiers, validated names, roles, and the decisions
//! a secret sync makes (key schemas, the sync planner, reference expansion, retry delays).
//!
//! Nothing here performs I/O. Start with [`names`] for the values parsed at the edge,
//! then [`planner`] for what a sync does.

pub mod backoff;
pub mod ids;
pub mod import;
pub mod key_schema;
pub mod names;
pub mod planner;
pub mod references;
pub mod role;

#[cfg(test)]
mod testgen;

pub use backoff::RetryPolicy;
pub use ids::*;
pub use import::{ImportBehavior, ImportError, ImportPlan, InitialSyncBehavior};
pub use key_schema::{KeyMatcher, KeySchema};
pub use names::{EnvSlug, FolderPath, NameError, SecretKey, Slug};
pub use planner::{NameRule, PlanAction, PlanCounts, PlanEntry, PlanOptions, SkipReason, SyncPlan};
pub use references::{ExpandError, RefLocation, RefTarget, Reference};
pub use role::{OrgRole, ProjectRole};
