//! Shared server state handed to every handler and worker.

use crate::cache::TtlCache;
use crate::config::Settings;
use sluice_core::Core;
use sluice_core::keys::KeyRing;
use sluice_destinations::Destinations;
use sluice_destinations::railway::pacing::PaceSettings;
use sluice_destinations::railway::{RailwayApi, RailwayClient, RailwayConfig, RailwayError, RailwayMetrics};
use sluice_domain::{OrgId, ProjectId, ProjectRole, SyncId};
use sluice_engine::Engine;
use sluice_engine::paces::StorePaces;
use sluice_storage::memberships::Principal;
use sluice_storage::{Backend, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The secrets core (store, key ring, change signal), shared with the engine.
    pub core: Core,
    /// The sync engine (queue, runs, their notices).
    pub engine: Engine,
    /// Notification delivery (webhooks, email) from the outbox the engine writes.
    pub notifier: sluice_notify::Notifier,
    /// The destinations (Railway's client serves the connection and picker endpoints).
    pub destinations: Destinations,
    /// The core's store, for the features' own queries.
    pub store: Store,
    pub settings: Settings,
    /// Token digest → who it authenticates, for tokens without a use limit.
    pub tokens: TtlCache<String, crate::auth::CachedToken>,
    /// (principal, project) → effective role (`None` = no access).
    pub roles: TtlCache<(Principal, ProjectId), Option<(ProjectRole, OrgId)>>,
    /// (connection, its version) → the Railway projects it can write to, for the picker:
    /// the wizard asks on every step, and each listing costs the token's shared budget.
    pub pickers: TtlCache<(String, i64), Vec<sluice_api_types::connections::RailwayProjectOut>>,
    /// OIDC issuers' signing keys, cached, for OIDC login of machine identities.
    pub oidc: sluice_core::oidc::OidcVerifier,
    /// Whole secret-list answers, kept while their project is unchanged.
    pub answers: crate::features::secrets::answers::AnswerCache,
    /// Permits of Argon2 hashing and verification, one per core.
    pub hashing: crate::features::auth::hashing::PasswordHashing,
    /// The server is shutting down: long-lived responses (the UI's live status streams)
    /// end, so that graceful shutdown does not wait for browsers to hang up.
    pub stopping: watch::Sender<bool>,
    pub started: Instant,
    /// This server's figures for `/metrics` (its own registry: see `crate::metrics`).
    pub metrics: crate::metrics::Metrics,
    /// The Railway tokens' pacing states, when this server paces its own client.
    pub paces: Option<StorePaces>,
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
        railway_config.mutation_timeout = settings.engine.railway_mutation_timeout;
        // SQLite's pacing store is this node's own: waited for as long as the writer takes.
        let store_wait = match store.backend() {
            Backend::Sqlite => None,
            Backend::Postgres => PaceSettings::default().store_wait,
        };
        let pacing = PaceSettings { rps: settings.engine.railway_rps, store_wait, ..PaceSettings::default() };
        let railway_metrics = RailwayMetrics::default();
        let paces = StorePaces::new(store.clone());
        let client = RailwayClient::new(railway_config)?
            .with_pacing(Arc::new(paces.clone()), pacing)
            .with_metrics(railway_metrics.clone());
        let railway: Arc<dyn RailwayApi> = Arc::new(client);
        Ok(Self::build(store, keys, settings, railway, railway_metrics, Some(paces)))
    }

    /// State with a given Railway implementation, counting its calls in `railway_metrics`.
    pub fn with_railway(
        store: Store,
        keys: KeyRing,
        settings: Settings,
        railway: Arc<dyn RailwayApi>,
        railway_metrics: RailwayMetrics,
    ) -> Self {
        Self::build(store, keys, settings, railway, railway_metrics, None)
    }

    fn build(
        store: Store,
        keys: KeyRing,
        settings: Settings,
        railway: Arc<dyn RailwayApi>,
        railway_metrics: RailwayMetrics,
        paces: Option<StorePaces>,
    ) -> Self {
        let node_id = settings.engine.node_id.clone().unwrap_or_else(|| {
            format!("{}:{}", std::env::var("HOSTNAME").unwrap_or_else(|_| "node".to_string()), settings.listen.port())
        });
        let core = Core::new(store.clone(), keys);
        let destinations = Destinations::new(railway);
        let notifier = sluice_notify::Notifier::new(core.clone(), settings.notify.clone(), node_id.clone());
        let engine = Engine::new(core.clone(), destinations.clone(), settings.engine.clone(), node_id);
        let metrics = crate::metrics::Metrics::new(engine.metrics(), &railway_metrics);
        let settings_read_cache = settings.read_cache_bytes;
        Self(Arc::new(Inner {
            core,
            engine,
            notifier,
            destinations,
            store,
            settings,
            tokens: TtlCache::new(Duration::from_secs(5), 100_000),
            roles: TtlCache::new(Duration::from_secs(5), 100_000),
            pickers: TtlCache::new(Duration::from_secs(60), 1_000),
            answers: crate::features::secrets::answers::AnswerCache::new(settings_read_cache),
            oidc: sluice_core::oidc::OidcVerifier::new(),
            hashing: crate::features::auth::hashing::PasswordHashing::per_core(),
            stopping: watch::channel(false).0,
            started: Instant::now(),
            metrics,
            paces,
        }))
    }

    /// Tells listeners (the UI's live status) that a sync's status may have changed.
    pub fn notify_sync_changed(&self, sync_id: &SyncId) {
        self.engine.notify_sync_changed(sync_id);
    }

    /// Forgets cached roles of a project (after a membership change here).
    pub fn forget_roles(&self, project: &ProjectId) {
        self.roles.retain(|(_, p), _| p != project);
    }
}
