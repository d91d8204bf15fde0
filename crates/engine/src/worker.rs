//! Background loops of a node: workers that claim and run jobs, the dispatcher, and on
//! PostgreSQL a listener that turns other nodes' `NOTIFY`s into local wake-ups. Polling
//! at `poll_interval` is the floor under every wake-up.

use super::{dispatch, run};
use crate::Engine;
use sluice_storage::jobs;
use sluice_storage::{StorageError, now_ms};
use std::time::Duration;
use tokio::sync::watch;

/// Claims one job this node may run now and begins its run, in one transaction. `due_by`
/// makes later jobs due (draining in tests).
pub async fn claim(engine: &Engine, due_by: Option<i64>) -> Result<Option<run::Begun>, StorageError> {
    let mut tx = engine.store().write().await?;
    let begun = run::claim_in(&mut tx, engine, due_by).await?;
    tx.commit().await?;
    Ok(begun)
}

/// How long to wait for the next due job, capped by the poll interval (a wake-up ends the
/// wait sooner).
///
/// Jobs already due that the claim just passed over wait for a run to end (their
/// connection is at its concurrency limit, or their sync is running): claiming again at
/// once would only spin on the queue, on SQLite holding the one write lock that the running
/// syncs need. The worker that ends such a run claims the next job itself, and a retry or
/// an enqueue wakes the others.
async fn idle_wait(engine: &Engine) -> Duration {
    let poll = engine.settings().poll_interval;
    let next = async {
        let mut conn = engine.store().read().await?;
        jobs::next_due(&mut conn).await
    }
    .await;
    next_wait(next.ok().flatten(), now_ms(), poll)
}

/// The wait before looking again, given the earliest `run_at` of the queued jobs.
fn next_wait(next_due: Option<i64>, now: i64, poll: Duration) -> Duration {
    match next_due {
        Some(at) if at > now => Duration::from_millis(((at - now) as u64).min(poll.as_millis() as u64)),
        _ => poll,
    }
}

pub async fn worker_loop(engine: Engine, mut stop: watch::Receiver<bool>) {
    let mut next: Option<run::Begun> = None;
    loop {
        let claimed = match next.take() {
            // Claimed with the previous run's outcome: run even when stopping, as it holds
            // its lease and a running record.
            Some(begun) => Ok(Some(begun)),
            None if *stop.borrow() => return,
            None => claim(&engine, None).await,
        };
        match claimed {
            Ok(Some(job)) => {
                next = run::execute_and_claim(&engine, job, &stop).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "claiming a job failed"),
        }
        let wait = idle_wait(&engine).await;
        tokio::select! {
            _ = engine.jobs_queued().notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

pub async fn dispatcher_loop(engine: Engine, mut stop: watch::Receiver<bool>) {
    let poll = engine.settings().poll_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = dispatch::dispatch_all(&engine).await {
            tracing::warn!(error = %e, "dispatching changes failed");
        }
        tokio::select! {
            _ = engine.core().changes().notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Queues the scheduled drift checks and the reconciliation of failed syncs as they fall
/// due (every 30 s at most; both are minutes apart, jittered).
pub async fn drift_loop(engine: Engine, mut stop: watch::Receiver<bool>) {
    let every = engine.settings().poll_interval.max(Duration::from_secs(30));
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = super::drift::schedule_due(&engine, now_ms()).await {
            tracing::warn!(error = %e, "scheduling drift checks failed");
        }
        if let Err(e) = super::reconcile::schedule_due(&engine, now_ms()).await {
            tracing::warn!(error = %e, "scheduling reconciliation failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

/// PostgreSQL only: listens for other nodes' wake-ups.
pub async fn listener_loop(engine: Engine, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        if *stop.borrow() {
            return;
        }
        match sqlx::postgres::PgListener::connect(engine.store().url()).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(sluice_storage::dialect::NOTIFY_CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    backoff = Duration::from_millis(200);
                    // Anything sent while we were away: look once.
                    engine.core().changes().notify_one();
                    engine.wake();
                    loop {
                        tokio::select! {
                            n = listener.recv() => match n {
                                Ok(n) if n.payload() == "job" => engine.wake(),
                                Ok(_) => engine.core().changes().notify_one(),
                                Err(e) => { tracing::warn!(error = %e, "notification stream broke"); break; }
                            },
                            _ = stop.changed() => return,
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect the notification listener"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// How often a SQLite node copies its write-ahead log back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// SQLite only: copies the write-ahead log into the database file every second
/// ([`sluice_storage::Store::checkpoint`]), beside the writer instead of inside one of its
/// commits. A failure that lasts (a full disk) is logged when it starts and when it ends,
/// not every second.
pub async fn checkpoint_loop(engine: Engine, mut stop: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        match engine.store().checkpoint().await {
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "copying the write-ahead log into the database failed; the writer's own checkpoints bound the log meanwhile");
            }
            Err(_) => {}
            Ok(_) if failing => {
                failing = false;
                tracing::info!("copying the write-ahead log into the database works again");
            }
            Ok(_) => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Hourly housekeeping ([`crate::housekeeping`]).
pub async fn maintenance_loop(engine: Engine, mut stop: watch::Receiver<bool>) {
    loop {
        let pruned = crate::housekeeping::run(&engine).await;
        if let Err(e) = pruned {
            tracing::warn!(error = %e, "housekeeping failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::next_wait;
    use std::time::Duration;

    #[test]
    fn a_worker_waits_for_the_next_job_but_never_spins_on_jobs_it_could_not_claim() {
        let poll = Duration::from_millis(2000);
        let cases = [
            (Some(1_500), 1_000, Duration::from_millis(500)),
            (Some(9_000), 1_000, poll),
            // Due, yet not claimed: wait for a wake-up or the poll interval.
            (Some(1_000), 1_000, poll),
            (Some(10), 1_000, poll),
            (None, 1_000, poll),
        ];
        for (next_due, now, want) in cases {
            assert_eq!(next_wait(next_due, now, poll), want, "{next_due:?} at {now}");
        }
    }
}
