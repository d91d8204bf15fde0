//! The soak's nodes: on SQLite the test server alone; on PostgreSQL the test server and two
//! more servers on the same database (their own pools, caches and HTTP APIs), each running
//! an engine of its own with background workers while the chaos lasts, then drained by the
//! test once it is over.

use crate::engine::support::Env;
use sluice_engine::{Engine, EngineSettings, Workers};
use sluice_server::RunningServer;
use sluice_testkit::ApiClient;
use std::time::Duration;

/// One node: its HTTP API (for writers), its engine, and while chaos lasts its workers.
pub struct Node {
    pub api: ApiClient,
    pub engine: Engine,
    pub workers: Option<Workers>,
    /// The extra server, for nodes other than the test's own.
    pub server: Option<RunningServer>,
}

/// Railway calls time out after this, and the fake's slow answers take longer.
pub const CLIENT_TIMEOUT: Duration = Duration::from_millis(1_000);

/// The settings of every server in the soak: short Railway timeouts (chaos's slow answers
/// outlast them), no pacing beyond Railway's own answers, and reconciliation after 2 s.
pub fn tune(s: &mut sluice_server::config::Settings) {
    s.engine.railway_timeout = CLIENT_TIMEOUT;
    s.engine.railway_mutation_timeout = CLIENT_TIMEOUT;
    s.engine.lease = Duration::from_secs(10);
    s.engine.reconcile_interval = Duration::from_secs(2);
    s.engine.deploy_poll = Duration::from_millis(100);
    s.engine.retry =
        sluice_domain::RetryPolicy { base: Duration::from_millis(100), max: Duration::from_secs(1), max_attempts: 4 };
}

/// The engine settings of a node's workers.
fn worker_settings(base: &EngineSettings, name: &str) -> EngineSettings {
    EngineSettings {
        workers: 2,
        poll_interval: Duration::from_millis(100),
        node_id: Some(name.to_string()),
        ..base.clone()
    }
}

/// Starts `count` nodes (1 on SQLite; the others are servers of their own on the same database).
pub async fn start(env: &Env, count: usize) -> Vec<Node> {
    let mut nodes = Vec::new();
    for i in 1..=count {
        let name = format!("soak-node-{i}");
        let (state, api, server) = if i == 1 {
            (env.app.state().clone(), env.app.api.clone(), None)
        } else {
            let mut settings = env.app.settings().clone();
            settings.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            settings.engine.node_id = Some(format!("{name}-api"));
            let server = sluice_server::start(settings).await.expect("another node starts on the same database");
            let api = ApiClient::new(server.url(), env.app.api.token.clone());
            (server.state.clone(), api, Some(server))
        };
        let settings = worker_settings(&state.settings.engine, &name);
        let engine = Engine::new(state.core.clone(), state.destinations.clone(), settings, name.clone());
        nodes.push(Node { api, engine, workers: None, server });
    }
    nodes
}

impl Node {
    pub async fn start_workers(&mut self) {
        self.workers = Some(self.engine.start().await);
    }

    /// Stops the workers, letting the runs in progress finish.
    pub async fn stop_workers(&mut self) {
        if let Some(workers) = self.workers.take() {
            workers.stop().await;
        }
    }

    pub async fn shutdown(self) {
        if let Some(server) = self.server {
            server.shutdown().await;
        }
    }
}
