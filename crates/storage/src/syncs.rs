//! Secret syncs: configuration, the three status lifecycles (sync, import, remove), the
//! per-sync lease that keeps a sync from running twice at once, and the folders each
//! sync depends on.

use crate::{Conn, Result, now_ms};
use sluice_domain::{
    App, ConnectionId, DestinationConfig, DriftStatus, EnvironmentId, FolderId, FolderPath, JobId, JobKind, OrgId,
    ProjectId, SyncId, SyncOptions, SyncStatus,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SyncRow {
    pub id: SyncId,
    pub project_id: ProjectId,
    pub name: String,
    pub description: Option<String>,
    pub destination: App,
    pub connection_id: ConnectionId,
    pub environment_id: Option<EnvironmentId>,
    pub folder_id: Option<FolderId>,
    pub secret_path: FolderPath,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub is_auto_sync_enabled: bool,
    pub version: i64,
    /// JSON text of the sync options.
    pub sync_options: SyncOptions,
    /// JSON text of the destination config.
    pub destination_config: DestinationConfig,
    pub sync_status: Option<SyncStatus>,
    pub last_sync_job_id: Option<JobId>,
    pub last_sync_message: Option<String>,
    pub last_synced_at: Option<i64>,
    pub sync_attempt: i64,
    pub next_sync_at: Option<i64>,
    pub import_status: Option<SyncStatus>,
    pub last_import_job_id: Option<JobId>,
    pub last_import_message: Option<String>,
    pub last_imported_at: Option<i64>,
    pub remove_status: Option<SyncStatus>,
    pub last_remove_job_id: Option<JobId>,
    pub last_remove_message: Option<String>,
    pub last_removed_at: Option<i64>,
    pub lease_job_id: Option<JobId>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Ledger, drift and guard state.
    #[sqlx(flatten)]
    pub trust: SyncTrust,
}

/// What keeps a sync right unattended: when its ownership ledger started, its drift
/// checks (their lifecycle, latest finding and schedule), and the plan a held run waits on.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct SyncTrust {
    /// `None` until the sync's first run with a ledger (that run claims its keys).
    pub ledger_since: Option<i64>,
    pub drift_check_status: Option<SyncStatus>,
    pub last_drift_job_id: Option<JobId>,
    pub last_drift_message: Option<String>,
    pub last_drift_check_at: Option<i64>,
    pub drift_status: Option<DriftStatus>,
    pub next_drift_at: Option<i64>,
    /// The fingerprint of the plan a held run waits on.
    pub held_plan_hash: Option<String>,
    /// The fingerprint someone confirmed; a run whose plan has it goes ahead.
    pub confirmed_plan_hash: Option<String>,
}

/// Every column of `secret_syncs` (qualified by `t.` when given), with the flag readable
/// on both backends (see [`crate::flag`]).
fn columns(t: &str) -> String {
    let plain = "id, project_id, name, description, destination, connection_id, environment_id, folder_id, secret_path";
    let rest = "version, sync_options, destination_config, sync_status, last_sync_job_id, last_sync_message, \
        last_synced_at, sync_attempt, next_sync_at, import_status, last_import_job_id, last_import_message, \
        last_imported_at, remove_status, last_remove_job_id, last_remove_message, last_removed_at, lease_job_id, \
        lease_owner, lease_until, created_at, updated_at, ledger_since, drift_check_status, last_drift_job_id, \
        last_drift_message, last_drift_check_at, drift_status, next_drift_at, held_plan_hash, confirmed_plan_hash";
    let q = |list: &str| list.split(", ").map(|c| format!("{t}{c}")).collect::<Vec<_>>().join(", ");
    format!("{}, {}, {}", q(plain), crate::flag::flag(&format!("{t}is_auto_sync_enabled")), q(rest))
}

