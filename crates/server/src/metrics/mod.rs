//! `/metrics`: this server's figures in the Prometheus text format (OpenMetrics 1.0, which
//! Prometheus reads natively).
//!
//! **Why `prometheus-client`** (the Prometheus project's own Rust client) and not the
//! `metrics` facade with its exporter: the facade records into one global recorder per
//! process, and tests start many servers in one process, so their figures would mix (a
//! test asserting "one sync run succeeded" would see every other test's runs). Here each
//! server owns one [`Registry`], built in [`Metrics::new`] from the families each layer
//! keeps: the engine's run counters ([`sluice_engine::EngineMetrics`]), the Railway
//! client's call counters ([`sluice_destinations::railway::RailwayMetrics`]), and the
//! HTTP layer's own ([`http`]). Nothing is global; a layer records into the handles it
//! was given, as it is given its database. Label sets are typed structs, so what can
//! become a label is fixed at compile time.
//!
//! What is counted as it happens: HTTP requests by method, route *template* (never the
//! raw path: paths carry secret names) and status, with a latency histogram; job runs by
//! destination, kind and outcome; Railway calls by operation and status. What is read at
//! scrape time from the database, cheaply ([`scrape`]): queue depth and the oldest due
//! job's wait, syncs by status (held ones included) and by drift finding, and each
//! Railway connection's hourly budget left. No label ever holds a secret name or value,
//! a token, or an email.
//!
//! Served on the main listener when enabled (`--metrics`, always with `--dev`), optionally
//! behind a bearer token (`--metrics-token`); see `docs/metrics.md`.

pub mod http;
pub mod scrape;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sluice_destinations::railway::RailwayMetrics;
use sluice_domain::SecretToken;
use sluice_engine::EngineMetrics;
use std::sync::atomic::AtomicU64;

/// Whether `/metrics` is served, and the token it asks for.
#[derive(Clone, Debug, Default)]
pub struct MetricsSettings {
    /// Serve `/metrics` (`--metrics`; always on with `--dev`).
    pub enabled: bool,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub token: Option<SecretToken>,
}

/// The figures of one server, in its own registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub(crate) http: http::HttpMetrics,
    pub(crate) gauges: scrape::Gauges,
    /// One scrape refreshes the gauges and encodes them at a time, so two scrapes never
    /// interleave a refresh with an encoding. Holds the token keys of connections.
    pub(crate) scraping: tokio::sync::Mutex<scrape::TokenKeys>,
}

impl Metrics {
    /// A registry with every family of this server: its own, the engine's and the
    /// Railway client's. All names start with `sluice_`.
    pub fn new(engine: &EngineMetrics, railway: &RailwayMetrics) -> Self {
        let mut registry = Registry::with_prefix("sluice");
        let http = http::HttpMetrics::default();
        http.register(&mut registry);
        engine.register(&mut registry);
        railway.register(&mut registry);
        let gauges = scrape::Gauges::default();
        gauges.register(&mut registry);
        Self { registry, http, gauges, scraping: tokio::sync::Mutex::new(scrape::TokenKeys::default()) }
    }

    /// The registry as OpenMetrics text, ending with `# EOF`.
    pub(crate) fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// A gauge of seconds (fractional).
pub(crate) type SecondsGauge = Gauge<f64, AtomicU64>;
