//! Writers of many syncs' rows at once take them in one order, the order of their ids:
//! a change's fan-out, the drift scheduler and the reconciliation scheduler, racing on
//! PostgreSQL, never wait for each other in a cycle (a deadlock would fail one of them).
//! SQLite has one writer: nothing can race there. The test relies on the writers
//! overlapping: fan-outs run one after another for as long as the schedulers do, and
//! without the schedulers' ordering it deadlocked in 4 runs of 4.

use super::support::*;
use sluice_domain::{ConnectionId, JobKind, SyncId};
use sluice_storage::jobs::{self, NewJob};
use sluice_storage::{Backend, now_ms};

#[tokio::test]
async fn a_fan_out_and_the_schedulers_writing_the_same_syncs_never_deadlock() {
    let mut env = start().await;
    // The test looks at what the schedulers and the fan-out queue, not at what runs.
    env.app.leaves_jobs();
    let state = env.app.state();
    let (store, engine) = (&state.store, &state.engine);
    if store.backend() != Backend::Postgres {
        return;
    }
    env.put("dev", "/", "A", "1").await;
    for i in 0..30 {
        env.create_sync(
            env.sync_body(&format!("s{i}"), opts("overwrite-destination", Some(&format!("S{i}_{{{{secretKey}}}}")))),
        )
        .await;
    }
    env.app.drain_all().await;
    let mut conn = store.read().await.expect("conn");
    let syncs: Vec<(SyncId, ConnectionId)> = sqlx::query_as("SELECT id, connection_id FROM secret_syncs ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .expect("syncs");
    drop(conn);
    assert_eq!(syncs.len(), 30);

    for round in 0..8 {
        // Every sync failed and due for its reconciliation and its drift check, due in the
        // reverse order of their ids: the order the schedulers read them in.
        let mut tx = store.write().await.expect("tx");
        sqlx::query("UPDATE jobs SET state = 'cancelled' WHERE state = 'queued'")
            .execute(&mut *tx)
            .await
            .expect("jobs");
        for (rank, (id, _)) in syncs.iter().enumerate() {
            sqlx::query(
                "UPDATE secret_syncs SET sync_status = 'failed', next_sync_at = $1, next_drift_at = $1,
                   ledger_since = COALESCE(ledger_since, 1) WHERE id = $2",
            )
            .bind(1_000 - rank as i64)
            .bind(id)
            .execute(&mut *tx)
            .await
            .expect("due");
        }
        tx.commit().await.expect("commit");

        // Changes fanned out to every sync, one after the other while the schedulers run,
        // each listing the syncs from another one.
        let done = std::sync::atomic::AtomicBool::new(false);
        let fan_outs = async {
            let mut n = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) || n < 3 {
                let all: Vec<NewJob> = (0..syncs.len())
                    .map(|i| {
                        let (sync_id, connection_id) = &syncs[(i + round * 7 + n) % syncs.len()];
                        NewJob {
                            kind: JobKind::Sync,
                            sync_id: sync_id.clone(),
                            connection_id: connection_id.clone(),
                            payload: "{}".into(),
                            max_attempts: 5,
                            run_at: now_ms(),
                        }
                    })
                    .collect();
                let mut tx = store.write().await.expect("tx");
                jobs::enqueue_syncs(&mut tx, &all).await.expect("the fan-out never deadlocks");
                tx.commit().await.expect("commit");
                n += 1;
            }
        };
        let schedulers = async {
            let now = now_ms();
            let both = tokio::join!(
                sluice_engine::reconcile::schedule_due(engine, now),
                sluice_engine::drift::schedule_due(engine, now)
            );
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            both
        };
        let ((reconciled, checked), ()) = tokio::join!(schedulers, fan_outs);
        assert_eq!(reconciled.expect("the reconciliation scheduler never deadlocks"), 30, "round {round}");
        assert_eq!(checked.expect("the drift scheduler never deadlocks"), 30, "round {round}");
    }
}
