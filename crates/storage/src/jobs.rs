//! The durable job queue behind secret syncs.
//!
//! Jobs are rows. A burst of changes leaves at most one queued sync job per sync (a
//! partial unique index makes the extra inserts no-ops). Claiming is one transaction: pick
//! due jobs (skipping rows other nodes are claiming, on PostgreSQL), skip syncs another
//! job holds and connections at their concurrency cap, take the sync's lease
//! (compare-and-set on the sync row), and mark the job running with a lease of its own.
//! A node that dies leaves leases that run out; its jobs are claimed again then.

use crate::connections::ConnectionRow;
use crate::db::Backend;
use crate::{Conn, Result, StorageError, dialect, now_ms, syncs};
use sluice_domain::{ConnectionId, JobId, JobKind, JobState, SyncId};
use sqlx::Row;

mod enqueue;

use enqueue::lock_queue_of;
pub use enqueue::{Enqueued, NewJob, cancel_queued_for_sync, enqueue, enqueue_syncs};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRow {
    pub id: JobId,
    pub kind: JobKind,
    pub sync_id: SyncId,
    pub connection_id: ConnectionId,
    /// JSON text: trigger, actor, options of the job kind.
    pub payload: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    /// Taken anew at every claim: a run holds the job only with the epoch it claimed it with.
    pub lease_epoch: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

/// A claimed job, and whose expired lease it took over, if any.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub job: JobRow,
    pub takeover: Option<Takeover>,
    /// The job's sync as the claim left it (leased, its lifecycle `running`); `None` when
    /// its stored row cannot be read.
    pub sync: Option<syncs::SyncRow>,
    /// The job's connection as the claim locked it to count its running jobs (PostgreSQL);
    /// `None` when not read, or when its stored row cannot be read.
    pub connection: Option<ConnectionRow>,
}

/// The holder whose lease ran out before its job was claimed again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Takeover {
    pub owner: String,
    /// When its lease ended: its last write may land up to a mutation's timeout later.
    pub lease_until: i64,
}

