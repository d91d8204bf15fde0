//! Project memberships of identities and users: roles `admin`, `member` (Infisical's
//! `developer` too) and `viewer`. Any project member may read them; only project admins
//! change them. An identity or user outside the project's organization answers 404, as
//! if it did not exist. Every change drops the project's cached roles.

use super::manage::{access, project_id};
use super::wire::{identity_row_out, role_out, user_membership_out, user_row_out};
use crate::auth::Actor;
use crate::auth::authz::{Need, ProjectAccess};
use crate::error::{ApiError, ApiResult};
use crate::features::identities::wire::identity_brief;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::projects::*;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{IdentityId, MembershipId, ProjectId, ProjectRole};
use sluice_storage::identities::{self, IdentityRow};
use sluice_storage::memberships::{self, MembershipRow, Principal};
use sluice_storage::users::{self, UserRow};
use sluice_storage::{Conn, StorageError};

/// Parses one role name; `no-access` is refused (remove the membership instead).
pub fn parse_role(raw: &str, field: &str) -> ApiResult<ProjectRole> {
    match raw.trim() {
        "no-access" => {
            Err(ApiError::invalid(field, "no-access is not a project role here: remove the membership instead"))
        }
        other => other.parse().map_err(|e: String| ApiError::invalid(field, e)),
    }
}

/// The role a `{role}` or `{roles: [...]}` body grants (the strongest of several).
pub fn roles_from(input: &MembershipRolesIn) -> ApiResult<ProjectRole> {
    match (&input.roles, &input.role) {
        (Some(list), _) => roles_list(list, "body.roles"),
        (None, Some(role)) => parse_role(role, "body.role"),
        (None, None) => Err(ApiError::invalid("body.roles", "give role or roles (admin, member or viewer)")),
    }
}

fn roles_list(list: &[RoleIn], field: &str) -> ApiResult<ProjectRole> {
    let mut best: Option<ProjectRole> = None;
    for (i, r) in list.iter().enumerate() {
        if r.is_temporary {
            return Err(ApiError::invalid(format!("{field}[{i}].isTemporary"), "temporary roles are not supported"));
        }
        let role = parse_role(&r.role, &format!("{field}[{i}].role"))?;
        best = Some(best.map_or(role, |b| b.max(role)));
    }
    best.ok_or_else(|| ApiError::invalid(field, "give at least one role"))
}

fn identity_not_found(raw: &str) -> ApiError {
    ApiError::not_found(format!("Identity with ID '{raw}' not found"))
}

/// An identity of the project's organization (404 otherwise).
async fn org_identity(conn: &mut Conn, acc: &ProjectAccess, raw: &str) -> ApiResult<IdentityRow> {
    let id = IdentityId::parse(raw).ok_or_else(|| identity_not_found(raw))?;
    identities::get(conn, &id).await?.filter(|i| i.org_id == acc.org_id).ok_or_else(|| identity_not_found(raw))
}

async fn identity_membership(conn: &mut Conn, pid: &ProjectId, identity: &IdentityRow) -> ApiResult<MembershipRow> {
    memberships::project_membership(conn, pid, &Principal::Identity(identity.id.clone())).await?.ok_or_else(|| {
        ApiError::not_found(format!("Identity with ID '{}' is not a member of this project", identity.id))
    })
}

async fn begin_admin(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
) -> ApiResult<(sluice_storage::Tx, ProjectId, ProjectAccess)> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut tx = state.store.write().await?;
    let acc = access(state, &mut tx, actor, &pid, Need::Admin, "manage", "project memberships").await?;
    Ok((tx, pid, acc))
}

async fn finish(state: &AppState, tx: sluice_storage::Tx, pid: &ProjectId) -> ApiResult<()> {
    tx.commit().await.map_err(StorageError::from)?;
    state.forget_roles(pid);
    Ok(())
}

