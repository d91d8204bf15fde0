//! Drift reports and the drift-check schedule (migration `0014_ledger_drift_guard`): the
//! latest report of each sync (key names and states, never values) and when its next
//! scheduled check is due.

use crate::{Conn, Result, now_ms};
use sluice_domain::{ConnectionId, DriftStatus, JobId, SyncId};

/// The latest drift report of a sync.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DriftRow {
    pub job_id: Option<JobId>,
    pub checked_at: i64,
    pub status: DriftStatus,
    /// JSON array of `{"key", "state"}`.
    pub entries: String,
}

pub async fn latest(conn: &mut Conn, sync_id: &SyncId) -> Result<Option<DriftRow>> {
    Ok(sqlx::query_as("SELECT job_id, checked_at, status, entries FROM sync_drift WHERE sync_id = $1")
        .bind(sync_id)
        .fetch_optional(conn)
        .await?)
}

/// Keeps `report` as the sync's latest, leaving the sync's drift status to the caller: the
/// update of the sync's row it makes anyway ([`crate::syncs::finish`] takes the status), or
/// [`mark`].
pub async fn save_report(
    conn: &mut Conn,
    sync_id: &SyncId,
    job_id: Option<&JobId>,
    status: DriftStatus,
    entries_json: &str,
) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sync_drift (sync_id, job_id, checked_at, status, entries) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sync_id) DO UPDATE SET job_id = EXCLUDED.job_id, checked_at = EXCLUDED.checked_at,
           status = EXCLUDED.status, entries = EXCLUDED.entries",
    )
    .bind(sync_id)
    .bind(job_id)
    .bind(now)
    .bind(status)
    .bind(entries_json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a sync's drift status, checked now.
pub async fn mark(conn: &mut Conn, sync_id: &SyncId, status: DriftStatus) -> Result<()> {
    sqlx::query("UPDATE secret_syncs SET drift_status = $1, last_drift_check_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now_ms())
        .bind(sync_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A sync whose scheduled drift check is due.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueCheck {
    pub id: SyncId,
    pub connection_id: ConnectionId,
}

/// Syncs whose next scheduled check is at or before `now`, oldest first: only syncs with a
/// ledger (they have written something to compare against).
pub async fn due(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<DueCheck>> {
    Ok(sqlx::query_as(
        "SELECT id, connection_id FROM secret_syncs
         WHERE next_drift_at IS NOT NULL AND next_drift_at <= $1 AND ledger_since IS NOT NULL
         ORDER BY next_drift_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Sets when the sync's next scheduled check is due (`None`: not scheduled).
pub async fn schedule(conn: &mut Conn, sync_id: &SyncId, at: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE secret_syncs SET next_drift_at = $1 WHERE id = $2")
        .bind(at)
        .bind(sync_id)
        .execute(conn)
        .await?;
    Ok(())
}