/// Claims one due job for `owner`, or `None` when nothing can run now. `due_by` (tests)
/// treats jobs scheduled up to that time as due. A claimed job whose row this build
/// cannot read (a kind it does not know) fails, saying so, and the next one is tried: one
/// such row never stops the queue.
pub async fn claim(
    conn: &mut Conn,
    backend: Backend,
    owner: &str,
    lease_ms: i64,
    per_connection_limit: i64,
    due_by: Option<i64>,
) -> Result<Option<Claimed>> {
    let now = now_ms();
    let due = due_by.unwrap_or(now);
    // The connections at their cap are found once (a handful of running jobs), not per
    // queued row; and queued jobs are read in the order of their index (migration 0024),
    // so a claim reads its 16 candidates, not the whole queue: with a thousand jobs
    // queued, a count per row and a sort of them all held the writer for up to a
    // millisecond per claim. Jobs whose holder's lease ran out are few: read beside.
    let sql = "WITH cap AS (
           SELECT r.connection_id FROM jobs r
           LEFT JOIN app_connections c ON c.id = r.connection_id
           WHERE r.state = 'running' AND r.lease_until >= $1
           GROUP BY r.connection_id
           HAVING COUNT(*) >= COALESCE(MAX(c.sync_concurrency), $2))
         SELECT id, sync_id, connection_id, state, lease_owner, lease_until,
           COALESCE((SELECT c.sync_concurrency FROM app_connections c WHERE c.id = x.connection_id), $2) AS cap, kind,
           (SELECT COUNT(*) FROM secret_syncs s WHERE s.id = x.sync_id) AS sync_rows
         FROM (
           SELECT * FROM (
             SELECT j.id, j.sync_id, j.connection_id, j.state, j.lease_owner, j.lease_until, j.run_at, j.kind FROM jobs j
             WHERE j.state = 'queued' AND j.run_at <= $3
               AND j.connection_id NOT IN (SELECT connection_id FROM cap)
               AND NOT EXISTS (SELECT 1 FROM secret_syncs s WHERE s.id = j.sync_id AND s.lease_job_id IS NOT NULL
                               AND s.lease_job_id <> j.id AND s.lease_until >= $1)
             ORDER BY j.run_at, j.id LIMIT 16) AS queued
           UNION ALL
           SELECT j.id, j.sync_id, j.connection_id, j.state, j.lease_owner, j.lease_until, j.run_at, j.kind FROM jobs j
           WHERE j.state = 'running' AND j.lease_until < $1
             AND j.connection_id NOT IN (SELECT connection_id FROM cap)
             AND NOT EXISTS (SELECT 1 FROM secret_syncs s WHERE s.id = j.sync_id AND s.lease_job_id IS NOT NULL
                             AND s.lease_job_id <> j.id AND s.lease_until >= $1)
         ) AS x
         ORDER BY run_at, id LIMIT 16";
    loop {
        let read: Vec<Candidate> =
            sqlx::query_as(sql).bind(now).bind(per_connection_limit).bind(due).fetch_all(&mut *conn).await?;
        // Jobs of deleted syncs are cancelled up front, whatever their place among the
        // candidates, so that a claim finding every other job held still cancels them; in
        // one statement that skips rows someone holds, so that it never waits while this
        // claim holds rows of its own.
        let (orphans, mut candidates): (Vec<Candidate>, Vec<Candidate>) =
            read.into_iter().partition(|c| c.sync_rows == 0);
        let cancelled = cancel_orphans(conn, backend, &orphans, now).await?;
        // Connections found at their cap under their lock, or (PostgreSQL) held by another
        // claimer once this claim holds a connection's lock: their other candidates wait too.
        let mut full: Vec<ConnectionId> = Vec::new();
        // Whether this claim holds a connection's lock (PostgreSQL), taken for a candidate
        // whose lease it then could not take: it keeps it until it commits.
        let mut holding = false;
        let mut next = 0;
        while next < candidates.len() {
            let mut at = next;
            let mut room = None;
            let mut connection = None;
            if backend == Backend::Postgres {
                // Locks the first candidate from here on that no other claimer or writer holds,
                // with its sync's row (locked as every writer of the queue locks it, see
                // `lock_queue_of`), in one statement: claimers on every node read the same
                // candidates first, and one round trip per candidate they held cost a thousand
                // more statements per fan-out. Skipping locked rows, claims never wait in a
                // deadlock with enqueues. The same statement then queues for its connection's
                // row, whose lock serialises the connection's claimers on every node so that
                // its cap holds (see `lock_first_free`); the cap is checked in the lease's
                // compare-and-set that follows, whose snapshot is taken under that lock.
                let open: Vec<&JobId> =
                    candidates[next..].iter().filter(|c| !full.contains(&c.connection_id)).map(|c| &c.id).collect();
                // None free: each was held by someone else, or is no longer due. Holding a
                // connection's lock, a claim never waits for another's: two claims each holding
                // one and waiting for the other's would deadlock.
                let Some(locked) = lock_first_free(conn, &open, due, now, !holding).await? else { break };
                let Some(offset) = candidates[next..].iter().position(|c| c.id == locked.id) else {
                    return Err(StorageError::Corrupt(format!(
                        "the claim locked job {}, which it had not read",
                        locked.id
                    )));
                };
                at = next + offset;
                if locked.connection_busy {
                    // Another claimer holds its connection: this claim counts it as full.
                    full.push(candidates[at].connection_id.clone());
                    next = at + 1;
                    continue;
                }
                holding |= locked.connection.is_some();
                let c = &mut candidates[at];
                (c.state, c.lease_owner, c.lease_until) = (locked.state, locked.lease_owner, locked.lease_until);
                // The cap as it stands under the lock; the candidates' read's when its row is gone.
                let cap = locked
                    .connection
                    .as_ref()
                    .map_or(c.cap, |row| row.sync_concurrency.unwrap_or(per_connection_limit));
                room = Some(cap);
                connection = locked.connection;
            }
            next = at + 1;
            let Candidate {
                id,
                sync_id,
                connection_id,
                state,
                lease_owner: old_owner,
                lease_until: old_until,
                kind,
                ..
            } = candidates[at].clone();
            if full.contains(&connection_id) {
                continue;
            }
            let until = now + lease_ms;
            // The sync's lifecycle for the job's kind is `running` from its claim.
            let lifecycle = kind.parse::<JobKind>().ok();
            let ask = syncs::LeaseAsk {
                job_id: &id,
                owner,
                until,
                now,
                running: lifecycle,
                room: room.map(|cap| (&connection_id, cap)),
            };
            // The sync exists: the read found it in this transaction (SQLite's one writer), or
            // the lock holds its row (PostgreSQL). Another job holds its lease, or (PostgreSQL)
            // the connection is full: next one.
            let (leased, claimed) = if backend == Backend::Postgres {
                match lease_and_mark(conn, &sync_id, &ask).await? {
                    Some((sync, job)) => (syncs::Leased::Yes(sync), Some(job)),
                    None => (syncs::Leased::No, None),
                }
            } else {
                (syncs::acquire_lease(conn, &sync_id, ask).await?, None)
            };
            let syncs::Leased::Yes(sync) = leased else {
                if let Some(cap) = room
                    && running_on(conn, &connection_id, &id, now).await? >= cap
                {
                    full.push(connection_id);
                }
                continue;
            };
            let claimed = match claimed {
                Some(job) => job,
                None => sqlx::query_as(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2,
                       updated_at = $3, lease_epoch = lease_epoch + 1
                     WHERE id = $4 RETURNING *",
                )
                .bind(owner)
                .bind(until)
                .bind(now)
                .bind(&id)
                .fetch_one(&mut *conn)
                .await,
            };
            let takeover = match (state, old_owner) {
                (JobState::Running, Some(previous)) => {
                    let why = format!(
                        "Interrupted: node {previous} stopped renewing its lease on the job; node {owner} took it over"
                    );
                    close_orphaned_runs(conn, &id, &why).await?;
                    Some(Takeover { owner: previous, lease_until: old_until.unwrap_or(now) })
                }
                _ => None,
            };
            match claimed.map_err(StorageError::from) {
                Ok(job) => return Ok(Some(Claimed { job, takeover, sync: sync.map(|row| *row), connection })),
                Err(e) if e.is_undecodable() => {
                    let message = format!("this Sluice cannot run the job: {e}");
                    // Its lease set the sync's status `running`: the sync says it failed, and why.
                    if let Some(kind) = lifecycle {
                        syncs::finish(conn, &sync_id, kind, &id, false, Some(&message), None).await?;
                    }
                    finish(conn, &id, JobState::Failed, Some(&message)).await?;
                }
                Err(e) => return Err(e),
            }
        }
        // Candidates that were all deleted syncs' jobs (a deleted project's, say) claim
        // nothing: the queue is read again past them, for as long as that cancels some.
        if cancelled == 0 {
            return Ok(None);
        }
    }
}