/// `POST /api/v1/projects/{projectId}/identity-memberships/{identityId}`.
pub async fn add_identity(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw_identity: &str,
    input: &MembershipRolesIn,
) -> ApiResult<IdentityMembershipRowOut> {
    let role = roles_from(input)?;
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let identity = org_identity(&mut tx, &acc, raw_identity).await?;
    let principal = Principal::Identity(identity.id.clone());
    if memberships::project_membership(&mut tx, &pid, &principal).await?.is_some() {
        return Err(ApiError::bad_request(format!(
            "Identity with ID '{}' is already a member of this project",
            identity.id
        )));
    }
    let m = memberships::add_project_member(&mut tx, &pid, &principal, role).await?;
    let event = AuditEvent::new("create-identity-project-membership").org(&acc.org_id).project(&pid);
    let meta = json!({ "identityId": identity.id, "name": identity.name, "role": role.as_str(), "membershipId": m.id });
    audit::record(&mut tx, actor, event.target("identity", identity.id.clone()).meta(meta)).await?;
    finish(state, tx, &pid).await?;
    Ok(identity_row_out(pid.as_str(), &m))
}

fn identity_membership_out(pid: &ProjectId, m: &memberships::IdentityMemberRow) -> IdentityMembershipOut {
    IdentityMembershipOut {
        id: m.id.to_string(),
        identity_id: m.identity_id.to_string(),
        project_id: pid.as_str().to_string(),
        created_at: sluice_api_types::iso(m.created_at),
        updated_at: sluice_api_types::iso(m.updated_at),
        roles: vec![role_out(&m.id, &m.role, m.created_at, m.updated_at)],
        identity: identity_brief(&m.identity_id, &m.name, m.client_id.is_some()),
    }
}

/// `GET /api/v1/projects/{projectId}/identity-memberships`.
pub async fn list_identities(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
) -> ApiResult<Vec<IdentityMembershipOut>> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut conn = state.store.read().await?;
    access(state, &mut conn, actor, &pid, Need::Read, "read", "project memberships").await?;
    let rows = memberships::list_project_identities(&mut conn, &pid).await?;
    Ok(rows.iter().map(|m| identity_membership_out(&pid, m)).collect())
}

/// `GET /api/v1/projects/{projectId}/identity-memberships/{identityId}`.
pub async fn get_identity(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw_identity: &str,
) -> ApiResult<IdentityMembershipOut> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut conn = state.store.read().await?;
    let acc = access(state, &mut conn, actor, &pid, Need::Read, "read", "project memberships").await?;
    let identity = org_identity(&mut conn, &acc, raw_identity).await?;
    identity_membership(&mut conn, &pid, &identity).await?;
    let rows = memberships::list_project_identities(&mut conn, &pid).await?;
    let row = rows.iter().find(|m| m.identity_id == identity.id).ok_or_else(|| identity_not_found(raw_identity))?;
    Ok(identity_membership_out(&pid, row))
}

/// `PATCH /api/v1/projects/{projectId}/identity-memberships/{identityId}`.
pub async fn update_identity(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw_identity: &str,
    input: &MembershipRolesIn,
) -> ApiResult<Vec<MembershipRoleOut>> {
    let role = roles_from(input)?;
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let identity = org_identity(&mut tx, &acc, raw_identity).await?;
    let old = identity_membership(&mut tx, &pid, &identity).await?;
    memberships::set_project_role(&mut tx, &pid, &Principal::Identity(identity.id.clone()), role).await?;
    let m = identity_membership(&mut tx, &pid, &identity).await?;
    let event = AuditEvent::new("update-identity-project-membership").org(&acc.org_id).project(&pid);
    let meta =
        json!({ "identityId": identity.id, "name": identity.name, "oldRole": old.role, "newRole": role.as_str() });
    audit::record(&mut tx, actor, event.target("identity", identity.id.clone()).meta(meta)).await?;
    finish(state, tx, &pid).await?;
    Ok(vec![role_out(&m.id, &m.role, m.created_at, m.updated_at)])
}

