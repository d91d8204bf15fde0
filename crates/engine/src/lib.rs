//! The sync engine: a durable queue of sync, import and remove jobs in the database,
//! workers that run them, and a dispatcher that turns secret changes into jobs. It reads
//! and writes secrets through the secrets core (`sluice-core`), decides with the planner
//! (`sluice-domain`) and acts through a destination (`sluice-destinations`); it knows
//! nothing of HTTP, and no destination by name.
//!
//! Reading order: [`Engine`] (the handle the server holds) → [`queue`] (how jobs are
//! made) → [`dispatch`] (changes → jobs) → [`worker`] (claiming) → [`run`] (one job,
//! start to end) → [`kinds`] (what each kind does) → [`plan`] (the decision, around the
//! pure planner in `sluice_domain::planner`) → [`hooks`] (what a run tells a destination
//! while it applies).
//!
//! Guarantees: a burst of changes leaves at most one queued sync job per sync; a sync
//! never runs twice at once (a lease on the sync row, renewed while it runs, taken by
//! compare-and-set, so it holds across nodes); a node that dies leaves leases that run
//! out, and its jobs are claimed again; transient destination failures retry with
//! exponential backoff and jitter, never earlier than the destination's `Retry-After`;
//! failures that retrying cannot fix fail at once with the destination's own words.

#![warn(missing_debug_implementations)]

pub mod dispatch;
pub mod drain;
pub mod drift;
pub mod error;
pub mod events;
pub mod fence;
pub mod hooks;
pub mod housekeeping;
pub mod kinds;
pub mod ledger;
pub mod metrics;
pub mod paces;
pub mod plan;
pub mod queue;
pub mod reconcile;
pub mod run;
pub mod settings;
pub mod source;
pub mod spec;
pub mod worker;

pub use error::EngineError;
pub use metrics::EngineMetrics;
pub use run::RunFinished;
pub use settings::EngineSettings;

use sluice_core::Core;
use sluice_destinations::{Destination, Destinations};
use sluice_domain::{App, SyncId};
use sluice_storage::{Backend, Store};
use std::sync::Arc;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

/// The engine's shared state. Cheap to clone.
#[derive(Clone)]
pub struct Engine(Arc<Inner>);

struct Inner {
    core: Core,
    destinations: Destinations,
    settings: EngineSettings,
    node_id: String,
    signals: Signals,
    metrics: EngineMetrics,
}

/// In-process wake-ups and notices. Across nodes, PostgreSQL `NOTIFY` feeds the same.
struct Signals {
    /// A job was queued: workers have work.
    jobs: Notify,
    /// A run finished (for in-process observers).
    runs: broadcast::Sender<RunFinished>,
    /// A sync's status may have changed (the UI's live status).
    syncs: broadcast::Sender<SyncId>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("node_id", &self.0.node_id).finish_non_exhaustive()
    }
}

impl Engine {
    /// The engine of this node; `node_id` names it in leases and run records.
    pub fn new(core: Core, destinations: Destinations, settings: EngineSettings, node_id: String) -> Self {
        let signals =
            Signals { jobs: Notify::new(), runs: broadcast::channel(1024).0, syncs: broadcast::channel(1024).0 };
        Self(Arc::new(Inner { core, destinations, settings, node_id, signals, metrics: EngineMetrics::default() }))
    }

    pub fn core(&self) -> &Core {
        &self.0.core
    }

    pub fn store(&self) -> &Store {
        self.0.core.store()
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.0.settings
    }

    pub fn node_id(&self) -> &str {
        &self.0.node_id
    }

    /// This node's run counters and background-task liveness (for `/metrics` and readiness).
    pub fn metrics(&self) -> &EngineMetrics {
        &self.0.metrics
    }

    /// How many background tasks [`Engine::start`] runs with these settings (0 with no
    /// workers); compare with [`EngineMetrics::tasks_alive`].
    pub fn tasks_expected(&self) -> usize {
        let workers = self.settings().workers;
        if workers == 0 {
            return 0;
        }
        // Workers, the dispatcher, housekeeping, drift scheduling, and on PostgreSQL the
        // listener or on SQLite the checkpointer.
        workers + 4
    }

