//! A change fanned out to many syncs: their jobs queued in a few statements, each
//! coalescing with a job already queued, and fan-outs at once that never deadlock.

use super::queue::fixture;
use sluice_domain::{JobId, JobKind, SyncId};
use sluice_storage::jobs::{self, Enqueued, NewJob};

#[tokio::test]
async fn a_fan_out_queues_one_job_per_sync_and_rides_on_those_already_queued() {
    let mut f = fixture().await;
    // More syncs than one statement takes.
    f.grow_to(450).await;
    let already = f.enqueue(JobKind::Sync, f.sync(7)).await;
    assert!(matches!(already, Enqueued::New(_)));
    let job = |sync: &SyncId| NewJob {
        kind: JobKind::Sync,
        sync_id: sync.clone(),
        connection_id: f.connection.clone(),
        payload: "{}".into(),
        max_attempts: 5,
        run_at: 0,
    };
    let mut all: Vec<NewJob> = f.syncs.iter().rev().map(job).collect();
    all.push(job(f.sync(3)));
    let mut tx = f.store.write().await.expect("tx");
    let done = jobs::enqueue_syncs(&mut tx, &all).await.expect("enqueue");
    tx.commit().await.expect("commit");

    assert_eq!(done.len(), 451);
    let position = |i: usize| 449 - i;
    assert_eq!(done[position(7)], Enqueued::Coalesced(already.job_id().clone()), "the sync with a job queued keeps it");
    let first_of_3 = done[position(3)].clone();
    assert!(matches!(first_of_3, Enqueued::New(_)));
    assert_eq!(
        done[450],
        Enqueued::Coalesced(first_of_3.job_id().clone()),
        "a second job for a sync rides on its first"
    );
    let new: std::collections::BTreeSet<&JobId> =
        done[..450].iter().filter(|e| matches!(e, Enqueued::New(_))).map(Enqueued::job_id).collect();
    assert_eq!(new.len(), 449, "every other sync got a job of its own");

    let mut conn = f.store.read().await.expect("conn");
    let queued: Vec<(SyncId, JobId)> =
        sqlx::query_as("SELECT sync_id, id FROM jobs WHERE state = 'queued' AND kind = 'sync' ORDER BY sync_id")
            .fetch_all(&mut *conn)
            .await
            .expect("jobs");
    assert_eq!(queued.len(), 450, "one queued job per sync");
    for (n, sync) in f.syncs.iter().enumerate() {
        let (_, id) = queued.iter().find(|(s, _)| s == sync).expect("a job for every sync");
        assert_eq!(id, done[position(n)].job_id(), "the job returned for s{n} is the one queued");
    }
}

/// Fan-outs at once over more syncs than one statement takes, each listing them from
/// another one, never wait for each other in a cycle (on PostgreSQL a deadlock error).
#[tokio::test]
async fn fan_outs_over_many_syncs_at_once_never_deadlock() {
    let mut f = fixture().await;
    f.grow_to(450).await;
    let mut tasks = Vec::new();
    for n in 0..3 {
        let (store, syncs, connection) = (f.store.clone(), f.syncs.clone(), f.connection.clone());
        tasks.push(tokio::spawn(async move {
            for round in 0..4 {
                let from = (n * 150 + round * 37) % syncs.len();
                let all: Vec<NewJob> = (0..syncs.len())
                    .map(|i| NewJob {
                        kind: JobKind::Sync,
                        sync_id: syncs[(from + i) % syncs.len()].clone(),
                        connection_id: connection.clone(),
                        payload: "{}".into(),
                        max_attempts: 5,
                        run_at: 0,
                    })
                    .collect();
                let mut tx = store.write().await.expect("tx");
                jobs::enqueue_syncs(&mut tx, &all).await.expect("a fan-out never fails");
                tx.commit().await.expect("commit");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let mut conn = f.store.read().await.expect("conn");
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND kind = 'sync'")
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(queued, 450, "one queued job per sync");
}
