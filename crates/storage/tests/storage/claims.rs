//! Claims racing each other and the queue's writers: each job is taken once, a claimer
//! skips the jobs others hold and keeps the queue's order, and on PostgreSQL the cap of a
//! connection holds across nodes without holding up other writers.

use super::queue::{Fixture, fixture};
use sluice_domain::{JobId, JobKind, JobState, SyncId, SyncStatus};
use sluice_storage::jobs::{self, NewJob};
use sluice_storage::{Backend, Tx, syncs};

/// Queues a sync job for every sync of the fixture; their ids and syncs in the queue's order.
async fn queue_every_sync(f: &Fixture) -> Vec<(JobId, SyncId)> {
    for s in &f.syncs {
        f.enqueue(JobKind::Sync, s).await;
    }
    let mut conn = f.store.read().await.expect("conn");
    sqlx::query_as("SELECT id, sync_id FROM jobs ORDER BY run_at, id").fetch_all(&mut *conn).await.expect("queue")
}

/// Holds the job's row in `tx`, as another claimer or writer does.
async fn hold(tx: &mut Tx, job: &JobId) {
    sqlx::query("SELECT id FROM jobs WHERE id = $1 FOR UPDATE").bind(job).execute(&mut **tx).await.expect("hold");
}

/// A claim on PostgreSQL that fails rather than waits for a row someone holds.
async fn claim_without_waiting(f: &Fixture) -> Option<jobs::Claimed> {
    let mut tx = f.store.write().await.expect("tx");
    sqlx::query("SET LOCAL lock_timeout = '3s'").execute(&mut *tx).await.expect("timeout");
    let claimed = jobs::claim(&mut tx, f.store.backend(), "n2", 60_000, 10, None).await.expect("claim without waiting");
    tx.commit().await.expect("commit");
    claimed
}

/// The jobs' states, in `order`.
async fn states_of(f: &Fixture, order: &[(JobId, SyncId)]) -> Vec<JobState> {
    let mut conn = f.store.read().await.expect("conn");
    let mut states = Vec::new();
    for (id, _) in order {
        states.push(jobs::get(&mut conn, id).await.expect("get").expect("row").state);
    }
    states
}

/// On PostgreSQL claimers on every node read the same first candidates: a claim takes the
/// first one in the queue's order that no one else holds, and cancels the jobs of deleted
/// syncs it read.
#[tokio::test]
async fn a_claim_takes_the_first_job_no_one_else_holds_in_the_queues_order() {
    let f = fixture().await;
    if f.store.backend() != Backend::Postgres {
        return;
    }
    let order = queue_every_sync(&f).await;
    // Another claimer holds the first job; the second's sync was deleted.
    let mut holding = f.store.write().await.expect("tx");
    hold(&mut holding, &order[0].0).await;
    let mut tx = f.store.write().await.expect("tx");
    syncs::delete(&mut tx, &order[1].1).await.expect("delete");
    tx.commit().await.expect("commit");

    let claimed = claim_without_waiting(&f).await;
    assert_eq!(claimed.map(|c| c.job.id), Some(order[2].0.clone()), "the third in the queue's order");
    holding.commit().await.expect("commit");

    let states = states_of(&f, &order).await;
    assert_eq!(states, [JobState::Queued, JobState::Cancelled, JobState::Running, JobState::Queued]);
}

/// With every other job held by other claimers, a claim takes nothing and still cancels the
/// job of a deleted sync it read, wherever that job stands in the queue.
#[tokio::test]
async fn a_claim_that_finds_every_job_held_still_cancels_the_job_of_a_deleted_sync() {
    let f = fixture().await;
    if f.store.backend() != Backend::Postgres {
        return;
    }
    let order = queue_every_sync(&f).await;
    let mut holding = f.store.write().await.expect("tx");
    for (id, _) in &order[..3] {
        hold(&mut holding, id).await;
    }
    let mut tx = f.store.write().await.expect("tx");
    syncs::delete(&mut tx, &order[3].1).await.expect("delete");
    tx.commit().await.expect("commit");

    let claimed = claim_without_waiting(&f).await;
    assert!(claimed.is_none(), "every other job is held");
    holding.commit().await.expect("commit");

    let states = states_of(&f, &order).await;
    assert_eq!(states, [JobState::Queued, JobState::Queued, JobState::Queued, JobState::Cancelled]);
}

