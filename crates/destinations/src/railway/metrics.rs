//! What the Railway client counts for `/metrics`: every request it sends, by GraphQL
//! operation and HTTP status, and how long each took. The server owns the registry these
//! are registered in ([`RailwayMetrics::register`]); the client only records.
//!
//! Labels stay bounded and carry nothing secret: the operation is the name compiled into
//! the client (`variables`, `variableCollectionUpsert`, …), the status an HTTP code or
//! `error` when no answer came. Tokens, variable names and values never appear.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// Seconds: from 5 ms to Railway's 90 s write timeout.
const CALL_BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 90.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    operation: &'static str,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn call_histogram() -> Histogram {
    Histogram::new(CALL_BUCKETS)
}

/// Railway requests of one client. Cheap to clone: clones count into the same figures.
#[derive(Clone, Debug)]
pub struct RailwayMetrics {
    calls: Family<CallLabels, Counter>,
    durations: HistogramFamily<OperationLabels>,
}

impl Default for RailwayMetrics {
    fn default() -> Self {
        Self { calls: Family::default(), durations: Family::new_with_constructor(call_histogram) }
    }
}

impl RailwayMetrics {
    /// Adds `railway_calls_total` and `railway_call_duration_seconds` to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "railway_calls",
            "Requests sent to Railway's API, by GraphQL operation and HTTP status (`error`: no answer)",
            self.calls.clone(),
        );
        registry.register_with_unit(
            "railway_call_duration",
            "Time from sending a Railway request to its whole answer, by GraphQL operation",
            Unit::Seconds,
            self.durations.clone(),
        );
    }

    /// One request: its answer's HTTP status, or `None` when none came (timeout, reset).
    pub(crate) fn call(&self, operation: &'static str, status: Option<u16>, took: Duration) {
        let status = status.map_or_else(|| "error".to_string(), |s| s.to_string());
        self.calls.get_or_create(&CallLabels { operation, status }).inc();
        self.durations.get_or_create(&OperationLabels { operation }).observe(took.as_secs_f64());
    }
}