/// The job's columns, each as `j_<column>`, for a statement that returns them beside the
/// sync's.
const PREFIXED_JOB: &str = "j.id AS j_id, j.kind AS j_kind, j.sync_id AS j_sync_id, j.connection_id AS j_connection_id,
    j.payload AS j_payload, j.state AS j_state, j.attempts AS j_attempts, j.max_attempts AS j_max_attempts,
    j.run_at AS j_run_at, j.lease_owner AS j_lease_owner, j.lease_until AS j_lease_until, j.lease_epoch AS j_lease_epoch,
    j.last_error AS j_last_error, j.created_at AS j_created_at, j.updated_at AS j_updated_at,
    j.finished_at AS j_finished_at";

/// A job's row from [`PREFIXED_JOB`]'s columns.
fn prefixed_job(row: &sqlx::any::AnyRow) -> std::result::Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: row.try_get("j_id")?,
        kind: row.try_get("j_kind")?,
        sync_id: row.try_get("j_sync_id")?,
        connection_id: row.try_get("j_connection_id")?,
        payload: row.try_get("j_payload")?,
        state: row.try_get("j_state")?,
        attempts: row.try_get("j_attempts")?,
        max_attempts: row.try_get("j_max_attempts")?,
        run_at: row.try_get("j_run_at")?,
        lease_owner: row.try_get("j_lease_owner")?,
        lease_until: row.try_get("j_lease_until")?,
        lease_epoch: row.try_get("j_lease_epoch")?,
        last_error: row.try_get("j_last_error")?,
        created_at: row.try_get("j_created_at")?,
        updated_at: row.try_get("j_updated_at")?,
        finished_at: row.try_get("j_finished_at")?,
    })
}

