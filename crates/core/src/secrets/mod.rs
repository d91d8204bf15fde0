//! Secrets as the core keeps them.
//!
//! Reading order: [`place`] (environments and folders by name, and the errors naming
//! them) → [`resolve`] (a folder's secrets with imports merged and `${…}` references
//! expanded; [`resolve::resolve_folder`] is what a sync reads) → [`cache`] (opened folder
//! contents kept while the project's change counter stands still) → [`structure`] (its
//! environments, folders and imports, kept the same way) → [`transaction`] (the
//! [`SecretWrite`] every change goes through, so none can skip its change event) →
//! [`ops`] (the write primitives: row, version, event) → [`seal`] (how values and
//! comments are bound to their row when encrypted).

pub mod cache;
pub mod ops;
pub mod place;
pub mod resolve;
pub mod seal;
pub mod structure;
pub mod transaction;

pub use cache::FolderCache;
pub use ops::{NewSecret, SecretUpdate, Written};
pub use place::Env;
pub use resolve::{Dependency, ResolveOptions, ResolvedFolder, Resolver, resolve_folder, resolve_folder_of};
pub use seal::RowIdentity;
pub use structure::StructureCache;
pub use transaction::SecretWrite;