pub async fn insert(conn: &mut Conn, r: &SyncRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO secret_syncs (id, project_id, name, description, destination, connection_id, environment_id,
           folder_id, secret_path, is_auto_sync_enabled, version, sync_options, destination_config, sync_status,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&r.id)
    .bind(&r.project_id)
    .bind(&r.name)
    .bind(&r.description)
    .bind(&r.destination)
    .bind(&r.connection_id)
    .bind(&r.environment_id)
    .bind(&r.folder_id)
    .bind(&r.secret_path)
    .bind(r.is_auto_sync_enabled)
    .bind(r.version)
    .bind(&r.sync_options)
    .bind(&r.destination_config)
    .bind(r.sync_status)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &SyncId) -> Result<Option<SyncRow>> {
    let sql = format!("SELECT {} FROM secret_syncs WHERE id = $1", columns(""));
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn get_by_name(conn: &mut Conn, project: &ProjectId, name: &str) -> Result<Option<SyncRow>> {
    let sql = format!("SELECT {} FROM secret_syncs WHERE project_id = $1 AND name = $2", columns(""));
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.as_str()).bind(name).fetch_optional(conn).await?)
}

/// Syncs of a project, optionally of one destination, by name.
pub async fn list_for_project(conn: &mut Conn, project: &ProjectId, destination: Option<&App>) -> Result<Vec<SyncRow>> {
    let sql = format!(
        "SELECT {} FROM secret_syncs WHERE project_id = $1 AND ($2 IS NULL OR destination = $2) ORDER BY name, id",
        columns("")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.as_str()).bind(destination).fetch_all(conn).await?)
}

/// Where a sync of an organization writes, for duplicate-destination checks.
#[derive(Clone, Debug)]
pub struct SyncTarget {
    pub id: SyncId,
    pub project_id: ProjectId,
    /// `None` when the stored configuration does not decode (it matches nothing).
    pub config: Option<DestinationConfig>,
}

/// Where every sync of a destination in an organization writes. A configuration that
/// does not decode reads as none rather than failing the whole list.
pub async fn targets_in_org(conn: &mut Conn, org_id: &OrgId, destination: &App) -> Result<Vec<SyncTarget>> {
    let rows: Vec<(SyncId, ProjectId, String)> = sqlx::query_as(
        "SELECT s.id, s.project_id, s.destination_config FROM secret_syncs s JOIN projects p ON p.id = s.project_id
         WHERE p.org_id = $1 AND s.destination = $2 ORDER BY s.id",
    )
    .bind(org_id)
    .bind(destination)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, project_id, text)| SyncTarget { id, project_id, config: serde_json::from_str(&text).ok() })
        .collect())
}

/// Whether another sync (of any organization) writes to the same target as `config`. A
/// configuration that does not decode counts as another writer, to be safe.
pub async fn target_shared(
    conn: &mut Conn,
    sync_id: &SyncId,
    destination: &App,
    config: &DestinationConfig,
) -> Result<bool> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT destination_config FROM secret_syncs WHERE destination = $1 AND id <> $2")
            .bind(destination)
            .bind(sync_id)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .iter()
        .any(|text| serde_json::from_str::<DestinationConfig>(text).map_or(true, |other| other.same_target(config))))
}

