//! [`FakeRailway`]: a running fake on a local port, stopped when dropped, with the in-process
//! test API of [`FakeState`].

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::chaos::{Chaos, ChaosReport};
use crate::config::{FakeConfig, RateLimit};
use crate::faults::Fault;
use crate::seed::Seed;
use crate::state::{
    DeployRecord, DeploymentStatus, FakeState, GoneAnswer, GoneTarget, RequestRecord, RunningDeployment, VariableWrite,
};

/// A fake Railway server running in the background of the current tokio runtime.
pub struct FakeRailway {
    state: FakeState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl FakeRailway {
    /// Serves `seed` on `127.0.0.1` at a free port, with the default (permissive) config.
    pub async fn start(seed: Seed) -> anyhow::Result<FakeRailway> {
        Self::start_with(FakeConfig::default(), seed).await
    }

    /// Serves `seed` on `127.0.0.1` at a free port.
    pub async fn start_with(config: FakeConfig, seed: Seed) -> anyhow::Result<FakeRailway> {
        Self::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), config, seed).await
    }

    /// Serves `seed` on `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, config: FakeConfig, seed: Seed) -> anyhow::Result<FakeRailway> {
        let state = FakeState::new(config, seed)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = crate::transport::router(state.clone());
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serving.await {
                tracing::error!(error = %e, "fake Railway server stopped");
            }
        });
        Ok(FakeRailway { state, addr, shutdown: Some(shutdown), task })
    }

    /// `http://127.0.0.1:PORT` (a wildcard bind address is reported as loopback).
    pub fn base_url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        format!("http://{addr}")
    }

    /// `base_url() + "/graphql/v2"`.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql/v2", self.base_url())
    }

    /// The socket the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The state handle (cloneable; outlives nothing: the server stops when this is dropped).
    pub fn state(&self) -> &FakeState {
        &self.state
    }

    /// See [`FakeState::variables`].
    pub fn variables(&self, environment_id: &str, service_id: Option<&str>) -> BTreeMap<String, Option<String>> {
        self.state.variables(environment_id, service_id)
    }

    /// See [`FakeState::set_variable`].
    pub fn set_variable(&self, environment_id: &str, service_id: Option<&str>, name: &str, value: &str, sealed: bool) {
        self.state.set_variable(environment_id, service_id, name, value, sealed);
    }

    /// See [`FakeState::remove_variable`].
    pub fn remove_variable(&self, environment_id: &str, service_id: Option<&str>, name: &str) -> bool {
        self.state.remove_variable(environment_id, service_id, name)
    }

    pub fn deploys(&self) -> Vec<DeployRecord> {
        self.state.deploys()
    }

    pub fn clear_deploys(&self) {
        self.state.clear_deploys();
    }

    /// See [`FakeState::running`].
    pub fn running(&self, environment_id: &str, service_id: &str) -> Option<RunningDeployment> {
        self.state.running(environment_id, service_id)
    }

    /// See [`FakeState::push_deployment`].
    pub fn push_deployment(&self, environment_id: &str, service_id: &str, status: Option<DeploymentStatus>) -> String {
        self.state.push_deployment(environment_id, service_id, status)
    }

    /// See [`FakeState::mark_gone`].
    pub fn mark_gone(&self, target: GoneTarget, answer: GoneAnswer) {
        self.state.mark_gone(target, answer);
    }

    /// See [`FakeState::advance_deployments`].
    pub fn advance_deployments(&self) -> Vec<String> {
        self.state.advance_deployments()
    }

    /// See [`FakeState::advance_deployment`].
    pub fn advance_deployment(&self, deployment_id: &str, to: DeploymentStatus) {
        self.state.advance_deployment(deployment_id, to);
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }

    pub fn clear_requests(&self) {
        self.state.clear_requests();
    }

    /// See [`FakeState::status_counts`].
    pub fn status_counts(&self) -> BTreeMap<u16, u64> {
        self.state.status_counts()
    }

    /// See [`FakeState::rate_limited_count`].
    pub fn rate_limited_count(&self) -> u64 {
        self.state.rate_limited_count()
    }

    /// See [`FakeState::held_request_arrived`].
    pub async fn held_request_arrived(&self) {
        self.state.held_request_arrived().await;
    }

    /// See [`FakeState::release_held`].
    pub fn release_held(&self) {
        self.state.release_held();
    }

    /// See [`FakeState::set_chaos`].
    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        self.state.set_chaos(chaos);
    }

    /// See [`FakeState::chaos_report`].
    pub fn chaos_report(&self) -> Option<ChaosReport> {
        self.state.chaos_report()
    }

    /// See [`FakeState::writes`].
    pub fn writes(&self) -> Vec<VariableWrite> {
        self.state.writes()
    }

    pub fn clear_writes(&self) {
        self.state.clear_writes();
    }

    /// See [`FakeState::restore_gone`].
    pub fn restore_gone(&self, target: &GoneTarget) -> bool {
        self.state.restore_gone(target)
    }

    pub fn inject(&self, fault: Fault) {
        self.state.inject(fault);
    }

    /// Drops every injected fault: Railway answers normally again.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.state.set_rate_limit(limit);
    }

    /// See [`FakeState::seed`].
    pub fn seed(&self, seed: Seed) {
        self.state.seed(seed);
    }

    pub fn reset(&self) {
        self.state.reset();
    }
}

impl Drop for FakeRailway {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Open keep-alive connections would hold a graceful shutdown open; stop accepting now.
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_can_cross_threads() {
        send_sync::<FakeRailway>();
        send_sync::<FakeState>();
    }

    #[test]
    fn state_debug_shows_no_secrets() {
        let state = FakeState::new(FakeConfig::default(), Seed::example()).expect("example seed");
        state.set_rate_limit(Some(RateLimit::new(5, std::time::Duration::from_secs(60))));
        let printed = format!("{state:?}");
        let seed = Seed::example();
        for secret in
            seed.tokens.iter().map(|t| t.value.as_str()).chain(seed.variables.iter().map(|v| v.value.as_str()))
        {
            assert!(!printed.contains(secret), "leaked {secret}");
        }
    }
}
