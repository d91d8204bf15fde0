//! Putting sync, import and remove jobs on the queue, inside the caller's transaction,
//! and waking workers after commit (in this process directly, on other nodes through
//! PostgreSQL `NOTIFY`, which is delivered at commit).

use crate::Engine;
use crate::error::EngineError;
use serde::{Deserialize, Serialize};
use sluice_core::audit::{AuditActor, Origin};
use sluice_domain::{ActorType, ImportBehavior, JobKind, SyncStatus, Trigger};
use sluice_storage::jobs::{self, Enqueued, NewJob};
use sluice_storage::syncs::{self, SyncRow};
use sluice_storage::{Conn, dialect, now_ms};

/// How many times a job of `kind` may run: sync jobs retry transient failures; import
/// and remove run once, as in Infisical.
pub fn max_attempts(kind: JobKind) -> i64 {
    match kind {
        JobKind::Sync => i64::from(sluice_domain::RetryPolicy::default().max_attempts),
        JobKind::Import | JobKind::Remove | JobKind::Drift => 1,
    }
}

/// Who asked, as recorded with the job (for the run history and audit entries).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobActor {
    #[serde(rename = "type")]
    pub kind: ActorType,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl JobActor {
    pub fn platform() -> Self {
        Self { kind: ActorType::Platform, id: None, name: Some("sluice".to_string()), ip: None, user_agent: None }
    }

    pub fn to_audit(&self) -> AuditActor {
        AuditActor {
            kind: self.kind,
            id: self.id.clone(),
            name: self.name.clone(),
            origin: Origin { ip: self.ip.clone(), user_agent: self.user_agent.clone() },
        }
    }
}

/// The JSON payload stored with a job.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPayload {
    pub trigger: Trigger,
    pub actor: JobActor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_behavior: Option<ImportBehavior>,
    /// Remove jobs: delete the sync once the removal succeeded.
    #[serde(default)]
    pub delete_sync_on_complete: bool,
    /// Remove jobs: delete only the orphaned keys (written by the sync, no longer managed
    /// by its configuration).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub orphans_only: bool,
    /// Drift jobs: a repair after a takeover; heals whatever the sync's drift policy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repair: bool,
    /// The node whose lease ran out, for a repair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_of: Option<String>,
}

impl JobPayload {
    pub fn new(trigger: Trigger, actor: JobActor) -> Self {
        Self {
            trigger,
            actor,
            import_behavior: None,
            delete_sync_on_complete: false,
            orphans_only: false,
            repair: false,
            repair_of: None,
        }
    }
}

/// Queues a job for a sync inside the caller's transaction and marks the matching status
/// `pending`. Sync jobs coalesce with one already queued. Call [`Engine::wake`] after commit.
pub async fn enqueue(
    conn: &mut Conn,
    engine: &Engine,
    sync: &SyncRow,
    kind: JobKind,
    payload: &JobPayload,
) -> Result<Enqueued, EngineError> {
    let delay = if kind == JobKind::Sync && payload.trigger == Trigger::SecretChange {
        engine.settings().coalesce_delay.as_millis() as i64
    } else {
        0
    };
    let job = NewJob {
        kind,
        sync_id: sync.id.clone(),
        connection_id: sync.connection_id.clone(),
        payload: serde_json::to_string(payload).map_err(|e| EngineError::Internal(e.to_string()))?,
        max_attempts: max_attempts(kind),
        run_at: now_ms() + delay,
    };
    let enqueued = jobs::enqueue(conn, &job).await?;
    syncs::set_status(conn, &sync.id, kind, SyncStatus::Pending).await?;
    notify_nodes(conn, engine, "job").await?;
    Ok(enqueued)
}

/// Wakes other nodes at commit (PostgreSQL only).
pub async fn notify_nodes(conn: &mut Conn, engine: &Engine, what: &str) -> Result<(), EngineError> {
    if let Some(sql) = dialect::notify_sql(engine.store().backend()) {
        sqlx::query(sql).bind(what).execute(conn).await.map_err(sluice_storage::StorageError::from)?;
    }
    Ok(())
}
