//! The deploys a sync owes or waits for, per destination service (migrations
//! `0012_sync_deploys`, `0023_redeploy_requests`). A row without a deployment is owed: the
//! service's variables changed and it has not been redeployed yet (when `requested_after`
//! is set, a redeploy was asked for and its answer never recorded). A row with a deployment
//! is waiting for that deployment to go live. No row: nothing pending.

use crate::jobs::JobRow;
use crate::{Conn, Result, now_ms};
use sluice_domain::SyncId;

/// One pending deploy of a sync.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingDeployRow {
    pub service_id: String,
    pub deployment_id: Option<String>,
    /// When it was first owed (ms since the epoch).
    pub since: i64,
    /// The service's newest deployment when a redeploy was asked for whose answer was not
    /// recorded: a deployment newer than it carries the values.
    pub requested_after: Option<String>,
}

/// The sync's pending deploys, by service id.
pub async fn pending(conn: &mut Conn, sync_id: &SyncId) -> Result<Vec<PendingDeployRow>> {
    Ok(sqlx::query_as(
        "SELECT service_id, deployment_id, since, requested_after FROM sync_deploys WHERE sync_id = $1
         ORDER BY service_id",
    )
    .bind(sync_id)
    .fetch_all(conn)
    .await?)
}

/// Records that each service owes a redeploy (a deployment waited for or asked for no
/// longer counts: it was created before the write that makes this one due). The wait
/// starts again: `since` is now.
pub async fn owe(conn: &mut Conn, sync_id: &SyncId, services: &[String]) -> Result<()> {
    // Each service once: one statement may not upsert a row twice (PostgreSQL refuses).
    let services: std::collections::BTreeSet<&String> = services.iter().collect();
    if services.is_empty() {
        return Ok(());
    }
    // One statement for them all: it commits by itself ([`crate::Store::write_one`]).
    let rows: Vec<String> = (0..services.len()).map(|i| format!("($1, ${}, NULL, $2)", i + 3)).collect();
    let sql = format!(
        "INSERT INTO sync_deploys (sync_id, service_id, deployment_id, since) VALUES {}
         ON CONFLICT (sync_id, service_id)
         DO UPDATE SET deployment_id = NULL, requested_after = NULL, since = EXCLUDED.since",
        rows.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(sync_id).bind(now_ms());
    for service in services {
        q = q.bind(service);
    }
    q.execute(conn).await?;
    Ok(())
}

/// [`owe`], made only while `job` is held by `owner` with its epoch and a lease running at
/// least until `until`: the fence's read ([`crate::jobs::held_until`]) in the same
/// statement. False when nothing was written.
pub async fn owe_while_held(
    conn: &mut Conn,
    sync_id: &SyncId,
    services: &[String],
    job: &JobRow,
    owner: &str,
    until: i64,
) -> Result<bool> {
    let services: std::collections::BTreeSet<&String> = services.iter().collect();
    if services.is_empty() {
        return Ok(false);
    }
    let rows: Vec<String> = (0..services.len()).map(|i| format!("(${})", i + 7)).collect();
    // `WHERE` before `ON CONFLICT`: SQLite reads an `INSERT … SELECT` that has none as a join.
    let sql = format!(
        "WITH v(service_id) AS (VALUES {})
         INSERT INTO sync_deploys (sync_id, service_id, deployment_id, since)
         SELECT $1, v.service_id, NULL, $2 FROM v
         WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $3 AND state = 'running' AND lease_owner = $4
                         AND lease_epoch = $5 AND lease_until >= $6)
         ON CONFLICT (sync_id, service_id)
         DO UPDATE SET deployment_id = NULL, requested_after = NULL, since = EXCLUDED.since",
        rows.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(sync_id)
        .bind(now_ms())
        .bind(&job.id)
        .bind(owner)
        .bind(job.lease_epoch)
        .bind(until);
    for service in &services {
        q = q.bind(*service);
    }
    let done = q.execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Records, just before a redeploy is asked for, the newest deployment the service has
/// (`newest`): should the answer be lost, a deployment newer than it was made after the write.
pub async fn requesting(conn: &mut Conn, sync_id: &SyncId, service_id: &str, newest: &str) -> Result<()> {
    sqlx::query("UPDATE sync_deploys SET requested_after = $1 WHERE sync_id = $2 AND service_id = $3")
        .bind(newest)
        .bind(sync_id)
        .bind(service_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// [`requesting`], made only while `job` is held by `owner` with its epoch and a lease
/// running at least until `until`: the fence's read ([`crate::jobs::held_until`]) in the
/// same statement. False when nothing was written.
pub async fn requesting_while_held(
    conn: &mut Conn,
    sync_id: &SyncId,
    service_id: &str,
    newest: &str,
    job: &JobRow,
    owner: &str,
    until: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE sync_deploys SET requested_after = $1 WHERE sync_id = $2 AND service_id = $3
           AND EXISTS (SELECT 1 FROM jobs WHERE id = $4 AND state = 'running' AND lease_owner = $5
                         AND lease_epoch = $6 AND lease_until >= $7)",
    )
    .bind(newest)
    .bind(sync_id)
    .bind(service_id)
    .bind(&job.id)
    .bind(owner)
    .bind(job.lease_epoch)
    .bind(until)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the deployment that will carry a service's new values.
pub async fn deploying(conn: &mut Conn, sync_id: &SyncId, service_id: &str, deployment_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE sync_deploys SET deployment_id = $1, requested_after = NULL WHERE sync_id = $2 AND service_id = $3",
    )
    .bind(deployment_id)
    .bind(sync_id)
    .bind(service_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Nothing more is pending for the service.
pub async fn settle(conn: &mut Conn, sync_id: &SyncId, service_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sync_deploys WHERE sync_id = $1 AND service_id = $2")
        .bind(sync_id)
        .bind(service_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Nothing more is pending for the sync (its redeploy policy is `none`).
pub async fn settle_all(conn: &mut Conn, sync_id: &SyncId) -> Result<()> {
    sqlx::query("DELETE FROM sync_deploys WHERE sync_id = $1").bind(sync_id).execute(conn).await?;
    Ok(())
}
