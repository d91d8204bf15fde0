//! Reading the change outbox for the sync engine's dispatcher: pending change events,
//! claimed so that two nodes never dispatch the same event, then marked dispatched in the
//! same transaction that queues the jobs they cause.

use crate::db::Backend;
use crate::{Conn, Result, dialect, now_ms};
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub project_id: ProjectId,
    pub environment_id: EnvironmentId,
    pub folder_id: FolderId,
    pub path: FolderPath,
    /// JSON array of key names.
    pub keys: String,
    pub created_at: i64,
}

/// Up to `limit` undispatched events, oldest first, locked for this transaction.
pub async fn pending(conn: &mut Conn, backend: Backend, limit: i64) -> Result<Vec<ChangeRow>> {
    let sql = format!(
        "SELECT id, project_id, environment_id, folder_id, path, keys, created_at FROM change_events
         WHERE dispatched_at IS NULL ORDER BY id LIMIT $1{}",
        dialect::skip_locked(backend)
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(conn).await?)
}

pub async fn mark_dispatched(conn: &mut Conn, ids: &[i64]) -> Result<()> {
    let now = now_ms();
    for id in ids {
        sqlx::query("UPDATE change_events SET dispatched_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes dispatched events older than `older_than_ms`.
pub async fn prune(conn: &mut Conn, older_than_ms: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM change_events WHERE dispatched_at IS NOT NULL AND dispatched_at < $1")
        .bind(now_ms() - older_than_ms)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Number of events not yet dispatched.
pub async fn backlog(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM change_events WHERE dispatched_at IS NULL").fetch_one(conn).await?)
}
