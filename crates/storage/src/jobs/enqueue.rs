//! Adding jobs (a sync's jobs coalescing with the one already queued for it) and
//! cancelling a deleted sync's. The writers of a sync's queued sync job (these, and the
//! requeue in `jobs.rs`) lock the sync's queue first, so that on PostgreSQL they wait for
//! one another rather than meet a unique-index error or a cycle.

use crate::{Conn, Result, StorageError, dialect, now_ms};
use sluice_domain::{ConnectionId, JobId, JobKind, SyncId};
use std::collections::{HashMap, HashSet};

/// A job to add.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: JobKind,
    pub sync_id: SyncId,
    pub connection_id: ConnectionId,
    pub payload: String,
    pub max_attempts: i64,
    pub run_at: i64,
}

/// What enqueueing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job.
    New(JobId),
    /// A sync job was already queued for this sync; the change rides on it (see [`enqueue`]).
    Coalesced(JobId),
}

impl Enqueued {
    pub fn job_id(&self) -> &JobId {
        match self {
            Self::New(id) | Self::Coalesced(id) => id,
        }
    }
}

/// Serialises, until the transaction ends, the writers of one sync's queued sync job
/// (enqueueing, requeueing, cancelling) across PostgreSQL nodes, so the one-queued-job
/// rule is met by waiting rather than by a unique-index error. SQLite's single writer
/// needs nothing.
pub(super) async fn lock_queue_of(conn: &mut Conn, sync_id: &SyncId) -> Result<()> {
    lock_queues_of(conn, &[sync_id]).await
}

