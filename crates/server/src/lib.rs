//! The Sluice server: the Infisical-compatible HTTP API, the web UI and the sync workers.
//!
//! Reading order: [`config`] (what it runs with) → [`start`] (how it comes up) →
//! [`http`] (the router) → [`features`] (one folder per API feature) → [`auth`] (who is
//! asking and what they may do).

pub mod auth;
pub mod backup;
pub mod cache;
pub mod config;
pub mod config_edge;
pub mod config_login;
pub mod config_smtp;
pub mod dev;
pub mod error;
pub mod extract;
pub mod features;
pub mod http;
pub mod metrics;
pub mod serve;
pub mod state;
pub mod ui;

use anyhow::Context;
use config::{LogFormat, Settings};
use sluice_core::keys::KeyRing;
use sluice_storage::{Store, StoreConfig};
use state::AppState;
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<()>,
    workers: Option<sluice_engine::Workers>,
    notifications: Option<sluice_notify::DeliveryLoop>,
}

impl RunningServer {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, finishes those in flight, and closes the database.
    pub async fn shutdown(mut self) {
        self.state.stopping.send_replace(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.handle).await;
        if let Some(workers) = self.workers.take() {
            workers.stop().await;
        }
        if let Some(notifications) = self.notifications.take() {
            notifications.stop().await;
        }
        self.state.store.close().await;
    }

    /// Waits until the server stops (after Ctrl-C or SIGTERM when started by [`run`]).
    pub async fn wait(mut self) {
        let _ = (&mut self.handle).await;
    }
}

/// Opens the database, checks the root key, and serves. Fails before serving anything
/// when the database or the key is wrong.
pub async fn start(settings: Settings) -> anyhow::Result<RunningServer> {
    settings.engine.validate().map_err(|e| anyhow::anyhow!(e))?;
    let store = open_store(&settings).await?;
    let keys = KeyRing::new(settings.root_key.clone());
    keys.verify_root_key(&store).await?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let mut settings = settings;
    settings.listen = addr;
    let state = AppState::new(store, keys, settings)?;
    // Opening filled the database's page caches (migrations, the root key's check).
    if let Err(e) = state.store.release_memory().await {
        tracing::warn!(error = %e, "could not release the database's page caches");
    }
    let workers = state.engine.start().await;
    let notifications = features::notifications::start_delivery(&state);
    let app = http::app(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let edge = state.settings.edge.clone();
    let handle = tokio::spawn(async move {
        serve::serve(listener, app, &edge, rx).await;
    });
    Ok(RunningServer { addr, state, shutdown: Some(tx), handle, workers: Some(workers), notifications })
}

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create data directory {}", settings.data_dir.display()))?;
    }
    // A server is its SQLite file's only one (several nodes share PostgreSQL instead).
    let config = StoreConfig { sole_server: true, ..StoreConfig::new(settings.database_url.clone()) };
    let store = Store::open(&config).await?;
    Ok(store)
}

/// Sets up logging once per process.
pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SLUICE_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// `sluice server`: runs until Ctrl-C or SIGTERM.
pub async fn run(args: config::ServerArgs) -> anyhow::Result<()> {
    let prepared = if args.dev { Some(dev::prepare(&args)?) } else { None };
    let settings =
        args.resolve(prepared.as_ref().map(|d| d.dir.as_path()), prepared.as_ref().map(|d| d.root_key.clone()))?;
    init_tracing(settings.log_format);
    let (server, _dev_guard) = match prepared {
        Some(prep) => {
            let (server, guard) = dev::start(prep, settings, &args).await?;
            (server, Some(guard))
        }
        None => {
            let server = start(settings).await?;
            tracing::info!(url = %server.url(), "sluice is listening");
            (server, None)
        }
    };
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        ctrl_c.await?;
        anyhow::Ok(())
    };
    shutdown.await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

pub use config::ServerArgs;