/// `DELETE /api/v1/projects/{projectId}/identity-memberships/{identityId}`.
pub async fn remove_identity(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw_identity: &str,
) -> ApiResult<IdentityMembershipRowOut> {
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let identity = org_identity(&mut tx, &acc, raw_identity).await?;
    let m = identity_membership(&mut tx, &pid, &identity).await?;
    memberships::remove_project_member(&mut tx, &pid, &Principal::Identity(identity.id.clone())).await?;
    let event = AuditEvent::new("delete-identity-project-membership").org(&acc.org_id).project(&pid);
    let meta = json!({ "identityId": identity.id, "name": identity.name, "role": m.role });
    audit::record(&mut tx, actor, event.target("identity", identity.id.clone()).meta(meta)).await?;
    finish(state, tx, &pid).await?;
    Ok(identity_row_out(pid.as_str(), &m))
}

fn user_not_found(who: &str) -> ApiError {
    ApiError::not_found(format!("User '{who}' not found"))
}

/// Users named by email or username (the same here), each a member of the project's
/// organization (404 for the first that is not).
async fn org_users(
    conn: &mut Conn,
    acc: &ProjectAccess,
    emails: &[String],
    usernames: &[String],
) -> ApiResult<Vec<UserRow>> {
    let mut out: Vec<UserRow> = Vec::new();
    for raw in emails.iter().chain(usernames) {
        let who = raw.trim().to_lowercase();
        let user = users::get_by_email(conn, &who).await?.ok_or_else(|| user_not_found(&who))?;
        if memberships::org_role(conn, &acc.org_id, &Principal::User(user.id.clone())).await?.is_none() {
            return Err(user_not_found(&who));
        }
        if !out.iter().any(|u| u.id == user.id) {
            out.push(user);
        }
    }
    if out.is_empty() {
        return Err(ApiError::invalid("body.emails", "give at least one email or username"));
    }
    Ok(out)
}

/// `POST /api/v1/projects/{projectId}/memberships`: adds organization users with the
/// roles in `roleSlugs` (default `member`).
pub async fn add_users(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    input: &UserMembershipsIn,
) -> ApiResult<Vec<UserMembershipRowOut>> {
    let role = match &input.role_slugs {
        Some(slugs) => {
            let list: Vec<RoleIn> = slugs.iter().map(|s| RoleIn { role: s.clone(), is_temporary: false }).collect();
            roles_list(&list, "body.roleSlugs")?
        }
        None => ProjectRole::Member,
    };
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let people = org_users(&mut tx, &acc, &input.emails, &input.usernames).await?;
    let mut added = Vec::new();
    for user in &people {
        let principal = Principal::User(user.id.clone());
        if memberships::project_membership(&mut tx, &pid, &principal).await?.is_some() {
            return Err(ApiError::bad_request(format!("User '{}' is already a member of this project", user.email)));
        }
        added.push(memberships::add_project_member(&mut tx, &pid, &principal, role).await?);
    }
    let members: Vec<_> = people
        .iter()
        .zip(&added)
        .map(|(u, m)| json!({ "userId": u.id, "email": u.email, "membershipId": m.id }))
        .collect();
    let event = AuditEvent::new("add-project-members").org(&acc.org_id).project(&pid);
    audit::record(&mut tx, actor, event.meta(json!({ "members": members, "role": role.as_str() }))).await?;
    finish(state, tx, &pid).await?;
    Ok(added.iter().map(|m| user_row_out(pid.as_str(), m)).collect())
}

/// `GET /api/v1/projects/{projectId}/memberships`.
pub async fn list_users(state: &AppState, actor: &Actor, raw_project: &str) -> ApiResult<Vec<UserMembershipOut>> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut conn = state.store.read().await?;
    access(state, &mut conn, actor, &pid, Need::Read, "read", "project memberships").await?;
    let rows = memberships::list_project_users(&mut conn, &pid).await?;
    Ok(rows.iter().map(|m| user_membership_out(pid.as_str(), m)).collect())
}

fn membership_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Project membership with ID '{id}' not found"))
}