/// A deleted project leaves its syncs' jobs queued. A claim that reads nothing but those
/// cancels them and reads the queue again, and claims the job behind them: before, it
/// claimed nothing, and the worker waited a whole poll interval for every 16 of them.
#[tokio::test]
async fn a_claim_reads_past_a_queue_front_of_deleted_syncs_jobs() {
    let mut f = fixture().await;
    f.grow_to(20).await;
    let order = queue_every_sync(&f).await;
    // More than one read's 16 candidates.
    let mut tx = f.store.write().await.expect("tx");
    for (_, sync) in &order[..17] {
        syncs::delete(&mut tx, sync).await.expect("delete");
    }
    tx.commit().await.expect("commit");

    let mut tx = f.store.write().await.expect("tx");
    let claimed = jobs::claim(&mut tx, f.store.backend(), "n", 60_000, 10, None).await.expect("claim");
    tx.commit().await.expect("commit");
    assert_eq!(claimed.map(|c| c.job.id), Some(order[17].0.clone()), "the first job of a sync that exists");
    let mut conn = f.store.read().await.expect("conn");
    let cancelled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'cancelled'")
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(cancelled, 17);
}

#[tokio::test]
async fn concurrent_claimers_take_each_job_once() {
    let f = fixture().await;
    for s in &f.syncs {
        f.enqueue(JobKind::Sync, s).await;
    }
    let store = f.store.clone();
    let mut tasks = Vec::new();
    for n in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..4 {
                let mut tx = store.write().await.expect("tx");
                if let Some(j) =
                    jobs::claim(&mut tx, store.backend(), &format!("n{n}"), 60_000, 10, None).await.expect("claim")
                {
                    got.push(j.job.sync_id);
                }
                tx.commit().await.expect("commit");
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort();
    let mut every = f.syncs.clone();
    every.sort();
    assert_eq!(all, every);
}

#[tokio::test]
async fn enqueueing_while_claims_race_never_fails() {
    let f = fixture().await;
    let store = f.store.clone();
    let syncs = f.syncs.clone();
    let connection = f.connection.clone();
    let mut tasks = Vec::new();
    for n in 0..6 {
        let (store, syncs, connection) = (store.clone(), syncs.clone(), connection.clone());
        tasks.push(tokio::spawn(async move {
            for round in 0..40 {
                let sync = &syncs[(n + round) % syncs.len()];
                let mut tx = store.write().await.expect("tx");
                let job = |sync: &SyncId| NewJob {
                    kind: JobKind::Sync,
                    sync_id: sync.clone(),
                    connection_id: connection.clone(),
                    payload: "{}".into(),
                    max_attempts: 5,
                    run_at: 0,
                };
                if n % 2 == 0 && round % 2 == 0 {
                    jobs::enqueue(&mut tx, &job(sync)).await.expect("enqueue never fails");
                } else if n % 2 == 0 {
                    // A fan-out: every sync at once, each writer listing them from another one.
                    let all: Vec<NewJob> =
                        (0..syncs.len()).map(|i| job(&syncs[(n + round + i) % syncs.len()])).collect();
                    jobs::enqueue_syncs(&mut tx, &all).await.expect("enqueue never fails");
                } else if let Some(c) =
                    jobs::claim(&mut tx, store.backend(), &format!("n{n}"), 60_000, 100, None).await.expect("claim")
                {
                    jobs::finish(&mut tx, &c.job.id, JobState::Succeeded, None).await.expect("finish");
                }
                tx.commit().await.expect("commit");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    // Still at most one queued sync job per sync.
    let mut conn = f.store.read().await.expect("conn");
    let per_sync: Vec<i64> =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND kind = 'sync' GROUP BY sync_id")
            .fetch_all(&mut *conn)
            .await
            .expect("count");
    assert!(per_sync.iter().all(|n| *n <= 1), "{per_sync:?}");
}

/// A claim serialises the claimers of its connection by locking the connection's row until
/// it commits. On PostgreSQL that lock must not block other transactions' foreign-key
/// checks on the row: a run recording its outcome (updating its sync's row twice, which
/// re-checks the sync's foreign keys) would otherwise wait for every claim on the same
/// connection, on every node. SQLite has one writer: nothing to check there.
#[tokio::test]
async fn a_claim_in_progress_does_not_hold_up_another_syncs_outcome_on_the_same_connection() {
    let f = fixture().await;
    if f.store.backend() != Backend::Postgres {
        return;
    }
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    let mut claiming = f.store.write().await.expect("tx");
    let claimed = jobs::claim(&mut claiming, f.store.backend(), "n1", 60_000, 10, None).await.expect("claim");
    assert!(claimed.is_some(), "the claim holds the connection's row until it commits");

    let mut recording = f.store.write().await.expect("tx");
    sqlx::query("SET LOCAL lock_timeout = '3s'").execute(&mut *recording).await.expect("timeout");
    let other = f.sync(1);
    syncs::set_status(&mut recording, other, JobKind::Sync, SyncStatus::Running).await.expect("first update");
    let job = JobId::new();
    syncs::finish(&mut recording, other, JobKind::Sync, &job, true, None, None)
        .await
        .expect("the second update of the row checks its foreign keys without waiting for the claim");
    recording.commit().await.expect("commit");
    claiming.commit().await.expect("commit");
}

/// On PostgreSQL a claim checks its connection's cap under the lock of the connection's
/// row, in the lease's compare-and-set. A claim that found room when it read the queue but
/// finds the connection full once it has the lock (another node's claim committed
/// meanwhile) takes nothing: the job stays queued and the sync is not leased.
#[tokio::test]
async fn a_claim_that_finds_its_connection_full_under_the_lock_takes_nothing() {
    let f = fixture().await;
    if f.store.backend() != Backend::Postgres {
        return;
    }
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    f.enqueue(JobKind::Sync, f.sync(1)).await;
    let mut first = f.store.write().await.expect("tx");
    let claimed = jobs::claim(&mut first, f.store.backend(), "n1", 60_000, 1, None).await.expect("claim");
    let claimed = claimed.expect("the first claim takes the connection's one place").job;

    // The second claimer reads the queue before the first commits: it sees room.
    let store = f.store.clone();
    let second = tokio::spawn(async move {
        let mut tx = store.write().await.expect("tx");
        let got = jobs::claim(&mut tx, store.backend(), "n2", 60_000, 1, None).await.expect("claim");
        tx.commit().await.expect("commit");
        got.map(|c| c.job.id)
    });
    // It waits for the connection's row, holding its job's and its sync's.
    until_waiting_for_connections(&f, 1).await;
    first.commit().await.expect("commit");
    assert_eq!(second.await.expect("task"), None, "the connection's one place is taken");
    let mut conn = f.store.read().await.expect("conn");

    let job = jobs::get(&mut conn, &claimed.id).await.expect("get").expect("row");
    assert_eq!(job.state, JobState::Running);
    let other = if claimed.sync_id == *f.sync(0) { f.sync(1) } else { f.sync(0) };
    let row = syncs::get(&mut conn, other).await.expect("get").expect("row");
    assert_eq!(row.lease_job_id, None, "the claim that found no room left no lease");
    assert_ne!(
        row.sync_status,
        Some(SyncStatus::Running),
        "the claim that found no room left the sync's status as it was"
    );
    let queued: (String, i64) = sqlx::query_as("SELECT state, attempts FROM jobs WHERE sync_id = $1")
        .bind(other)
        .fetch_one(&mut *conn)
        .await
        .expect("job");
    assert_eq!(queued, ("queued".to_string(), 0), "the claim that found no room left its job as it was");
}

/// Waits until `n` transactions wait for a connection's row in a claim's locking statement.
async fn until_waiting_for_connections(f: &Fixture, n: i64) {
    let mut conn = f.store.read().await.expect("conn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND query LIKE '%FROM app_connections c%FOR NO KEY UPDATE%'",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("activity");
        if waiting >= n {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting} claims wait for a connection's row, not {n}");
        tokio::task::yield_now().await;
    }
}

/// On PostgreSQL a claim that found one connection full keeps that connection's row locked
/// until it commits; it must then not wait for another connection's row. Two claimers, each
/// finding its first connection full and its next candidate on the other's, would each
/// wait for the other's lock: a deadlock, which PostgreSQL ends by failing one of them.
#[tokio::test]
async fn claims_that_find_two_connections_full_do_not_wait_for_each_other() {
    let mut f = fixture().await;
    if f.store.backend() != Backend::Postgres {
        return;
    }
    f.grow_to(6).await;
    // Connection X has s0, s2, s4; a second connection Y has s1, s3, s5; their jobs queue
    // in that order: x0, y0, x1, y1, x2, y2.
    let y = sluice_domain::ConnectionId::new();
    let mut tx = f.store.write().await.expect("tx");
    let mut row = sluice_storage::connections::get(&mut tx, &f.connection).await.expect("get").expect("row");
    (row.id, row.name) = (y.clone(), "second".into());
    sluice_storage::connections::insert(&mut tx, &row).await.expect("connection");
    tx.commit().await.expect("commit");
    for i in 0..6 {
        f.enqueue(JobKind::Sync, f.sync(i)).await;
        let mut tx = f.store.write().await.expect("tx");
        let to = if i % 2 == 1 { &y } else { &f.connection };
        sqlx::query("UPDATE secret_syncs SET connection_id = $1 WHERE id = $2")
            .bind(to)
            .bind(f.sync(i))
            .execute(&mut *tx)
            .await
            .expect("sync");
        sqlx::query("UPDATE jobs SET connection_id = $1, run_at = $2 WHERE sync_id = $3")
            .bind(to)
            .bind(1_000 + i as i64)
            .bind(f.sync(i))
            .execute(&mut *tx)
            .await
            .expect("job");
        tx.commit().await.expect("commit");
    }
    // Each connection's one place is taken by a claim not committed yet: x0 and y0.
    let mut on_x = f.store.write().await.expect("tx");
    let x0 = jobs::claim(&mut on_x, f.store.backend(), "n1", 60_000, 1, None).await.expect("claim").expect("x0");
    let mut on_y = f.store.write().await.expect("tx");
    let y0 = jobs::claim(&mut on_y, f.store.backend(), "n2", 60_000, 1, None).await.expect("claim").expect("y0");
    assert_eq!((&x0.job.sync_id, &y0.job.sync_id), (f.sync(0), f.sync(1)));

    // A locks x1 and waits for X; B locks y1 and waits for Y. Both read room: the places
    // are not committed yet.
    let claimer = |owner: &'static str| {
        let store = f.store.clone();
        tokio::spawn(async move {
            let mut tx = store.write().await.expect("tx");
            sqlx::query("SET LOCAL deadlock_timeout = '200ms'").execute(&mut *tx).await.expect("timeout");
            let got = jobs::claim(&mut tx, store.backend(), owner, 60_000, 1, None).await;
            tx.commit().await.expect("commit");
            got.map(|c| c.map(|c| c.job.sync_id))
        })
    };
    let a = claimer("a");
    until_waiting_for_connections(&f, 1).await;
    let b = claimer("b");
    until_waiting_for_connections(&f, 2).await;
    // The places are committed: A finds X full and B finds Y full, each holding its lock.
    // Their next candidates are y2 (on Y) and x2 (on X).
    on_x.commit().await.expect("commit");
    on_y.commit().await.expect("commit");
    let (a, b) = (a.await.expect("task"), b.await.expect("task"));
    assert!(matches!(a, Ok(None)), "A claims nothing and fails nothing: {a:?}");
    assert!(matches!(b, Ok(None)), "B claims nothing and fails nothing: {b:?}");

    let mut conn = f.store.read().await.expect("conn");
    let running: Vec<String> = sqlx::query_scalar("SELECT sync_id FROM jobs WHERE state = 'running' ORDER BY run_at")
        .fetch_all(&mut *conn)
        .await
        .expect("running");
    assert_eq!(running, [f.sync(0).to_string(), f.sync(1).to_string()], "each connection runs one job");
}
