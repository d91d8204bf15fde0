//! The change outbox: one `change_events` row per folder changed by a transaction,
//! written inside that transaction, so a change and its event commit (or roll back)
//! together and the sync engine can never miss one.
//!
//! Writers call [`record`] (the server wraps it so every write path goes through one
//! place). On PostgreSQL, [`record`] also runs `pg_notify` in the same transaction, so
//! other nodes listening on [`crate::dialect::NOTIFY_CHANNEL`] wake when it commits.
//! Readers (the engine's dispatcher) use [`pending`] and [`mark_dispatched`].

use crate::{Conn, Result, now_ms};
use sluice_domain::{ActorType, EnvironmentId, FolderId, FolderPath, ProjectId};

/// A change about to be recorded.
#[derive(Clone, Debug)]
pub struct NewChange {
    pub project_id: ProjectId,
    pub environment_id: EnvironmentId,
    pub folder_id: FolderId,
    /// The folder's path at the time of the change.
    pub path: FolderPath,
    /// Names of the changed keys; empty for structural changes (imports, folder moves).
    pub keys: Vec<String>,
    /// `user`, `identity` or `platform`.
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
}

/// A recorded change.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeEvent {
    pub id: i64,
    pub project_id: ProjectId,
    pub environment_id: EnvironmentId,
    pub folder_id: FolderId,
    pub path: FolderPath,
    /// JSON array of key names; see [`ChangeEvent::key_names`].
    pub keys: String,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    pub created_at: i64,
    pub dispatched_at: Option<i64>,
}

impl ChangeEvent {
    /// The changed key names.
    pub fn key_names(&self) -> Vec<String> {
        serde_json::from_str(&self.keys).unwrap_or_default()
    }
}

/// Inserts one change event (and, on PostgreSQL, queues a `NOTIFY` that is delivered at
/// commit). Returns the event's id.
pub async fn record(conn: &mut Conn, change: &NewChange) -> Result<i64> {
    let keys = serde_json::to_string(&change.keys).map_err(|e| crate::StorageError::Corrupt(e.to_string()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO change_events (project_id, environment_id, folder_id, path, keys, actor_type, actor_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&change.project_id)
    .bind(&change.environment_id)
    .bind(&change.folder_id)
    .bind(&change.path)
    .bind(keys)
    .bind(change.actor_type)
    .bind(&change.actor_id)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    let backend = if conn.backend_name() == "PostgreSQL" { crate::Backend::Postgres } else { crate::Backend::Sqlite };
    if let Some(sql) = crate::dialect::notify_sql(backend) {
        sqlx::query(sql).bind(id.to_string()).execute(&mut *conn).await?;
    }
    Ok(id)
}

/// Up to `limit` undispatched events, oldest first.
pub async fn pending(conn: &mut Conn, limit: i64) -> Result<Vec<ChangeEvent>> {
    Ok(sqlx::query_as("SELECT * FROM change_events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Marks events as dispatched.
pub async fn mark_dispatched(conn: &mut Conn, ids: &[i64]) -> Result<()> {
    let now = now_ms();
    for id in ids {
        sqlx::query("UPDATE change_events SET dispatched_at = $1 WHERE id = $2 AND dispatched_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Every event with an id above `after`, oldest first (for tests and diagnostics).
pub async fn since(conn: &mut Conn, after: i64) -> Result<Vec<ChangeEvent>> {
    Ok(sqlx::query_as("SELECT * FROM change_events WHERE id > $1 ORDER BY id").bind(after).fetch_all(conn).await?)
}

/// The id of the newest event, or 0.
pub async fn last_id(conn: &mut Conn) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM change_events").fetch_one(conn).await?;
    Ok(id.unwrap_or(0))
}