/// A user's membership of this project by its id.
async fn user_membership(conn: &mut Conn, pid: &ProjectId, raw: &str) -> ApiResult<(MembershipRow, UserRow)> {
    let id = MembershipId::parse(raw).ok_or_else(|| membership_not_found(raw))?;
    let m = memberships::project_membership_by_id(conn, pid, &id).await?.ok_or_else(|| membership_not_found(raw))?;
    let user_id = m.user_id.clone().ok_or_else(|| membership_not_found(raw))?;
    let user = users::get(conn, &user_id).await?.ok_or_else(|| membership_not_found(raw))?;
    Ok((m, user))
}

/// `GET /api/v1/projects/{projectId}/memberships/{membershipId}`.
pub async fn get_user(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    membership_id: &str,
) -> ApiResult<UserMembershipOut> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut conn = state.store.read().await?;
    access(state, &mut conn, actor, &pid, Need::Read, "read", "project memberships").await?;
    let (membership, _) = user_membership(&mut conn, &pid, membership_id).await?;
    let rows = memberships::list_project_users(&mut conn, &pid).await?;
    let row = rows.iter().find(|m| m.id == membership.id).ok_or_else(|| membership_not_found(membership_id))?;
    Ok(user_membership_out(pid.as_str(), row))
}

/// `PATCH /api/v1/projects/{projectId}/memberships/{membershipId}`.
pub async fn update_user(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    membership_id: &str,
    input: &UserMembershipPatch,
) -> ApiResult<Vec<MembershipRoleOut>> {
    let role = roles_list(&input.roles, "body.roles")?;
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let (old, user) = user_membership(&mut tx, &pid, membership_id).await?;
    memberships::set_project_role(&mut tx, &pid, &Principal::User(user.id.clone()), role).await?;
    let (m, _) = user_membership(&mut tx, &pid, membership_id).await?;
    let event = AuditEvent::new("update-user-project-role").org(&acc.org_id).project(&pid);
    let meta = json!({ "userId": user.id, "email": user.email, "oldRole": old.role, "newRole": role.as_str() });
    audit::record(&mut tx, actor, event.target("user", user.id.clone()).meta(meta)).await?;
    finish(state, tx, &pid).await?;
    Ok(vec![role_out(&m.id, &m.role, m.created_at, m.updated_at)])
}

async fn remove_one(
    tx: &mut Conn,
    actor: &Actor,
    acc: &ProjectAccess,
    m: &MembershipRow,
    user: &UserRow,
) -> ApiResult<()> {
    memberships::remove_project_member(tx, &acc.project_id, &Principal::User(user.id.clone())).await?;
    let event = AuditEvent::new("remove-project-member").org(&acc.org_id).project(&acc.project_id);
    let meta = json!({ "userId": user.id, "email": user.email, "role": m.role, "membershipId": m.id });
    Ok(audit::record(tx, actor, event.target("user", user.id.clone()).meta(meta)).await?)
}

/// `DELETE /api/v1/projects/{projectId}/memberships/{membershipId}`.
pub async fn remove_user(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    membership_id: &str,
) -> ApiResult<UserMembershipRowOut> {
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let (m, user) = user_membership(&mut tx, &pid, membership_id).await?;
    remove_one(&mut tx, actor, &acc, &m, &user).await?;
    finish(state, tx, &pid).await?;
    Ok(user_row_out(pid.as_str(), &m))
}

/// `DELETE /api/v1/projects/{projectId}/memberships` with `{emails, usernames}`.
pub async fn remove_users(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    input: &UserMembershipsDeleteIn,
) -> ApiResult<Vec<UserMembershipRowOut>> {
    let (mut tx, pid, acc) = begin_admin(state, actor, raw_project).await?;
    let people = org_users(&mut tx, &acc, &input.emails, &input.usernames).await?;
    let mut removed = Vec::new();
    for user in &people {
        let m = memberships::project_membership(&mut tx, &pid, &Principal::User(user.id.clone()))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("User '{}' is not a member of this project", user.email)))?;
        remove_one(&mut tx, actor, &acc, &m, user).await?;
        removed.push(user_row_out(pid.as_str(), &m));
    }
    finish(state, tx, &pid).await?;
    Ok(removed)
}
