//! What the engine counts for `/metrics`: runs as they end on this node, by destination,
//! job kind and outcome, and whether this node's background tasks are alive (for the
//! readiness answer). The server registers the counters in its own registry
//! ([`EngineMetrics::register`]); the engine only records.
//!
//! Every label comes from a closed set (`railway`, `sync`, `succeeded`, …): never a sync's
//! name, a key or a value.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use sluice_domain::{App, JobKind, RunStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    destination: &'static str,
    kind: &'static str,
    outcome: &'static str,
}

/// The engine's figures. Cheap to clone: clones count into the same figures.
#[derive(Clone, Debug, Default)]
pub struct EngineMetrics {
    runs: Family<RunLabels, Counter>,
    /// Background tasks of this node running now (workers, dispatcher, …).
    alive: Arc<AtomicUsize>,
}

impl EngineMetrics {
    /// Adds `sync_runs_total` to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "sync_runs",
            "Job runs ended on this node, by destination, job kind (sync, import, remove, drift) and outcome",
            self.runs.clone(),
        );
    }

    /// A run ended with `outcome`.
    pub(crate) fn run_ended(&self, app: &App, kind: JobKind, outcome: RunStatus) {
        let destination = match app {
            App::Railway => "railway",
            // Stored names this build does not know stay one label, not one per name.
            App::Other(_) => "other",
        };
        self.runs.get_or_create(&RunLabels { destination, kind: kind.as_str(), outcome: outcome.as_str() }).inc();
    }

    /// How many background tasks of this node are running now.
    pub fn tasks_alive(&self) -> usize {
        self.alive.load(Ordering::SeqCst)
    }

    /// Counts a background task as alive until the returned guard drops (when the task
    /// returns, panics or is aborted).
    pub(crate) fn task_started(&self) -> AliveGuard {
        self.alive.fetch_add(1, Ordering::SeqCst);
        AliveGuard(self.alive.clone())
    }
}

/// Held by a running background task; see [`EngineMetrics::task_started`].
#[derive(Debug)]
pub(crate) struct AliveGuard(Arc<AtomicUsize>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
