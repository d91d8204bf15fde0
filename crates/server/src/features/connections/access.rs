//! Who may do what with an app connection.
//!
//! Connections belong to an organization. Its members may see them and use (`connect`)
//! them in syncs; its admins create, edit and delete them. Someone outside the
//! organization gets the same 404 whether the connection exists or not.
//!
//! Calls that are not about one connection (create, list, find by name) act in one
//! organization, picked by [`resolve_org`]: `projectId` (that project's organization,
//! which the caller must be able to access), else `organizationId` (which the caller must
//! belong to), else an identity's own organization, else the one organization a user
//! belongs to. A user in several organizations must name one.

use crate::auth::Actor;
use crate::auth::authz;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sluice_domain::{App, ConnectionId, OrgId, OrgRole, ProjectId};
use sluice_storage::connections::{self, ConnectionRow};
use sluice_storage::{Conn, memberships, orgs};

/// The organization a call acts in, and the caller's role there.
#[derive(Clone, Debug)]
pub struct OrgScope {
    pub org_id: OrgId,
    pub role: OrgRole,
    /// Set when the organization was picked through `projectId`.
    pub project_id: Option<ProjectId>,
}

impl OrgScope {
    /// Fails with 403 unless the caller administers the organization.
    pub fn require_admin(&self, action: &str) -> ApiResult<()> {
        require_admin(self.role, action)
    }
}

/// 403 unless `role` is the organization's admin role.
pub fn require_admin(role: OrgRole, action: &str) -> ApiResult<()> {
    match role {
        OrgRole::Admin => Ok(()),
        OrgRole::Member => Err(ApiError::forbidden(format!(
            "You are not allowed to {action} on app-connections: it needs the organization's admin role"
        ))),
    }
}

/// Picks the organization of a call (see the module docs).
pub async fn resolve_org(
    state: &AppState,
    conn: &mut Conn,
    actor: &Actor,
    organization_id: Option<&str>,
    project_id: Option<&str>,
) -> ApiResult<OrgScope> {
    let organization_id = organization_id.map(str::trim).filter(|s| !s.is_empty());
    let project_id = project_id.map(str::trim).filter(|s| !s.is_empty());
    if let Some(raw) = project_id {
        let pid = ProjectId::parse(raw).ok_or_else(|| authz::project_not_found(raw))?;
        let access = authz::project(state, conn, actor, &pid).await?;
        if let Some(named) = organization_id
            && OrgId::parse(named).as_ref() != Some(&access.org_id)
        {
            return Err(ApiError::bad_request(format!(
                "Project with ID '{raw}' does not belong to organization with ID '{named}'"
            )));
        }
        let role = memberships::org_role(conn, &access.org_id, &actor.principal).await?.ok_or_else(|| {
            ApiError::forbidden(
                "You are not allowed to read on app-connections: you are not a member of this project's organization",
            )
        })?;
        return Ok(OrgScope { org_id: access.org_id, role, project_id: Some(pid) });
    }
    let org_id = match (organization_id, &actor.org_id) {
        (Some(raw), _) => {
            OrgId::parse(raw).ok_or_else(|| ApiError::not_found(format!("Organization with ID '{raw}' not found")))?
        }
        (None, Some(own)) => own.clone(),
        (None, None) => {
            let mine = orgs::list_for_member(conn, &actor.principal).await?;
            match mine.as_slice() {
                [only] => only.id.clone(),
                [] => return Err(ApiError::bad_request("You are not a member of any organization")),
                many => {
                    return Err(ApiError::bad_request(format!(
                        "You belong to {} organizations: say which one with organizationId (or projectId)",
                        many.len()
                    )));
                }
            }
        }
    };
    let role = authz::org(conn, actor, &org_id).await?;
    Ok(OrgScope { org_id, role, project_id: None })
}

/// `Could not find App Connection with ID <id>`.
pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Could not find App Connection with ID {id}"))
}

/// A connection the caller can see, with their role in its organization; 404 otherwise.
pub async fn visible(conn: &mut Conn, actor: &Actor, id: &ConnectionId) -> ApiResult<(ConnectionRow, OrgRole)> {
    let row = connections::get(conn, id).await?.ok_or_else(|| not_found(id.as_str()))?;
    let role =
        memberships::org_role(conn, &row.org_id, &actor.principal).await?.ok_or_else(|| not_found(id.as_str()))?;
    Ok((row, role))
}

/// 400 unless the connection is a Railway connection (for the `/railway` routes).
pub fn ensure_railway_route(row: &ConnectionRow) -> ApiResult<()> {
    if row.app == App::Railway {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("App Connection with ID {} is not for App \"railway\"", row.id)))
    }
}

/// The connection a Railway sync in `project` (of organization `project_org`) will use:
/// it must exist in that organization (else 404), the caller must be able to use it (a
/// member of its organization), it must be a Railway connection, and a connection
/// scoped to one project serves only that project.
pub async fn usable_for_sync(
    conn: &mut Conn,
    actor: &Actor,
    id: &ConnectionId,
    project: &ProjectId,
    project_org: &OrgId,
) -> ApiResult<ConnectionRow> {
    let row = connections::get(conn, id).await?.ok_or_else(|| not_found(id.as_str()))?;
    if row.org_id != *project_org {
        return Err(not_found(id.as_str()));
    }
    if memberships::org_role(conn, project_org, &actor.principal).await?.is_none() {
        return Err(ApiError::forbidden(format!(
            "You are not allowed to connect App Connection with ID {id}: you are not a member of its organization"
        )));
    }
    if row.app != App::Railway {
        return Err(ApiError::bad_request(format!(
            "{} Connection with ID {id} cannot be used to connect to Railway",
            row.app.display_name()
        )));
    }
    if let Some(scoped) = row.project_id.as_ref().filter(|p| *p != project) {
        return Err(ApiError::bad_request(format!(
            "You cannot connect project App Connection with ID \"{id}\" from project with ID \"{scoped}\" to project with ID \"{project}\""
        )));
    }
    Ok(row)
}
