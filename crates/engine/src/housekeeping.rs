//! Hourly housekeeping, so that the database of a server left running does not grow
//! without bound: change events already dispatched (after a day), dead access tokens,
//! expired sessions, finished jobs (after a week), each sync's run history beyond its newest
//! runs, and audit entries past their retention. On SQLite the freed pages are then given
//! back to the file system. Every node runs it; the deletes are idempotent.

use crate::Engine;
use sluice_storage::StorageError;
use std::time::Duration;

/// What housekeeping keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Finished runs kept per sync (the newest).
    pub runs_per_sync: u32,
    /// How long audit entries are kept; `None` keeps them forever.
    pub audit: Option<Duration>,
    /// How long a finished job is kept.
    pub finished_jobs: Duration,
    /// How long a dispatched change event is kept.
    pub change_events: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            runs_per_sync: 200,
            audit: Some(Duration::from_secs(365 * 86_400)),
            finished_jobs: Duration::from_secs(7 * 86_400),
            change_events: Duration::from_secs(86_400),
        }
    }
}

/// Rows one pass deleted, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: u64,
    pub jobs: u64,
    pub audit: u64,
    pub sessions: u64,
    pub change_events: u64,
}

/// One pass of housekeeping.
pub async fn run(engine: &Engine) -> Result<Pruned, StorageError> {
    let keep = &engine.settings().retention;
    let mut tx = engine.store().write().await?;
    let pruned = Pruned {
        change_events: sluice_storage::dispatch::prune(&mut tx, keep.change_events.as_millis() as i64).await?,
        jobs: sluice_storage::jobs::prune_finished(&mut tx, keep.finished_jobs.as_millis() as i64).await?,
        runs: sluice_storage::runs::prune_history(&mut tx, i64::from(keep.runs_per_sync)).await?,
        audit: match keep.audit {
            Some(age) => sluice_storage::audit::prune(&mut tx, age.as_millis() as i64).await?,
            None => 0,
        },
        sessions: sluice_storage::sessions::prune_expired(&mut tx).await?,
    };
    sluice_storage::tokens::prune(&mut tx).await?;
    tx.commit().await?;
    if pruned != Pruned::default() {
        tracing::info!(?pruned, "housekeeping");
        engine.store().reclaim_free_pages().await?;
    }
    Ok(pruned)
}
