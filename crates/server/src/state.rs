//! Shared server state handed to every handler and worker.

use crate::cache::TtlCache;
use crate::config::Settings;
use sluice_core::Core;
use sluice_core::keys::KeyRing;
use sluice_destinations::railway::{RailwayApi, RailwayClient, RailwayConfig, RailwayError};
use sluice_domain::{OrgId, ProjectId, ProjectRole, SyncId};
use sluice_storage::Store;
use sluice_storage::memberships::Principal;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast, watch};

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The secrets core (store, key ring, change signal), shared with the engine.
    pub core: Core,
    /// The core's store, for the features' own queries.
    pub store: Store,
    pub settings: Settings,
    /// Token digest → who it authenticates, for tokens without a use limit.
    pub tokens: TtlCache<String, crate::auth::CachedToken>,
    /// (principal, project) → effective role (`None` = no access).
    pub roles: TtlCache<(Principal, ProjectId), Option<(ProjectRole, OrgId)>>,
    /// Wake-ups inside this process.
    pub signals: Signals,
    pub started: Instant,
    /// Railway, through the real client (pointed at a fake Railway in tests and `--dev --railway-fake`).
    pub railway: Arc<dyn RailwayApi>,
    /// This process's name in job leases and run records.
    pub node_id: String,
}

/// In-process wake-ups. Across nodes, PostgreSQL NOTIFY feeds the same signals.
pub struct Signals {
    /// A job was queued: workers have work.
    pub jobs: Notify,
    /// A run finished (tests and benchmarks wait on this instead of sleeping).
    pub runs: broadcast::Sender<crate::engine::run::RunFinished>,
    /// A sync's status changed (the UI's live status stream).
    pub syncs: broadcast::Sender<SyncId>,
    /// The server is shutting down: long-lived responses (the UI's live status streams)
    /// end, so that graceful shutdown does not wait for browsers to hang up.
    pub stopping: watch::Sender<bool>,
}

impl Default for Signals {
    fn default() -> Self {
        Self {
            jobs: Notify::new(),
            runs: broadcast::channel(1024).0,
            syncs: broadcast::channel(1024).0,
            stopping: watch::channel(false).0,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, keys: KeyRing, settings: Settings) -> Result<Self, RailwayError> {
        let mut railway_config = RailwayConfig::with_endpoint(settings.railway_api_url.clone());
        railway_config.timeout = settings.engine.railway_timeout;
        let railway: Arc<dyn RailwayApi> = Arc::new(RailwayClient::new(railway_config)?);
        Ok(Self::with_railway(store, keys, settings, railway))
    }

    /// State with a given Railway implementation.
    pub fn with_railway(store: Store, keys: KeyRing, settings: Settings, railway: Arc<dyn RailwayApi>) -> Self {
        let node_id = settings.engine.node_id.clone().unwrap_or_else(|| {
            format!("{}:{}", std::env::var("HOSTNAME").unwrap_or_else(|_| "node".to_string()), settings.listen.port())
        });
        Self(Arc::new(Inner {
            core: Core::new(store.clone(), keys),
            store,
            settings,
            tokens: TtlCache::new(Duration::from_secs(5), 100_000),
            roles: TtlCache::new(Duration::from_secs(5), 100_000),
            signals: Signals::default(),
            started: Instant::now(),
            railway,
            node_id,
        }))
    }

    /// Tells listeners (the UI's live status) that a sync's status may have changed.
    pub fn notify_sync_changed(&self, sync_id: &SyncId) {
        let _ = self.signals.syncs.send(sync_id.clone());
    }

    /// Forgets cached roles of a project (after a membership change here).
    pub fn forget_roles(&self, project: &ProjectId) {
        self.roles.retain(|(_, p), _| p != project);
    }
}
