//! The sync engine: a durable queue of sync, import and remove jobs in the database,
//! workers that run them, and a dispatcher that turns secret changes into jobs.
//!
//! Reading order: [`queue`] (how jobs are made) → [`dispatch`] (changes → jobs) →
//! [`worker`] (claiming) → [`run`] (one job, start to end) → [`kinds`] (what each kind
//! does) → [`plan`] (the decision, around the pure planner in `sluice_domain::planner`).
//!
//! Guarantees: a burst of changes leaves at most one queued sync job per sync; a sync
//! never runs twice at once (a lease on the sync row, renewed while it runs, taken by
//! compare-and-set, so it holds across nodes); a node that dies leaves leases that run
//! out, and its jobs are claimed again; transient Railway failures retry with
//! exponential backoff and jitter, never earlier than Railway's `Retry-After`; failures
//! that retrying cannot fix fail at once with Railway's own words.

pub mod calls;
pub mod dispatch;
pub mod drain;
pub mod error;
pub mod kinds;
pub mod plan;
pub mod queue;
pub mod run;
pub mod source;
pub mod spec;
pub mod worker;

pub use error::EngineError;

use crate::state::AppState;
use sluice_storage::Backend;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The background tasks of this node's engine.
pub struct Engine {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Starts the workers, the dispatcher and (on PostgreSQL) the listener. With zero
    /// workers nothing runs in the background: an API-only node, or a test that drains
    /// the queue itself.
    pub async fn start(state: &AppState) -> Engine {
        let (stop, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let workers = state.settings.engine.workers;
        if workers > 0 {
            // A restarted node takes back its own unfinished jobs at once.
            let released = async {
                let mut tx = state.store.write().await?;
                let n = sluice_storage::jobs::release_node(&mut tx, &state.node_id).await?;
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
                tasks.push(tokio::spawn(worker::worker_loop(state.clone(), rx.clone())));
            }
            tasks.push(tokio::spawn(worker::dispatcher_loop(state.clone(), rx.clone())));
            tasks.push(tokio::spawn(worker::maintenance_loop(state.clone(), rx.clone())));
            if state.store.backend() == Backend::Postgres {
                tasks.push(tokio::spawn(worker::listener_loop(state.clone(), rx.clone())));
            }
        }
        Engine { stop, tasks }
    }

    /// Stops taking new jobs and waits for running ones to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