/// [`lock_queue_of`] for several syncs, in one statement, their rows locked in the order of
/// their ids, byte by byte as Rust orders them (`ids` sorted so, and chunks of a longer list
/// taken in that order), so that two such writers never wait for each other in a cycle.
async fn lock_queues_of(conn: &mut Conn, ids: &[&SyncId]) -> Result<()> {
    if conn.backend_name() != "PostgreSQL" || ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id FROM secret_syncs WHERE id IN ({}) ORDER BY id COLLATE \"C\" FOR NO KEY UPDATE",
        dialect::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(kept(ids.len()));
    for id in ids {
        q = q.bind(*id);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Adds a job. Sync jobs coalesce with a sync job already queued for the same sync.
pub async fn enqueue(conn: &mut Conn, job: &NewJob) -> Result<Enqueued> {
    if job.kind == JobKind::Sync {
        let mut done = enqueue_syncs(conn, std::slice::from_ref(job)).await?;
        return done.pop().ok_or_else(|| StorageError::Corrupt("a sync job's insert returned no row".into()));
    }
    let id = JobId::new();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO jobs (id, kind, sync_id, connection_id, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(job.kind)
    .bind(&job.sync_id)
    .bind(&job.connection_id)
    .bind(&job.payload)
    .bind(job.max_attempts)
    .bind(job.run_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Enqueued::New(id))
}

/// Rows of sync jobs per statement of [`enqueue_syncs`]: seven parameters each, well under
/// either database's limit.
const SYNC_JOBS_PER_STATEMENT: usize = 200;

/// Whether a statement over `rows` rows is kept prepared on its connection: the one-row
/// and the full-chunk shapes come back; the sizes between would crowd the cache out.
fn kept(rows: usize) -> bool {
    rows == 1 || rows == SYNC_JOBS_PER_STATEMENT
}

/// Adds a sync job for each of `jobs`, each coalescing with the sync job already queued for
/// its sync as [`enqueue`] says; returns what was done for each, in their order. A second
/// job for the same sync rides on the first (whose payload and time are the ones kept). A
/// change fanned out to a thousand syncs is five inserts, not a thousand (and on PostgreSQL
/// five locking reads, not a thousand), in the dispatcher's transaction that every run of
/// the fan-out waits for. A job of another kind is refused: only sync jobs coalesce.
pub async fn enqueue_syncs(conn: &mut Conn, jobs: &[NewJob]) -> Result<Vec<Enqueued>> {
    if let Some(other) = jobs.iter().find(|j| j.kind != JobKind::Sync) {
        return Err(StorageError::Corrupt(format!("a {} job was queued as a sync job", other.kind.as_str())));
    }
    let now = now_ms();
    // One row per sync, in the order of their ids (the order their rows are locked in).
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|a, b| jobs[*a].sync_id.cmp(&jobs[*b].sync_id));
    order.dedup_by(|a, b| jobs[*a].sync_id == jobs[*b].sync_id);
    let mut queued: HashMap<SyncId, Enqueued> = HashMap::with_capacity(order.len());
    for chunk in order.chunks(SYNC_JOBS_PER_STATEMENT) {
        let ids: Vec<&SyncId> = chunk.iter().map(|i| &jobs[*i].sync_id).collect();
        lock_queues_of(conn, &ids).await?;
        // One statement: the insert, or (a sync job already queued) the update of that
        // job, so a claim between two statements can never leave nothing to update. A
        // job that has not run yet keeps its trigger and actor. One that ran and came back
        // to follow a deploy (requeued with no attempts counted) now runs this change, at
        // once, under its trigger and actor; a retry waiting out a backoff (attempts > 0)
        // keeps its wait.
        let rows: Vec<String> = (0..chunk.len())
            .map(|n| {
                let p = 2 + n * 7;
                format!("({}, 'queued', 0, {}, $1, $1)", dialect::placeholders(p, 5), dialect::placeholders(p + 5, 2))
            })
            .collect();
        let sql = format!(
            "INSERT INTO jobs (id, kind, sync_id, connection_id, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
             VALUES {}
             ON CONFLICT (sync_id) WHERE kind = 'sync' AND state = 'queued' DO UPDATE SET updated_at = EXCLUDED.updated_at,
               payload = CASE WHEN jobs.last_error IS NULL THEN jobs.payload ELSE EXCLUDED.payload END,
               run_at = CASE WHEN jobs.attempts = 0 AND jobs.last_error IS NOT NULL AND jobs.run_at > EXCLUDED.run_at
                             THEN EXCLUDED.run_at ELSE jobs.run_at END
             RETURNING id, sync_id",
            rows.join(", ")
        );
        let fresh: Vec<JobId> = chunk.iter().map(|_| JobId::new()).collect();
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).persistent(kept(chunk.len())).bind(now);
        for (i, id) in chunk.iter().zip(&fresh) {
            let job = &jobs[*i];
            q = q
                .bind(id)
                .bind(JobKind::Sync)
                .bind(&job.sync_id)
                .bind(&job.connection_id)
                .bind(&job.payload)
                .bind(job.max_attempts)
                .bind(job.run_at);
        }
        let got: Vec<(JobId, SyncId)> = q.fetch_all(&mut *conn).await?;
        let fresh: HashSet<JobId> = fresh.into_iter().collect();
        for (id, sync) in got {
            let done = if fresh.contains(&id) { Enqueued::New(id) } else { Enqueued::Coalesced(id) };
            queued.insert(sync, done);
        }
    }
    let mut seen: HashSet<&SyncId> = HashSet::with_capacity(queued.len());
    jobs.iter()
        .map(|job| {
            let done = queued.get(&job.sync_id).ok_or_else(|| {
                StorageError::Corrupt(format!("the insert of the sync job for {} returned no row", job.sync_id))
            })?;
            Ok(if seen.insert(&job.sync_id) { done.clone() } else { Enqueued::Coalesced(done.job_id().clone()) })
        })
        .collect()
}

/// Cancels the queued (not running) jobs of a sync, when the sync is deleted.
pub async fn cancel_queued_for_sync(conn: &mut Conn, sync_id: &SyncId) -> Result<u64> {
    lock_queue_of(conn, sync_id).await?;
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', last_error = 'the sync was deleted', finished_at = $1, updated_at = $1
         WHERE sync_id = $2 AND state = 'queued'",
    )
    .bind(now)
    .bind(sync_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