/// PostgreSQL: takes the sync's lease as [`syncs::acquire_lease`] does and, when it got
/// it, marks the job running with a lease of its own, in one statement (one round trip
/// fewer per claim). `None` when the lease was not taken (nothing changed); else the sync's
/// row as the lease left it (`None` when unreadable) and the job's as its claim left it
/// (an error when this build cannot read it).
async fn lease_and_mark(
    conn: &mut Conn,
    sync_id: &SyncId,
    ask: &syncs::LeaseAsk<'_>,
) -> Result<Option<(Option<Box<syncs::SyncRow>>, std::result::Result<JobRow, sqlx::Error>)>> {
    let sql = format!(
        "WITH s AS ({}),
         j AS (UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, lease_until = $3,
                 updated_at = $5, lease_epoch = lease_epoch + 1
               WHERE id = $1 AND EXISTS (SELECT 1 FROM s) RETURNING *)
         SELECT s.*, {PREFIXED_JOB} FROM s LEFT JOIN j ON true",
        syncs::lease_statement(ask)
    );
    let row = syncs::bind_lease(sqlx::query(sqlx::AssertSqlSafe(sql)), sync_id, ask).fetch_optional(conn).await?;
    Ok(row.map(|row| (sqlx::FromRow::from_row(&row).ok().map(Box::new), prefixed_job(&row))))
}

/// A claim's candidate, as the candidates' read found it.
#[derive(Clone, Debug, sqlx::FromRow)]
struct Candidate {
    id: JobId,
    sync_id: SyncId,
    connection_id: ConnectionId,
    state: JobState,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
    /// Its connection's cap.
    cap: i64,
    /// The kind as text: a kind this build does not know must not fail the whole read.
    kind: String,
    /// Its sync's rows: 0 once the sync was deleted.
    sync_rows: i64,
}

/// Locks, on PostgreSQL, the first of `ids` in the queue's order still due whose job and
/// sync rows no one else holds, then its connection's row: waiting for it when `wait`,
/// else skipping it when another transaction holds it (`connection_busy`). Returns the
/// job's id and current state and lease, with the connection as locked. A job a fan-out
/// moved ahead since the claim read the queue (lowering its `run_at`) may be locked before
/// candidates read ahead of it; these are left to the next claim.
///
/// The connection's lock is held until the claim commits, and taken last: its claimers on
/// every node queue for the lease's compare-and-set (which counts the connection's running
/// jobs), the run's record and the commit, not the whole claim; a claim whose lease
/// failed holds it to its end, and waits for no other connection meanwhile. It does not
/// block other writers' foreign-key checks on the row.
async fn lock_first_free(conn: &mut Conn, ids: &[&JobId], due: i64, now: i64, wait: bool) -> Result<Option<Locked>> {
    if ids.is_empty() {
        return Ok(None);
    }
    // In the queue's order: ordering by each id's place in `ids` instead (a `CASE` over
    // them, the list padded to 16 for one statement shape) took ten times as long in all
    // in a three-node fan-out. The connection's whole row comes back: the run reads it next.
    // A job whose connection row is gone is still claimed (its run says what is missing).
    let sql = format!(
        "WITH picked AS (
           SELECT j.id, j.state, j.lease_owner, j.lease_until, j.connection_id FROM jobs j
           JOIN secret_syncs s ON s.id = j.sync_id
           WHERE j.id IN ({}) AND ((j.state = 'queued' AND j.run_at <= $1) OR (j.state = 'running' AND j.lease_until < $2))
           ORDER BY j.run_at, j.id LIMIT 1
           FOR NO KEY UPDATE OF s SKIP LOCKED FOR UPDATE OF j SKIP LOCKED),
         held AS MATERIALIZED (
           SELECT c.* FROM app_connections c WHERE c.id = (SELECT connection_id FROM picked) FOR NO KEY UPDATE{})
         SELECT picked.id AS claim_job_id, picked.state AS claim_job_state, picked.lease_owner AS claim_lease_owner,
           picked.lease_until AS claim_lease_until,
           EXISTS (SELECT 1 FROM app_connections x WHERE x.id = picked.connection_id) AS claim_connection_exists, held.*
         FROM picked LEFT JOIN held ON true",
        dialect::placeholders(3, ids.len()),
        if wait { "" } else { " SKIP LOCKED" }
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(due).bind(now);
    for id in ids {
        q = q.bind(*id);
    }
    let Some(row) = q.fetch_optional(&mut *conn).await? else { return Ok(None) };
    let exists: bool = row.try_get("claim_connection_exists")?;
    let locked = row.try_get::<Option<ConnectionId>, _>("id")?.is_some();
    Ok(Some(Locked {
        id: row.try_get("claim_job_id")?,
        state: row.try_get("claim_job_state")?,
        lease_owner: row.try_get("claim_lease_owner")?,
        lease_until: row.try_get("claim_lease_until")?,
        connection_busy: exists && !locked,
        connection: sqlx::FromRow::from_row(&row).ok(),
    }))
}

