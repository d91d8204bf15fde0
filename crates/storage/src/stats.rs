//! Counts for monitoring (`/metrics`): the job queue, syncs by status and by drift
//! finding, and the Railway budget each token has left. Each is one cheap aggregate
//! query (the queue's by the `jobs_runnable` index), read at scrape time.

use crate::{Conn, Result};
use sluice_domain::{App, DriftStatus, JobKind, SyncStatus};

/// Queued jobs of one kind.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedJobs {
    pub kind: JobKind,
    /// Queued, due now or later.
    pub queued: i64,
    /// The earliest time one of them is (or was) due, in milliseconds since the epoch.
    pub first_due: Option<i64>,
}

/// Queued jobs by kind.
pub async fn queued_jobs(conn: &mut Conn) -> Result<Vec<QueuedJobs>> {
    Ok(sqlx::query_as(
        "SELECT kind, COUNT(*) AS queued, MIN(run_at) AS first_due FROM jobs WHERE state = 'queued' GROUP BY kind",
    )
    .fetch_all(conn)
    .await?)
}

/// Jobs running now, across every node.
pub async fn running_jobs(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'running'").fetch_one(conn).await?)
}

/// Syncs by the status of their latest sync job (`None`: never ran).
pub async fn syncs_by_status(conn: &mut Conn) -> Result<Vec<(Option<SyncStatus>, i64)>> {
    Ok(sqlx::query_as("SELECT sync_status, COUNT(*) FROM secret_syncs GROUP BY sync_status").fetch_all(conn).await?)
}

/// Syncs by their latest drift finding (syncs never checked are left out).
pub async fn syncs_by_drift(conn: &mut Conn) -> Result<Vec<(DriftStatus, i64)>> {
    Ok(sqlx::query_as(
        "SELECT drift_status, COUNT(*) FROM secret_syncs WHERE drift_status IS NOT NULL GROUP BY drift_status",
    )
    .fetch_all(conn)
    .await?)
}

/// Connections of `app` in every organization, oldest first.
pub async fn connections_of(conn: &mut Conn, app: &App) -> Result<Vec<crate::connections::ConnectionRow>> {
    Ok(sqlx::query_as("SELECT * FROM app_connections WHERE app = $1 ORDER BY created_at, id")
        .bind(app)
        .fetch_all(conn)
        .await?)
}

/// Each paced token's hourly budget left, as last reported by Railway and counted down
/// since: (token key, remaining), for tokens Railway reported a budget for.
pub async fn budgets(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as("SELECT token_key, remaining FROM railway_paces WHERE remaining IS NOT NULL")
        .fetch_all(conn)
        .await?)
}