    /// Spawns a background task counted alive while it runs.
    fn spawn_alive(&self, task: impl std::future::Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
        let alive = self.0.metrics.task_started();
        tokio::spawn(async move {
            let _alive = alive;
            task.await;
        })
    }

    /// The destination a sync of `app` writes through.
    pub fn destination(&self, app: &App) -> Result<&dyn Destination, EngineError> {
        self.0.destinations.get(app).ok_or_else(|| {
            EngineError::Config(format!("this Sluice cannot sync to {}: no such destination", app.display_name()))
        })
    }

    /// Wakes this process's workers; call after the enqueueing transaction committed.
    pub fn wake(&self) {
        self.0.signals.jobs.notify_waiters();
        self.0.signals.jobs.notify_one();
    }

    /// A job of this process comes due again at `due_at` (a retry, a deployment to look at
    /// again): wakes one idle worker when that is sooner than idle workers look anyway.
    /// Waking them all for a job minutes away would only send each to the queue and back.
    pub fn wake_for(&self, due_at: i64) {
        let soon = sluice_storage::now_ms() + self.settings().poll_interval.as_millis() as i64;
        if due_at < soon {
            self.0.signals.jobs.notify_one();
        }
    }

    /// Tells listeners (the UI's live status) that a sync's status may have changed.
    pub fn notify_sync_changed(&self, sync: &SyncId) {
        let _ = self.0.signals.syncs.send(sync.clone());
    }

    /// Syncs whose status may have changed, as they happen.
    pub fn subscribe_syncs(&self) -> broadcast::Receiver<SyncId> {
        self.0.signals.syncs.subscribe()
    }

    /// Runs as they finish, on this node: each with its sync, job, kind and status.
    pub fn subscribe_runs(&self) -> broadcast::Receiver<RunFinished> {
        self.0.signals.runs.subscribe()
    }

    fn run_finished(&self, finished: RunFinished) {
        let _ = self.0.signals.runs.send(finished);
    }

    fn jobs_queued(&self) -> &Notify {
        &self.0.signals.jobs
    }

    /// Starts the workers, the dispatcher, housekeeping, drift scheduling, and the listener
    /// (on PostgreSQL) or the checkpointer (on SQLite). With zero workers nothing runs in
    /// the background: an API-only node, or a test that drains the queue itself.
    pub async fn start(&self) -> Workers {
        let (stop, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let workers = self.settings().workers;
        if workers > 0 {
            // A restarted node takes back its own unfinished jobs at once.
            let released = async {
                let mut tx = self.store().write().await?;
                let n = sluice_storage::jobs::release_node(&mut tx, self.node_id()).await?;
                tx.commit().await?;
                Ok::<u64, sluice_storage::StorageError>(n)
            }
            .await;
            match released {
                Ok(n) if n > 0 => tracing::info!(jobs = n, "resuming jobs this node was running when it stopped"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not release this node's old leases"),
            }
            for _ in 0..workers {
                tasks.push(self.spawn_alive(worker::worker_loop(self.clone(), rx.clone())));
            }
            tasks.push(self.spawn_alive(worker::dispatcher_loop(self.clone(), rx.clone())));
            tasks.push(self.spawn_alive(worker::maintenance_loop(self.clone(), rx.clone())));
            tasks.push(self.spawn_alive(worker::drift_loop(self.clone(), rx.clone())));
            match self.store().backend() {
                Backend::Postgres => tasks.push(self.spawn_alive(worker::listener_loop(self.clone(), rx.clone()))),
                Backend::Sqlite => tasks.push(self.spawn_alive(worker::checkpoint_loop(self.clone(), rx.clone()))),
            }
        }
        Workers { stop, tasks }
    }
}

/// The background tasks of this node's engine.
#[derive(Debug)]
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Stops taking new jobs and waits for running ones to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