/// The candidate a claim locked, as it stands under the lock.
#[derive(Debug)]
struct Locked {
    id: JobId,
    state: JobState,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
    /// Its connection's row, locked; `None` when gone, unreadable or busy.
    connection: Option<ConnectionRow>,
    /// Its connection's row exists but another transaction held it (a claim told not to
    /// wait for it).
    connection_busy: bool,
}

/// Cancels `orphans`, candidates whose sync was deleted, in one statement, skipping any
/// row someone holds (a writer of the queue, or the job's own end; a later claim reads it
/// again). Returns how many it cancelled.
async fn cancel_orphans(conn: &mut Conn, backend: Backend, orphans: &[Candidate], now: i64) -> Result<u64> {
    if orphans.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE jobs SET state = 'cancelled', last_error = 'the sync was deleted', finished_at = $1, updated_at = $1,
           lease_until = NULL
         WHERE id IN (SELECT id FROM jobs WHERE id IN ({}) AND state IN ('queued', 'running'){})",
        dialect::placeholders(2, orphans.len()),
        dialect::skip_locked(backend)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
    for o in orphans {
        q = q.bind(&o.id);
    }
    Ok(q.persistent(false).execute(conn).await?.rows_affected())
}

/// How many of a connection's jobs other than `job` run with a live lease.
async fn running_on(conn: &mut Conn, connection_id: &ConnectionId, job: &JobId, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE connection_id = $1 AND state = 'running' AND lease_until >= $2 AND id <> $3",
    )
    .bind(connection_id)
    .bind(now)
    .bind(job)
    .fetch_one(conn)
    .await?)
}

/// Extends a running job's lease and its sync's; false when the job lost them (another
/// claim took a newer epoch, or the lease ran out before this renewal).
pub async fn renew(conn: &mut Conn, job: &JobRow, owner: &str, until: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET lease_until = $1
         WHERE id = $2 AND state = 'running' AND lease_owner = $3 AND lease_epoch = $4 AND lease_until >= $5",
    )
    .bind(until)
    .bind(&job.id)
    .bind(owner)
    .bind(job.lease_epoch)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1 && syncs::renew_lease(conn, &job.sync_id, &job.id, until).await?)
}

/// The fence before a destination write: whether `job` is still held by `owner` with the
/// epoch it was claimed with and its lease has not run out, extending the job's and the
/// sync's leases to `until` when so. One statement on PostgreSQL (a data-modifying
/// `WITH`); two in the caller's transaction on SQLite (one node, one writer).
pub async fn fence(conn: &mut Conn, backend: Backend, job: &JobRow, owner: &str, until: i64) -> Result<bool> {
    let now = now_ms();
    if backend == Backend::Postgres {
        let held: Option<String> = sqlx::query_scalar(
            "WITH j AS (UPDATE jobs SET lease_until = $1
                        WHERE id = $2 AND state = 'running' AND lease_owner = $3 AND lease_epoch = $4 AND lease_until >= $5
                        RETURNING sync_id)
             UPDATE secret_syncs SET lease_until = $1 WHERE id = (SELECT sync_id FROM j) AND lease_job_id = $2 RETURNING id",
        )
        .bind(until)
        .bind(&job.id)
        .bind(owner)
        .bind(job.lease_epoch)
        .bind(now)
        .fetch_optional(conn)
        .await?;
        return Ok(held.is_some());
    }
    renew(conn, job, owner, until).await
}

