//! Writing audit entries: every write and every authentication, with the actor, the
//! action, the target, the time, the IP and the user agent. Metadata carries names and
//! counts, never secret values or tokens.

use crate::error::CoreResult;
use serde_json::Value;
use sluice_domain::{ActorType, AuditId, OrgId, ProjectId};
use sluice_storage::audit::{self as store, AuditRow};
use sluice_storage::{Conn, now_ms};

/// Where a request came from, as audit entries record it.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Who an entry is attributed to.
#[derive(Clone, Debug)]
pub struct AuditActor {
    /// The sync engine acting on its own is `platform`.
    pub kind: ActorType,
    pub id: Option<String>,
    pub name: Option<String>,
    pub origin: Origin,
}

impl AuditActor {
    pub fn platform() -> Self {
        Self { kind: ActorType::Platform, id: None, name: Some("sluice".to_string()), origin: Origin::default() }
    }

    /// Someone not yet authenticated (a failed login), named by what they claimed.
    pub fn anonymous(claimed: Option<String>, origin: Origin) -> Self {
        Self { kind: ActorType::Anonymous, id: None, name: claimed, origin }
    }
}

/// One entry to record.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub action: &'static str,
    pub org_id: Option<OrgId>,
    pub project_id: Option<ProjectId>,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    pub metadata: Value,
}

impl AuditEvent {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            org_id: None,
            project_id: None,
            target_type: None,
            target_id: None,
            metadata: Value::Object(Default::default()),
        }
    }

    pub fn project(mut self, p: &ProjectId) -> Self {
        self.project_id = Some(p.clone());
        self
    }

    pub fn org(mut self, o: &OrgId) -> Self {
        self.org_id = Some(o.clone());
        self
    }

    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }

    pub fn meta(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }
}

/// Records an entry inside the caller's transaction, so it exists exactly when the change does.
pub async fn record(conn: &mut Conn, actor: impl Into<AuditActor>, event: AuditEvent) -> CoreResult<()> {
    let actor = actor.into();
    store::insert(
        conn,
        &AuditRow {
            id: AuditId::new(),
            org_id: event.org_id,
            project_id: event.project_id,
            actor_type: actor.kind,
            actor_id: actor.id,
            actor_name: actor.name,
            action: event.action.to_string(),
            target_type: event.target_type.map(str::to_string),
            target_id: event.target_id,
            metadata: event.metadata.to_string(),
            ip: actor.origin.ip,
            user_agent: actor.origin.user_agent,
            created_at: now_ms(),
        },
    )
    .await?;
    Ok(())
}
