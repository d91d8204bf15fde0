//! Background loops of a node: workers that claim and run jobs, the dispatcher, and on
//! PostgreSQL a listener that turns other nodes' `NOTIFY`s into local wake-ups. Polling
//! at `poll_interval` is the floor under every wake-up.

use super::{dispatch, run};
use crate::state::AppState;
use sluice_storage::jobs::{self, JobRow};
use sluice_storage::{StorageError, now_ms};
use std::time::Duration;
use tokio::sync::watch;

/// Claims one job this node may run now. `due_by` makes later jobs due (draining in tests).
pub async fn claim(state: &AppState, due_by: Option<i64>) -> Result<Option<JobRow>, StorageError> {
    let engine = &state.settings.engine;
    let mut tx = state.store.write().await?;
    let job = jobs::claim(
        &mut tx,
        state.store.backend(),
        &state.node_id,
        engine.lease.as_millis() as i64,
        engine.per_connection_limit as i64,
        due_by,
    )
    .await?;
    tx.commit().await?;
    Ok(job)
}

/// How long to wait for the next due job, capped by the poll interval.
async fn idle_wait(state: &AppState) -> Duration {
    let poll = state.settings.engine.poll_interval;
    let next = async {
        let mut conn = state.store.read().await?;
        jobs::next_due(&mut conn).await
    }
    .await;
    match next {
        Ok(Some(at)) => Duration::from_millis((at - now_ms()).clamp(0, poll.as_millis() as i64) as u64),
        _ => poll,
    }
}

pub async fn worker_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match claim(&state, None).await {
            Ok(Some(job)) => {
                run::execute(&state, job).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "claiming a job failed"),
        }
        let wait = idle_wait(&state).await;
        tokio::select! {
            _ = state.signals.jobs.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

pub async fn dispatcher_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    let poll = state.settings.engine.poll_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = dispatch::dispatch_all(&state).await {
            tracing::warn!(error = %e, "dispatching changes failed");
        }
        tokio::select! {
            _ = state.core.changes().notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// PostgreSQL only: listens for other nodes' wake-ups.
pub async fn listener_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        if *stop.borrow() {
            return;
        }
        match sqlx::postgres::PgListener::connect(state.store.url()).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(sluice_storage::dialect::NOTIFY_CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    backoff = Duration::from_millis(200);
                    // Anything sent while we were away: look once.
                    state.core.changes().notify_one();
                    super::queue::wake(&state);
                    loop {
                        tokio::select! {
                            n = listener.recv() => match n {
                                Ok(n) if n.payload() == "job" => super::queue::wake(&state),
                                Ok(_) => state.core.changes().notify_one(),
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

/// Hourly housekeeping: dispatched change events and dead tokens.
pub async fn maintenance_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let pruned = async {
            let mut tx = state.store.write().await?;
            sluice_storage::dispatch::prune(&mut tx, 86_400_000).await?;
            sluice_storage::tokens::prune(&mut tx).await?;
            tx.commit().await?;
            Ok::<(), StorageError>(())
        }
        .await;
        if let Err(e) = pruned {
            tracing::warn!(error = %e, "housekeeping failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
    }
}