/// Whether `job` is still held by `owner` with its epoch and its lease runs at least
/// until `until`: the fence without a write, while the lease taken at the claim or the
/// last renewal still outlives the write about to be made.
pub async fn held_until(conn: &mut Conn, job: &JobRow, owner: &str, until: i64) -> Result<bool> {
    let held: Option<JobId> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2 AND lease_epoch = $3
           AND lease_until >= $4",
    )
    .bind(&job.id)
    .bind(owner)
    .bind(job.lease_epoch)
    .bind(until)
    .fetch_optional(conn)
    .await?;
    Ok(held.is_some())
}

/// Whether `job` is still held by `owner` with its epoch (inside the transaction that
/// records what the run did: a run that lost its job records nothing but its own end).
pub async fn holds(conn: &mut Conn, backend: Backend, job: &JobRow, owner: &str) -> Result<bool> {
    let sql = format!(
        "SELECT id FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2 AND lease_epoch = $3{}",
        dialect::for_no_key_update(backend)
    );
    let held: Option<JobId> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&job.id)
        .bind(owner)
        .bind(job.lease_epoch)
        .fetch_optional(conn)
        .await?;
    Ok(held.is_some())
}

/// Closes the runs of a job still marked running (their node lost the job) as
/// `interrupted`, saying why.
pub async fn close_orphaned_runs(conn: &mut Conn, job_id: &JobId, why: &str) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE sync_runs SET status = 'interrupted', finished_at = $1, error = $2 WHERE job_id = $3 AND status = 'running'",
    )
    .bind(now_ms())
    .bind(why)
    .bind(job_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Ends a job (`succeeded`, `failed`, `cancelled`, `superseded`) and frees its sync's lease.
pub async fn finish(conn: &mut Conn, job_id: &JobId, state: JobState, error: Option<&str>) -> Result<()> {
    let now = now_ms();
    let sync_id: Option<SyncId> = sqlx::query_scalar(
        "UPDATE jobs SET state = $1, last_error = $2, finished_at = $3, updated_at = $3, lease_until = NULL
         WHERE id = $4 RETURNING sync_id",
    )
    .bind(state)
    .bind(error)
    .bind(now)
    .bind(job_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(sync_id) = sync_id {
        syncs::release_lease(conn, &sync_id, job_id).await?;
    }
    Ok(())
}

/// Ends a job in one statement, leaving the sync's lease to its caller, who frees it in the
/// same transaction ([`syncs::finish`], or the sync's deletion). With `holder` (node, lease
/// epoch) only while that node still holds the job with that epoch: false when it does
/// not, and nothing changed.
pub async fn end(
    conn: &mut Conn,
    job_id: &JobId,
    state: JobState,
    error: Option<&str>,
    holder: Option<(&str, i64)>,
) -> Result<bool> {
    let held = if holder.is_some() { " AND state = 'running' AND lease_owner = $5 AND lease_epoch = $6" } else { "" };
    let sql = format!(
        "UPDATE jobs SET state = $1, last_error = $2, finished_at = $3, updated_at = $3, lease_until = NULL
         WHERE id = $4{held}"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(state).bind(error).bind(now_ms()).bind(job_id);
    if let Some((owner, epoch)) = holder {
        q = q.bind(owner).bind(epoch);
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
}

/// Puts a failed job back in the queue to run at `run_at`. When a sync job is already
/// queued for the same sync (a change arrived meanwhile), that one takes over: it runs no
/// earlier than `run_at` and carries the attempt count, and this one is superseded.
/// Returns the id of the job that will retry.
pub async fn retry(conn: &mut Conn, job: &JobRow, run_at: i64, error: &str) -> Result<JobId> {
    requeue(conn, job, run_at, error, job.attempts, false).await
}

/// Puts a job whose work is done but not finished (a deploy being followed) back in the
/// queue to look again at `run_at`. Like [`retry`], but the looks do not count as failed
/// attempts (the job keeps its whole retry budget for real failures), and a sync job
/// queued meanwhile (a change) takes over without waiting: it looks at the deploys too.
pub async fn poll_later(conn: &mut Conn, job: &JobRow, run_at: i64, note: &str) -> Result<JobId> {
    requeue(conn, job, run_at, note, 0, true).await
}

async fn requeue(
    conn: &mut Conn,
    job: &JobRow,
    run_at: i64,
    error: &str,
    attempts: i64,
    keep_earlier: bool,
) -> Result<JobId> {
    let now = now_ms();
    if job.kind == JobKind::Sync {
        lock_queue_of(conn, &job.sync_id).await?;
        let run_at_rule = if keep_earlier {
            "CASE WHEN run_at > $1 THEN $1 ELSE run_at END"
        } else {
            "CASE WHEN run_at < $1 THEN $1 ELSE run_at END"
        };
        let sql = format!(
            "UPDATE jobs SET run_at = {run_at_rule}, attempts = $2, updated_at = $3
             WHERE sync_id = $4 AND kind = 'sync' AND state = 'queued' AND id <> $5 RETURNING id"
        );
        let other: Option<JobId> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(run_at)
            .bind(attempts)
            .bind(now)
            .bind(&job.sync_id)
            .bind(&job.id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(other) = other {
            finish(conn, &job.id, JobState::Superseded, Some(error)).await?;
            return Ok(other);
        }
    }
    sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL, updated_at = $3,
           attempts = $5 WHERE id = $4",
    )
    .bind(run_at)
    .bind(error)
    .bind(now)
    .bind(&job.id)
    .bind(attempts)
    .execute(&mut *conn)
    .await?;
    syncs::release_lease(conn, &job.sync_id, &job.id).await?;
    Ok(job.id.clone())
}

pub async fn get(conn: &mut Conn, id: &JobId) -> Result<Option<JobRow>> {
    Ok(sqlx::query_as("SELECT * FROM jobs WHERE id = $1").bind(id).fetch_optional(conn).await?)
}

/// Jobs of a sync, newest first.
pub async fn list_for_sync(conn: &mut Conn, sync_id: &SyncId, limit: i64) -> Result<Vec<JobRow>> {
    Ok(sqlx::query_as("SELECT * FROM jobs WHERE sync_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
        .bind(sync_id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Queued or running jobs of a sync (is anything in flight?).
pub async fn active_for_sync(conn: &mut Conn, sync_id: &SyncId) -> Result<Vec<JobRow>> {
    Ok(sqlx::query_as("SELECT * FROM jobs WHERE sync_id = $1 AND state IN ('queued', 'running') ORDER BY run_at, id")
        .bind(sync_id)
        .fetch_all(conn)
        .await?)
}

/// When the next queued job falls due (for a worker deciding how long to wait).
pub async fn next_due(conn: &mut Conn) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(run_at) FROM jobs WHERE state = 'queued'").fetch_one(conn).await?)
}

/// Counts of unfinished jobs: (queued, running).
pub async fn outstanding(conn: &mut Conn) -> Result<(i64, i64)> {
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetch_one(&mut *conn).await?;
    let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'running'").fetch_one(conn).await?;
    Ok((queued, running))
}

/// Frees the leases a node held, after it restarted: its running jobs become claimable
/// at once instead of when their leases run out.
pub async fn release_node(conn: &mut Conn, owner: &str) -> Result<u64> {
    // Ended now (not at 0): a write the stopped process had in flight may still land up to
    // a write's timeout from now, and the repair after the takeover waits for that.
    let ended = now_ms() - 1;
    let done = sqlx::query("UPDATE jobs SET lease_until = $2 WHERE state = 'running' AND lease_owner = $1")
        .bind(owner)
        .bind(ended)
        .execute(&mut *conn)
        .await?;
    // Its runs in progress died with it.
    sqlx::query(
        "UPDATE sync_runs SET status = 'interrupted', finished_at = $1,
           error = 'Interrupted: node ' || $2 || ' stopped (restarted) while the run was in progress'
         WHERE node = $2 AND status = 'running'",
    )
    .bind(now_ms())
    .bind(owner)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE secret_syncs SET lease_until = 0 WHERE lease_owner = $1").bind(owner).execute(conn).await?;
    Ok(done.rows_affected())
}

/// Deletes jobs that finished more than `older_than_ms` ago (queued, running and held jobs
/// stay). Their runs keep their own record. Returns how many went.
pub async fn prune_finished(conn: &mut Conn, older_than_ms: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled', 'superseded')
           AND finished_at IS NOT NULL AND finished_at < $1",
    )
    .bind(now_ms() - older_than_ms)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