/// Writes the configuration columns of a sync (everything a PATCH can change).
pub async fn update_config(conn: &mut Conn, r: &SyncRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE secret_syncs SET name = $1, description = $2, connection_id = $3, environment_id = $4, folder_id = $5,
           secret_path = $6, is_auto_sync_enabled = $7, sync_options = $8, destination_config = $9, updated_at = $10
         WHERE id = $11",
    )
    .bind(&r.name)
    .bind(&r.description)
    .bind(&r.connection_id)
    .bind(&r.environment_id)
    .bind(&r.folder_id)
    .bind(&r.secret_path)
    .bind(r.is_auto_sync_enabled)
    .bind(&r.sync_options)
    .bind(&r.destination_config)
    .bind(now_ms())
    .bind(&r.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, id: &SyncId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM secret_syncs WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// The columns of the status lifecycle of a job kind: status, last job, last message, last success.
fn lifecycle_columns(which: JobKind) -> (&'static str, &'static str, &'static str, &'static str) {
    match which {
        JobKind::Sync => ("sync_status", "last_sync_job_id", "last_sync_message", "last_synced_at"),
        JobKind::Import => ("import_status", "last_import_job_id", "last_import_message", "last_imported_at"),
        JobKind::Remove => ("remove_status", "last_remove_job_id", "last_remove_message", "last_removed_at"),
        JobKind::Drift => ("drift_check_status", "last_drift_job_id", "last_drift_message", "last_drift_check_at"),
    }
}

/// Sets a lifecycle's status to `pending` (queued) or `running`, leaving the rest.
pub async fn set_status(conn: &mut Conn, id: &SyncId, which: JobKind, status: SyncStatus) -> Result<()> {
    let (status_col, ..) = lifecycle_columns(which);
    let sql = format!("UPDATE secret_syncs SET {status_col} = $1, updated_at = $2 WHERE id = $3");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(status).bind(now_ms()).bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// Marks many syncs' sync status `pending` at once (fan-out of a change).
pub async fn set_sync_pending(conn: &mut Conn, ids: &[SyncId]) -> Result<()> {
    let now = now_ms();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "UPDATE secret_syncs SET sync_status = 'pending', updated_at = $1 WHERE id IN ({}) AND (sync_status IS NULL OR sync_status <> 'running')",
            crate::dialect::placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records the end of a job in a lifecycle: `succeeded` (message cleared, time set) or
/// `failed` (message kept, time untouched). The job's lease on the sync ends with it, in
/// the same statement (on PostgreSQL a second update of the row in the transaction would
/// check its foreign keys again); [`crate::jobs::finish`] then finds nothing to release.
/// `drift`, the status of a drift report the run left ([`crate::drift::save_report`]), is
/// set in the same statement for the same reason.
pub async fn finish(
    conn: &mut Conn,
    id: &SyncId,
    which: JobKind,
    job_id: &JobId,
    succeeded: bool,
    message: Option<&str>,
    drift: Option<DriftStatus>,
) -> Result<()> {
    let (status_col, job_col, msg_col, at_col) = lifecycle_columns(which);
    let now = now_ms();
    let drift_set = match drift {
        None => String::new(),
        Some(_) => {
            let n = if succeeded { 4 } else { 5 };
            // A drift check that succeeded sets the time as its lifecycle's.
            let checked = if succeeded && which == JobKind::Drift { "" } else { ", last_drift_check_at = $2" };
            format!(", drift_status = ${n}{checked}")
        }
    };
    let release = "lease_owner = CASE WHEN lease_job_id = $1 THEN NULL ELSE lease_owner END,
       lease_until = CASE WHEN lease_job_id = $1 THEN NULL ELSE lease_until END,
       lease_job_id = CASE WHEN lease_job_id = $1 THEN NULL ELSE lease_job_id END";
    let sql = if succeeded {
        format!(
            "UPDATE secret_syncs SET {status_col} = 'succeeded', {job_col} = $1, {msg_col} = NULL, {at_col} = $2,
               updated_at = $2, {release} {extra}{drift_set} WHERE id = $3",
            // A sync run that went ahead spent a held plan and its confirmation.
            extra = if which == JobKind::Sync {
                ", sync_attempt = 0, next_sync_at = NULL, held_plan_hash = NULL, confirmed_plan_hash = NULL"
            } else {
                ""
            }
        )
    } else {
        format!(
            "UPDATE secret_syncs SET {status_col} = 'failed', {job_col} = $1, {msg_col} = $4, updated_at = $2,
               {release} {extra}{drift_set} WHERE id = $3",
            extra = if which == JobKind::Sync { ", next_sync_at = NULL" } else { "" }
        )
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(job_id).bind(now).bind(id.as_str());
    if !succeeded {
        q = q.bind(message.map(|m| truncate(m, 1024)));
    }
    if let Some(status) = drift {
        q = q.bind(status);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Records that a sync failed and will be retried: attempt count, next attempt time and
/// the error so far stay visible while it waits.
pub async fn set_retrying(conn: &mut Conn, id: &SyncId, attempt: i64, next_at: i64, message: &str) -> Result<()> {
    sqlx::query(
        "UPDATE secret_syncs SET sync_status = 'pending', sync_attempt = $1, next_sync_at = $2, last_sync_message = $3,
           updated_at = $4 WHERE id = $5",
    )
    .bind(attempt)
    .bind(next_at)
    .bind(truncate(message, 1024))
    .bind(now_ms())
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets when a sync that failed for good is tried again on its own (reconciliation);
/// `None` clears it. Only a `failed` sync keeps one: any other status has its own next
/// attempt in the same column, or none.
pub async fn set_reconcile_at(conn: &mut Conn, id: &SyncId, at: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE secret_syncs SET next_sync_at = $1 WHERE id = $2 AND sync_status = 'failed'")
        .bind(at)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed syncs whose reconciliation is due at `now`, oldest first.
pub async fn reconcile_due(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<crate::drift::DueCheck>> {
    Ok(sqlx::query_as(
        "SELECT id, connection_id FROM secret_syncs
         WHERE sync_status = 'failed' AND next_sync_at IS NOT NULL AND next_sync_at <= $1
         ORDER BY next_sync_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records that a lifecycle's writes are done and its deploys are on their way: it stays
/// `running`, with what it waits for as its message, until the job comes back at `next_at`.
pub async fn set_deploying(conn: &mut Conn, id: &SyncId, which: JobKind, next_at: i64, message: &str) -> Result<()> {
    let (status_col, _, msg_col, _) = lifecycle_columns(which);
    let extra = if which == JobKind::Sync { ", sync_attempt = 0, next_sync_at = $4" } else { "" };
    let sql = format!(
        "UPDATE secret_syncs SET {status_col} = 'running', {msg_col} = $1, updated_at = $2 {extra} WHERE id = $3"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(truncate(message, 1024)).bind(now_ms()).bind(id.as_str());
    if which == JobKind::Sync {
        q = q.bind(next_at);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Records that a sync run was held by the mass-deletion guard: the sync's status is `held`,
/// with the plan's fingerprint and why, until someone confirms the plan or a run succeeds.
pub async fn hold(conn: &mut Conn, id: &SyncId, job_id: &JobId, plan_hash: &str, message: &str) -> Result<()> {
    sqlx::query(
        "UPDATE secret_syncs SET sync_status = 'held', last_sync_job_id = $1, last_sync_message = $2,
           held_plan_hash = $3, sync_attempt = 0, next_sync_at = NULL, updated_at = $4 WHERE id = $5",
    )
    .bind(job_id)
    .bind(truncate(message, 1024))
    .bind(plan_hash)
    .bind(now_ms())
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a confirmation of the held plan `plan_hash`; false when the sync is not held on
/// that plan (it changed, or nothing is held).
pub async fn confirm_plan(conn: &mut Conn, id: &SyncId, plan_hash: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE secret_syncs SET confirmed_plan_hash = $1, updated_at = $2
         WHERE id = $3 AND sync_status = 'held' AND held_plan_hash = $1",
    )
    .bind(plan_hash)
    .bind(now_ms())
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// What a claim asks of a sync's lease.
#[derive(Clone, Copy, Debug)]
pub struct LeaseAsk<'a> {
    pub job_id: &'a JobId,
    pub owner: &'a str,
    pub until: i64,
    pub now: i64,
    /// The job's kind, whose lifecycle status becomes `running`.
    pub running: Option<JobKind>,
    /// The job's connection and its cap: the lease is taken only while fewer of the
    /// connection's other jobs run with a live lease (PostgreSQL, under the lock of the
    /// connection's row that the claim took just before, so that the count sees every
    /// claim committed before it).
    pub room: Option<(&'a ConnectionId, i64)>,
}

/// Takes the sync's lease for a job when nobody holds it (or the holder's lease ran out),
/// and with `running` sets that kind's lifecycle status `running`. This compare-and-set is
/// what keeps a sync from running twice at once, on one node or many. The row comes back
/// as the lease left it, so the run that begins in the claim's transaction need not read
/// it again.
pub async fn acquire_lease(conn: &mut Conn, id: &SyncId, ask: LeaseAsk<'_>) -> Result<Leased> {
    let sql = lease_statement(&ask);
    let row = bind_lease(sqlx::query(sqlx::AssertSqlSafe(sql)), id, &ask).fetch_optional(conn).await?;
    Ok(match row {
        None => Leased::No,
        Some(row) => Leased::Yes(sqlx::FromRow::from_row(&row).ok().map(Box::new)),
    })
}

/// [`acquire_lease`]'s statement, returning the sync's row; its parameters are bound by
/// [`bind_lease`] (`$1` the job, `$2` the owner, `$3` the lease's end, `$4` the sync, `$5`
/// now, then the connection and its cap): a claim on PostgreSQL makes it part of a larger
/// one.
pub(crate) fn lease_statement(ask: &LeaseAsk<'_>) -> String {
    // One statement, the status with the lease: on PostgreSQL a second update of the row
    // in the claim's transaction would check its foreign keys again.
    let status = ask.running.map_or(String::new(), |kind| {
        let (status_col, ..) = lifecycle_columns(kind);
        format!(", {status_col} = 'running', updated_at = $5")
    });
    let room = if ask.room.is_some() {
        " AND (SELECT COUNT(*) FROM jobs WHERE connection_id = $6 AND state = 'running' AND lease_until >= $5
               AND id <> $1) < $7"
    } else {
        ""
    };
    format!(
        "UPDATE secret_syncs SET lease_job_id = $1, lease_owner = $2, lease_until = $3{status}
         WHERE id = $4 AND (lease_job_id IS NULL OR lease_until < $5 OR lease_job_id = $1){room}
         RETURNING {}",
        columns("")
    )
}

/// Binds [`lease_statement`]'s parameters.
pub(crate) fn bind_lease<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    id: &'q SyncId,
    ask: &LeaseAsk<'q>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let q = q.bind(ask.job_id).bind(ask.owner).bind(ask.until).bind(id).bind(ask.now);
    match ask.room {
        Some((connection_id, cap)) => q.bind(connection_id).bind(cap),
        None => q,
    }
}

/// What [`acquire_lease`] came to.
#[derive(Debug)]
pub enum Leased {
    /// Another job holds the sync's lease, the sync is gone, or its connection is full.
    No,
    /// The lease is the job's: the sync's row as it left it, `None` when this build cannot
    /// read the row ([`get`] says why).
    Yes(Option<Box<SyncRow>>),
}

/// Extends a held lease; false when the job no longer holds it.
pub async fn renew_lease(conn: &mut Conn, id: &SyncId, job_id: &JobId, until: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE secret_syncs SET lease_until = $1 WHERE id = $2 AND lease_job_id = $3")
        .bind(until)
        .bind(id)
        .bind(job_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release_lease(conn: &mut Conn, id: &SyncId, job_id: &JobId) -> Result<()> {
    sqlx::query(
        "UPDATE secret_syncs SET lease_job_id = NULL, lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND lease_job_id = $2",
    )
    .bind(id)
    .bind(job_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the folders a sync depends on.
/// The source folders a sync's last run depended on.
pub async fn dependencies(conn: &mut Conn, id: &SyncId) -> Result<Vec<(EnvironmentId, FolderPath)>> {
    Ok(sqlx::query_as("SELECT environment_id, path FROM sync_dependencies WHERE sync_id = $1")
        .bind(id.as_str())
        .fetch_all(conn)
        .await?)
}

pub async fn set_dependencies(conn: &mut Conn, id: &SyncId, deps: &[(EnvironmentId, FolderPath)]) -> Result<()> {
    sqlx::query("DELETE FROM sync_dependencies WHERE sync_id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    for (env, path) in deps {
        sqlx::query(
            "INSERT INTO sync_dependencies (sync_id, environment_id, path) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id.as_str())
        .bind(env)
        .bind(path)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A sync touched by a change, with what the queue needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AffectedSync {
    pub id: SyncId,
    pub connection_id: ConnectionId,
}

/// Auto-syncing syncs whose source is the changed folder or depends on it.
pub async fn affected_by(
    conn: &mut Conn,
    folder: &FolderId,
    environment_id: &EnvironmentId,
    path: &FolderPath,
) -> Result<Vec<AffectedSync>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.connection_id FROM secret_syncs s
         WHERE s.is_auto_sync_enabled = TRUE AND (s.folder_id = $1 OR EXISTS (
             SELECT 1 FROM sync_dependencies d WHERE d.sync_id = s.id AND d.environment_id = $2 AND d.path = $3))",
    )
    .bind(folder.as_str())
    .bind(environment_id)
    .bind(path)
    .fetch_all(conn)
    .await?)
}
