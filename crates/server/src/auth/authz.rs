//! What an actor may do. A project's role comes from the actor's project membership;
//! organization admins are admins of every project of their organization. Someone with no
//! access to a project gets the same 404 whether it exists or not, so they learn nothing.

use super::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sluice_domain::{OrgId, OrgRole, ProjectId, ProjectRole};
use sluice_storage::{Conn, memberships, projects};

/// The level an action needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Read,
    Write,
    Admin,
}

/// An actor's access to one project.
#[derive(Clone, Debug)]
pub struct ProjectAccess {
    pub project_id: ProjectId,
    pub org_id: OrgId,
    pub role: ProjectRole,
}

impl ProjectAccess {
    /// Fails with 403 unless the role allows `need`. `action` and `subject` make Infisical's
    /// message: `You are not allowed to <action> on <subject>`.
    pub fn require(&self, need: Need, action: &str, subject: &str) -> ApiResult<()> {
        let ok = match need {
            Need::Read => self.role.can_read(),
            Need::Write => self.role.can_write(),
            Need::Admin => self.role.can_administer(),
        };
        if ok {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "You are not allowed to {action} on {subject} (your role in this project is {})",
                self.role
            )))
        }
    }
}

pub fn project_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Project with ID '{id}' not found"))
}

/// The actor's access to a project, or 404 when they have none (or it does not exist).
pub async fn project(state: &AppState, conn: &mut Conn, actor: &Actor, id: &ProjectId) -> ApiResult<ProjectAccess> {
    let key = (actor.principal.clone(), id.clone());
    let found = match state.roles.get(&key) {
        Some(cached) => cached,
        None => {
            let found = lookup(conn, actor, id).await?;
            state.roles.insert(key, found.clone());
            found
        }
    };
    found
        .map(|(role, org_id)| ProjectAccess { project_id: id.clone(), org_id, role })
        .ok_or_else(|| project_not_found(id.as_str()))
}

async fn lookup(conn: &mut Conn, actor: &Actor, id: &ProjectId) -> ApiResult<Option<(ProjectRole, OrgId)>> {
    let Some(project) = projects::get(conn, id).await? else {
        return Ok(None);
    };
    let org = project.org_id.clone();
    if memberships::org_role(conn, &org, &actor.principal).await? == Some(OrgRole::Admin) {
        return Ok(Some((ProjectRole::Admin, org)));
    }
    Ok(memberships::project_role(conn, id, &actor.principal).await?.map(|r| (r, org)))
}

/// The actor's role in an organization, or 404 when they are not in it.
pub async fn org(conn: &mut Conn, actor: &Actor, org: &OrgId) -> ApiResult<OrgRole> {
    memberships::org_role(conn, org, &actor.principal)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Organization with ID '{org}' not found")))
}

/// Fails unless the actor administers the organization.
pub async fn org_admin(conn: &mut Conn, actor: &Actor, org_id: &OrgId, action: &str) -> ApiResult<()> {
    match org(conn, actor, org_id).await? {
        OrgRole::Admin => Ok(()),
        OrgRole::Member => {
            Err(ApiError::forbidden(format!("You are not allowed to {action}: it needs the organization's admin role")))
        }
    }
}

/// Whether the actor is an instance admin: a user marked `superAdmin` (the one who set the
/// instance up). Machine identities never are.
pub async fn is_instance_admin(conn: &mut Conn, actor: &Actor) -> ApiResult<bool> {
    let memberships::Principal::User(id) = &actor.principal else { return Ok(false) };
    Ok(sluice_storage::users::get(conn, id).await?.is_some_and(|u| u.super_admin))
}

/// Fails unless the actor is an instance admin.
pub async fn instance_admin(conn: &mut Conn, actor: &Actor, action: &str) -> ApiResult<()> {
    if is_instance_admin(conn, actor).await? {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "You are not allowed to {action}: it needs an instance admin (the user who set the instance up)"
    )))
}
