//! Shared server state handed to every handler and worker.

use crate::cache::TtlCache;
use crate::config::Settings;
use crate::keys::KeyRing;
use sluice_domain::{OrgId, ProjectRole};
use sluice_storage::Store;
use sluice_storage::memberships::Principal;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub keys: KeyRing,
    pub settings: Settings,
    /// Token digest → who it authenticates, for tokens without a use limit.
    pub tokens: TtlCache<String, crate::auth::CachedToken>,
    /// (principal, project) → effective role (`None` = no access).
    pub roles: TtlCache<(Principal, String), Option<(ProjectRole, OrgId)>>,
    /// Wake-ups inside this process.
    pub signals: Signals,
    pub started: Instant,
}

/// In-process wake-ups. Across nodes, PostgreSQL NOTIFY feeds the same signals.
#[derive(Default)]
pub struct Signals {
    /// A secret change was committed: the change dispatcher has work.
    pub changes: Notify,
    /// A job was queued: workers have work.
    pub jobs: Notify,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, keys: KeyRing, settings: Settings) -> Self {
        Self(Arc::new(Inner {
            store,
            keys,
            settings,
            tokens: TtlCache::new(Duration::from_secs(5), 100_000),
            roles: TtlCache::new(Duration::from_secs(5), 100_000),
            signals: Signals::default(),
            started: Instant::now(),
        }))
    }

    /// Forgets cached roles of a project (after a membership change here).
    pub fn forget_roles(&self, project: &str) {
        self.roles.retain(|(_, p), _| p != project);
    }
}
