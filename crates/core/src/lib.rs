//! The secrets core: what both the HTTP API and the sync engine do with secrets, and
//! nothing that knows HTTP or the engine.
//!
//! Reading order: [`Core`] (the handle: the store, the key ring, the change signal) →
//! [`secrets`] (reading a folder as a consumer sees it, and every write to secrets) →
//! [`keys`] (root and project keys) → [`credentials`] (sealed connection credentials) →
//! [`signing_secrets`] (sealed webhook signing secrets) →
//! [`audit`] (recording who did what) → [`error`] (the one error type, [`CoreError`]).
//!
//! Why a crate of its own: the API's features and the engine both read folders and write
//! secrets; with the core below both, neither imports the other, and the compiler keeps
//! it that way (this crate cannot name `axum`, the server or the engine).

#![warn(missing_debug_implementations)]

pub mod audit;
pub mod credentials;
pub mod error;
pub mod keys;
pub mod oidc;
pub mod secrets;
pub mod signing_secrets;

pub use error::{CoreError, CoreResult};

use keys::KeyRing;
use secrets::{FolderCache, StructureCache};
use sluice_storage::Store;
use std::sync::Arc;
use tokio::sync::Notify;

/// The core's shared state. Cheap to clone.
#[derive(Clone)]
pub struct Core(Arc<Inner>);

struct Inner {
    store: Store,
    keys: KeyRing,
    changes: Notify,
    folders: FolderCache,
    structure: StructureCache,
}

/// How many secrets the folder cache holds at most (their rows, values and comments).
const FOLDER_CACHE_SECRETS: usize = 20_000;

impl Core {
    pub fn new(store: Store, keys: KeyRing) -> Self {
        Self(Arc::new(Inner {
            store,
            keys,
            changes: Notify::new(),
            folders: FolderCache::new(FOLDER_CACHE_SECRETS),
            structure: StructureCache::default(),
        }))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn keys(&self) -> &KeyRing {
        &self.0.keys
    }

    /// Opened folder contents kept between reads (see [`secrets::cache`]).
    pub fn folder_cache(&self) -> &FolderCache {
        &self.0.folders
    }

    /// Projects' environments, folders and imports kept between reads (see
    /// [`secrets::structure`]).
    pub fn structure_cache(&self) -> &StructureCache {
        &self.0.structure
    }

    /// Notified after a committed write recorded change events (the engine's dispatcher
    /// waits on it).
    pub fn changes(&self) -> &Notify {
        &self.0.changes
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("backend", &self.0.store.backend()).finish_non_exhaustive()
    }
}
