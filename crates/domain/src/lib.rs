//! Sluice's pure domain: typed identifiers, validated names, roles, and the decisions
//! a secret sync makes (key schemas, the sync planner, reference expansion, retry delays).
//!
//! Nothing here performs I/O. Start with [`names`] for the values parsed at the edge,
//! then [`planner`] for what a sync does.

pub mod ids;
pub mod names;
pub mod role;

pub use ids::*;
pub use names::{EnvSlug, FolderPath, NameError, SecretKey, Slug};
pub use role::{OrgRole, ProjectRole};
