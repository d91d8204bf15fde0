//! The events a run tells the project's notification channels about, written into the
//! outbox (`sluice_storage::notifications::emit`) inside the transaction that records the
//! run's outcome: an event exists exactly when its cause does, and is delivered later by
//! `sluice-notify`. Payloads carry names, ids, counts and messages, never a value.
//!
//! Call [`emit`] with any event about a sync from a transaction (`&mut tx`):
//!
//! ```ignore
//! events::emit(&mut tx, &row, EventType::SyncHeld, json!({"runId": run.id, "deletes": 12})).await?;
//! ```
//!
//! Every event's `data` starts with `projectId`, `syncId`, `syncName` and `destination`;
//! `extra` (an object) adds to it.

use crate::error::EngineError;
use serde_json::{Value, json};
use sluice_destinations::ErrorClass;
use sluice_domain::{EventType, JobKind, JobState};
use sluice_storage::jobs::{self, JobRow};
use sluice_storage::notifications::{self, Emitted};
use sluice_storage::runs::RunRow;
use sluice_storage::syncs::SyncRow;
use sluice_storage::{Conn, StorageError, connections};

/// Records `event` about the sync `row` for every channel of its project that subscribes.
pub async fn emit(conn: &mut Conn, row: &SyncRow, event: EventType, extra: Value) -> Result<Emitted, StorageError> {
    let mut data = json!({
        "projectId": row.project_id,
        "syncId": row.id,
        "syncName": row.name,
        "destination": row.destination,
    });
    if let (Value::Object(base), Value::Object(more)) = (&mut data, extra) {
        base.extend(more);
    }
    notifications::emit(conn, &row.project_id, event, &data).await
}

/// The run's fields every run event carries.
fn run_fields(run: &RunRow, job: &JobRow) -> Value {
    json!({"runId": run.id, "jobId": job.id, "kind": job.kind, "attempt": job.attempts, "trigger": run.trigger})
}

/// A job ended failed, not to be retried: `sync.failed`, and `connection.rejected` when the
/// destination refused the connection's credentials.
pub async fn run_failed(
    conn: &mut Conn,
    row: &SyncRow,
    run: &RunRow,
    job: &JobRow,
    err: &EngineError,
) -> Result<(), StorageError> {
    let message = err.to_string();
    let mut extra = run_fields(run, job);
    extra["message"] = json!(message);
    extra["errorClass"] = json!(err.class());
    emit(conn, row, EventType::SyncFailed, extra).await?;
    if matches!(err, EngineError::Destination(d) if d.class == ErrorClass::Unauthorized) {
        let connection = connections::get(conn, &row.connection_id).await?;
        let extra = json!({
            "connectionId": row.connection_id,
            "connectionName": connection.map(|c| c.name),
            "message": message,
            "runId": run.id,
        });
        emit(conn, row, EventType::ConnectionRejected, extra).await?;
    }
    Ok(())
}

/// The sync's previous job when it failed, for [`run_succeeded`]: read before the write
/// transaction that records the run (a finished job does not change; on SQLite a read in
/// that transaction would wait for, and hold, the single writer).
pub async fn previous_failure(conn: &mut Conn, row: &SyncRow, job: &JobRow) -> Result<Option<JobRow>, StorageError> {
    if job.kind != JobKind::Sync {
        return Ok(None);
    }
    let Some(previous) = &row.last_sync_job_id else { return Ok(None) };
    // A sync job that failed always left its message; one that succeeded cleared it. Most
    // runs follow a success: they read nothing here.
    if row.last_sync_message.is_none() {
        return Ok(None);
    }
    Ok(jobs::get(conn, previous).await?.filter(|p| p.state == JobState::Failed && p.id != job.id))
}

/// A sync job succeeded: `sync.recovered` when the sync's previous outcome was a failure
/// (`previous`, from [`previous_failure`]).
pub async fn run_succeeded(
    conn: &mut Conn,
    row: &SyncRow,
    run: &RunRow,
    job: &JobRow,
    previous: Option<JobRow>,
) -> Result<(), StorageError> {
    if let Some(failed) = previous {
        let mut extra = run_fields(run, job);
        extra["previousJobId"] = json!(failed.id);
        extra["previousMessage"] = json!(failed.last_error);
        emit(conn, row, EventType::SyncRecovered, extra).await?;
    }
    Ok(())
}
