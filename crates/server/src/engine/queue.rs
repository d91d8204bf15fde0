//! Putting sync, import and remove jobs on the queue, inside the caller's transaction,
//! and waking workers after commit (in this process directly, on other nodes through
//! PostgreSQL `NOTIFY`, which is delivered at commit).

use crate::audit::AuditActor;
use crate::error::ApiResult;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use sluice_domain::ImportBehavior;
use sluice_storage::jobs::{self, Enqueued, NewJob};
use sluice_storage::syncs::{self, Lifecycle, SyncRow};
use sluice_storage::{Conn, dialect, now_ms};

/// The kinds of job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Sync,
    Import,
    Remove,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Import => "import",
            Self::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sync" => Some(Self::Sync),
            "import" => Some(Self::Import),
            "remove" => Some(Self::Remove),
            _ => None,
        }
    }

    pub fn lifecycle(self) -> Lifecycle {
        match self {
            Self::Sync => Lifecycle::Sync,
            Self::Import => Lifecycle::Import,
            Self::Remove => Lifecycle::Remove,
        }
    }

    /// Sync jobs retry transient failures; import and remove run once, as in Infisical.
    pub fn max_attempts(self) -> i64 {
        match self {
            Self::Sync => i64::from(sluice_domain::RetryPolicy::default().max_attempts),
            Self::Import | Self::Remove => 1,
        }
    }
}

/// What made a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The sync was created with auto-sync on.
    Create,
    /// The sync's configuration changed.
    Update,
    /// Auto-sync was switched on.
    Enable,
    /// Someone asked (`sync-secrets`, `import-secrets`, `remove-secrets`).
    Manual,
    /// A secret the sync depends on changed.
    SecretChange,
    /// Deleting the sync with `removeSecrets=true`.
    Delete,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Enable => "enable",
            Self::Manual => "manual",
            Self::SecretChange => "secret-change",
            Self::Delete => "delete",
        }
    }
}

/// Who asked, as recorded with the job (for the run history and audit entries).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobActor {
    /// `user`, `identity` or `platform`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl JobActor {
    pub fn platform() -> Self {
        Self { kind: "platform".to_string(), name: Some("sluice".to_string()), ..Default::default() }
    }

    pub fn to_audit(&self) -> AuditActor {
        let kind = match self.kind.as_str() {
            "user" => "user",
            "identity" => "identity",
            _ => "platform",
        };
        AuditActor {
            kind,
            id: self.id.clone(),
            name: self.name.clone(),
            meta: crate::auth::RequestMeta { ip: self.ip.clone(), user_agent: self.user_agent.clone() },
        }
    }
}

impl From<&crate::auth::Actor> for JobActor {
    fn from(a: &crate::auth::Actor) -> Self {
        Self {
            kind: a.principal.kind().to_string(),
            id: Some(a.principal.id().to_string()),
            name: Some(a.name.clone()),
            ip: a.meta.ip.clone(),
            user_agent: a.meta.user_agent.clone(),
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
}

impl JobPayload {
    pub fn new(trigger: Trigger, actor: JobActor) -> Self {
        Self { trigger, actor, import_behavior: None, delete_sync_on_complete: false }
    }
}

/// Queues a job for a sync inside the caller's transaction and marks the matching status
/// `pending`. Sync jobs coalesce with one already queued. Call [`wake`] after commit.
pub async fn enqueue(
    conn: &mut Conn,
    state: &AppState,
    sync: &SyncRow,
    kind: JobKind,
    payload: &JobPayload,
) -> ApiResult<Enqueued> {
    let delay = if kind == JobKind::Sync && payload.trigger == Trigger::SecretChange {
        state.settings.engine.coalesce_delay.as_millis() as i64
    } else {
        0
    };
    let job = NewJob {
        kind: kind.as_str(),
        sync_id: sync.id.clone(),
        connection_id: sync.connection_id.clone(),
        payload: serde_json::to_string(payload).map_err(crate::error::ApiError::internal)?,
        max_attempts: kind.max_attempts(),
        run_at: now_ms() + delay,
    };
    let enqueued = jobs::enqueue(conn, &job).await?;
    syncs::set_status(conn, &sync.id(), kind.lifecycle(), "pending").await?;
    notify_nodes(conn, state, "job").await?;
    Ok(enqueued)
}

/// Wakes other nodes at commit (PostgreSQL only).
pub async fn notify_nodes(conn: &mut Conn, state: &AppState, what: &str) -> ApiResult<()> {
    if let Some(sql) = dialect::notify_sql(state.store.backend()) {
        sqlx::query(sql).bind(what).execute(conn).await.map_err(sluice_storage::StorageError::from)?;
    }
    Ok(())
}

/// Wakes this process's workers; call after the enqueueing transaction committed.
pub fn wake(state: &AppState) {
    state.signals.jobs.notify_waiters();
    state.signals.jobs.notify_one();
}
