//! Sync run history: one row per attempt of a job, with what it did (key names and
//! actions, Railway calls, redeploy, error text). Never values.

use crate::{Conn, Result};
use sluice_domain::{ActorType, JobId, JobKind, ProjectId, RunId, RunStatus, SyncId, Trigger};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRow {
    pub id: RunId,
    pub sync_id: SyncId,
    pub project_id: ProjectId,
    pub job_id: JobId,
    pub kind: JobKind,
    pub trigger: Trigger,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub attempt: i64,
    pub node: String,
    pub status: RunStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// JSON array of `{key, action, reason?}`.
    pub plan: String,
    /// JSON object of counts.
    pub counts: String,
    /// JSON array of `{operation, ok, ms, error?}`.
    pub railway_calls: String,
    /// JSON object describing the redeploy, if any.
    pub redeploy: Option<String>,
    pub error: Option<String>,
    pub next_attempt_at: Option<i64>,
}

pub async fn insert(conn: &mut Conn, r: &RunRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_runs (id, sync_id, project_id, job_id, kind, trigger, actor_type, actor_id, actor_name, attempt,
           node, status, started_at, finished_at, plan, counts, railway_calls, redeploy, error, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(&r.id)
    .bind(&r.sync_id)
    .bind(&r.project_id)
    .bind(&r.job_id)
    .bind(r.kind)
    .bind(r.trigger)
    .bind(r.actor_type)
    .bind(&r.actor_id)
    .bind(&r.actor_name)
    .bind(r.attempt)
    .bind(&r.node)
    .bind(r.status)
    .bind(r.started_at)
    .bind(r.finished_at)
    .bind(&r.plan)
    .bind(&r.counts)
    .bind(&r.railway_calls)
    .bind(&r.redeploy)
    .bind(&r.error)
    .bind(r.next_attempt_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes the outcome of a run.
pub async fn finish(conn: &mut Conn, r: &RunRow) -> Result<()> {
    sqlx::query(
        "UPDATE sync_runs SET status = $1, finished_at = $2, plan = $3, counts = $4, railway_calls = $5, redeploy = $6,
           error = $7, next_attempt_at = $8 WHERE id = $9",
    )
    .bind(r.status)
    .bind(r.finished_at)
    .bind(&r.plan)
    .bind(&r.counts)
    .bind(&r.railway_calls)
    .bind(&r.redeploy)
    .bind(&r.error)
    .bind(r.next_attempt_at)
    .bind(&r.id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Runs of a sync, newest first.
pub async fn list_for_sync(conn: &mut Conn, sync_id: &SyncId, limit: i64, offset: i64) -> Result<Vec<RunRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM sync_runs WHERE sync_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(sync_id)
    .bind(limit)
    .bind(offset.max(0))
    .fetch_all(conn)
    .await?)
}

/// Number of runs of a sync.
pub async fn count_for_sync(conn: &mut Conn, sync_id: &SyncId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE sync_id = $1").bind(sync_id).fetch_one(conn).await?)
}

/// Deletes the finished runs of each sync beyond its newest `keep` (runs still running,
/// deploying or held stay whatever their age). Returns how many went.
pub async fn prune_history(conn: &mut Conn, keep: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sync_runs WHERE id IN (
           SELECT id FROM (
             SELECT id, status, ROW_NUMBER() OVER (PARTITION BY sync_id ORDER BY started_at DESC, id DESC) AS newer
             FROM sync_runs
           ) ranked
           WHERE newer > $1 AND status IN ('succeeded', 'failed', 'retrying', 'abandoned', 'interrupted')
         )",
    )
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
