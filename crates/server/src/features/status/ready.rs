//! `GET /api/ready`: readiness, for load balancers and Kubernetes' `readinessProbe`.
//! `/api/status` stays the liveness answer (Infisical's shape, cheap); this one says
//! whether this node can do its work: the database answers a trivial query within
//! [`DB_TIMEOUT`], and this node's sync engine tasks are all running (or the node runs
//! none: `--workers 0`, an API-only node, is ready with `workers: off`). 200 when ready,
//! 503 naming the part that is not.
//!
//! Why `/api/ready` and not `/readyz`: it sits beside `/api/status`, under the API's
//! prefix, so it answers JSON (never the UI's HTML 404), is never cached (`no-store`),
//! and a proxy that forwards `/api/` to Sluice forwards it too. Probes take any path.
//! It needs no token and says nothing a stranger could use.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// How long the database has to answer before the node is not ready.
pub const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Readiness and each part's state.
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadyOut {
    pub ready: bool,
    pub database: PartOut,
    pub workers: PartOut,
}

/// One part: `ok`, `off` (not run on this node, by configuration) or `failing`, and why.
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PartOut {
    pub status: PartStatus,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartStatus {
    Ok,
    Off,
    Failing,
}

impl PartOut {
    fn new(status: PartStatus, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
}

/// The database's part: how long `SELECT 1` took, or why it did not answer.
pub fn database_part(answer: Result<Duration, String>) -> PartOut {
    match answer {
        Ok(took) => PartOut::new(PartStatus::Ok, format!("answered in {} ms", took.as_millis())),
        Err(why) => PartOut::new(PartStatus::Failing, why),
    }
}

/// The workers' part: this node's engine tasks running against those it should run.
pub fn workers_part(expected: usize, alive: usize) -> PartOut {
    match (expected, alive) {
        (0, _) => PartOut::new(PartStatus::Off, "no sync workers on this node (--workers 0: an API-only node)"),
        (e, a) if a >= e => PartOut::new(PartStatus::Ok, format!("{a} of {e} engine tasks running")),
        (e, a) => PartOut::new(
            PartStatus::Failing,
            format!("only {a} of {e} engine tasks running (workers, dispatcher, housekeeping); see the logs"),
        ),
    }
}

/// Ready when no part is failing.
pub fn readiness(database: PartOut, workers: PartOut) -> (StatusCode, ReadyOut) {
    let ready = database.status != PartStatus::Failing && workers.status != PartStatus::Failing;
    let code = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, ReadyOut { ready, database, workers })
}

async fn ping(state: &AppState) -> Result<Duration, String> {
    let started = Instant::now();
    let query = async {
        let mut conn = state.store.read().await?;
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&mut *conn).await?;
        Ok::<(), sluice_storage::StorageError>(())
    };
    match tokio::time::timeout(DB_TIMEOUT, query).await {
        Ok(Ok(())) => Ok(started.elapsed()),
        Ok(Err(e)) => Err(format!("the database did not answer: {e}")),
        Err(_) => Err(format!("the database did not answer within {} ms", DB_TIMEOUT.as_millis())),
    }
}

/// Readiness: whether the database answers and this node's sync workers run.
#[utoipa::path(
    get, path = "/api/ready", tag = "status",
    responses(
        (status = 200, description = "Ready", body = ReadyOut),
        (status = 503, description = "Not ready: a part is failing", body = ReadyOut),
    )
)]
pub(super) async fn ready(State(state): State<AppState>) -> (StatusCode, Json<ReadyOut>) {
    let database = database_part(ping(&state).await);
    let engine = &state.engine;
    let workers = workers_part(engine.tasks_expected(), engine.metrics().tasks_alive());
    let (code, out) = readiness(database, workers);
    if !out.ready {
        tracing::warn!(database = %out.database.message, workers = %out.workers.message, "not ready");
    }
    (code, Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_off_running_or_failing() {
        let cases = [
            (0, 0, PartStatus::Off),
            (0, 3, PartStatus::Off),
            (4, 4, PartStatus::Ok),
            (5, 4, PartStatus::Failing),
            (4, 0, PartStatus::Failing),
        ];
        for (expected, alive, status) in cases {
            assert_eq!(workers_part(expected, alive).status, status, "{expected} expected, {alive} alive");
        }
        assert!(workers_part(5, 4).message.contains("4 of 5"));
    }

    #[test]
    fn ready_only_when_no_part_fails() {
        let db_ok = || database_part(Ok(Duration::from_millis(3)));
        let db_down = || database_part(Err("the database did not answer within 2000 ms".into()));
        let cases = [
            (db_ok(), workers_part(4, 4), StatusCode::OK),
            (db_ok(), workers_part(0, 0), StatusCode::OK),
            (db_down(), workers_part(0, 0), StatusCode::SERVICE_UNAVAILABLE),
            (db_ok(), workers_part(4, 3), StatusCode::SERVICE_UNAVAILABLE),
            (db_down(), workers_part(4, 3), StatusCode::SERVICE_UNAVAILABLE),
        ];
        for (database, workers, code) in cases {
            let (got, out) = readiness(database, workers);
            assert_eq!(got, code);
            assert_eq!(out.ready, code == StatusCode::OK);
        }
    }
}
