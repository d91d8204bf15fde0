//! Organizations: which ones an actor belongs to, creating one, and its users (added by an
//! admin with an initial password, since Sluice sends no email).

use crate::auth::Actor;
use crate::auth::authz;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::admin::service::{validate_email, validate_password};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::iso;
use sluice_api_types::orgs::*;
use sluice_core::audit::{self, AuditEvent};
use sluice_crypto::{passwords, tokens};
use sluice_domain::{MembershipId, OrgId, OrgRole, SecretToken, Slug, UserId};
use sluice_storage::memberships::{self, MembershipRow, Principal, UserMemberRow};
use sluice_storage::orgs::{self, OrgRow};
use sluice_storage::users::{self, UserRow};
use sluice_storage::{Conn, StorageError, now_ms};

/// The organizations an actor belongs to, with its role in each.
pub async fn actor_orgs(conn: &mut Conn, actor: &Actor) -> ApiResult<Vec<(OrgRow, OrgRole)>> {
    let mut out = Vec::new();
    for org in orgs::list_for_member(conn, &actor.principal).await? {
        if let Some(role) = memberships::org_role(conn, &org.id, &actor.principal).await? {
            out.push((org, role));
        }
    }
    Ok(out)
}

/// The organization a request acts in: the one named (`field` says where), else an
/// identity's own, else a user's only one. 404 for an organization the actor is not in.
pub async fn resolve_org(
    conn: &mut Conn,
    actor: &Actor,
    requested: Option<&str>,
    field: &str,
) -> ApiResult<(OrgId, OrgRole)> {
    if let Some(raw) = requested.map(str::trim).filter(|s| !s.is_empty()) {
        let org = parse_id(raw, field, OrgId::parse)?;
        let role = authz::org(conn, actor, &org).await?;
        return Ok((org, role));
    }
    if let Some(org) = &actor.org_id {
        let role = authz::org(conn, actor, org).await?;
        return Ok((org.clone(), role));
    }
    let mut all = actor_orgs(conn, actor).await?;
    match all.len() {
        0 => Err(ApiError::bad_request("You do not belong to any organization")),
        1 => {
            let (org, role) = all.remove(0);
            Ok((org.id.clone(), role))
        }
        _ => Err(ApiError::invalid(field, "you belong to several organizations: give the organization id")),
    }
}

pub fn org_out(org: &OrgRow, role: OrgRole) -> OrgOut {
    OrgOut {
        id: org.id.to_string(),
        name: org.name.clone(),
        slug: org.slug.clone(),
        created_at: iso(org.created_at),
        updated_at: iso(org.updated_at),
        user_role: role.as_str().to_string(),
    }
}

pub async fn list_orgs(state: &AppState, actor: &Actor) -> ApiResult<OrgsOut> {
    let mut conn = state.store.read().await?;
    let orgs = actor_orgs(&mut conn, actor).await?;
    Ok(OrgsOut { organizations: orgs.iter().map(|(o, r)| org_out(o, *r)).collect() })
}

pub async fn get_org(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<OrgOut> {
    let id = parse_id(raw_id, "params.organizationId", OrgId::parse)?;
    let mut conn = state.store.read().await?;
    let role = authz::org(&mut conn, actor, &id).await?;
    let org = orgs::get(&mut conn, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Organization with ID '{id}' not found")))?;
    Ok(org_out(&org, role))
}

/// A slug for a new organization: from the name, with a random suffix when taken.
async fn free_org_slug(conn: &mut Conn, name: &str) -> ApiResult<String> {
    let base: String = Slug::slugify(name).chars().take(48).collect::<String>().trim_end_matches('-').to_string();
    let base = if base.is_empty() { "org".to_string() } else { base };
    let mut slug = base.clone();
    while orgs::get_by_slug(conn, &slug).await?.is_some() {
        let suffix: String = tokens::random_token("").chars().filter(char::is_ascii_alphanumeric).take(6).collect();
        slug = format!("{base}-{}", suffix.to_lowercase());
    }
    Ok(slug)
}

/// `POST /api/v2/organizations`: a user creates an organization and becomes its admin.
pub async fn create_org(state: &AppState, actor: &Actor, input: &OrgIn) -> ApiResult<OrgOut> {
    let Some(user_id) = actor.user_id() else {
        return Err(ApiError::forbidden("Only users can create organizations; machine identities cannot"));
    };
    let name = &crate::extract::display_name(&input.name, "body.name")?;
    let mut tx = state.store.write().await?;
    let now = now_ms();
    let org = OrgRow {
        id: OrgId::new(),
        name: name.to_string(),
        slug: free_org_slug(&mut tx, name).await?,
        created_at: now,
        updated_at: now,
    };
    orgs::insert(&mut tx, &org).await?;
    memberships::add_org_member(&mut tx, &org.id, &Principal::User(user_id.clone()), OrgRole::Admin).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("create-organization")
            .org(&org.id)
            .target("organization", org.id.clone())
            .meta(json!({ "name": org.name, "slug": org.slug })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(org_out(&org, OrgRole::Admin))
}

fn member_user_out(m: &UserMemberRow) -> MemberUserOut {
    MemberUserOut {
        id: m.user_id.to_string(),
        email: m.email.clone(),
        username: m.username.clone(),
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        public_key: None,
    }
}

fn org_user_out(org: &OrgId, m: &UserMemberRow) -> OrgUserMembershipOut {
    OrgUserMembershipOut {
        id: m.id.to_string(),
        org_id: org.as_str().to_string(),
        role: m.role.clone(),
        status: "accepted".to_string(),
        is_active: true,
        user_id: m.user_id.to_string(),
        user: member_user_out(m),
    }
}

fn membership_of(m: &MembershipRow, u: &UserRow) -> UserMemberRow {
    UserMemberRow {
        id: m.id.clone(),
        role: m.role.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
        user_id: u.id.clone(),
        email: u.email.clone(),
        username: u.username.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        super_admin: u.super_admin,
    }
}

/// `GET /api/v1/organization/{organizationId}/users`: any member may list.
pub async fn list_org_users(state: &AppState, actor: &Actor, raw_org: &str) -> ApiResult<OrgUsersOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    let mut conn = state.store.read().await?;
    authz::org(&mut conn, actor, &org).await?;
    let rows = memberships::list_org_users(&mut conn, &org).await?;
    Ok(OrgUsersOut { users: rows.iter().map(|m| org_user_out(&org, m)).collect() })
}

pub fn parse_org_role(raw: Option<&str>, field: &str) -> ApiResult<OrgRole> {
    match raw.map(str::trim) {
        None | Some("") => Ok(OrgRole::Member),
        Some("admin") => Ok(OrgRole::Admin),
        Some("member") | Some("no-access") => Ok(OrgRole::Member),
        Some(other) => {
            Err(ApiError::invalid(field, format!("unknown organization role \"{other}\"; expected admin or member")))
        }
    }
}

/// `POST /api/v1/organization/{organizationId}/users`: an organization admin adds a user.
/// A new email creates the user with the given initial password; an existing user is
/// added as is (then `password` must be left out).
pub async fn add_org_user(
    state: &AppState,
    actor: &Actor,
    raw_org: &str,
    input: &OrgUserIn,
) -> ApiResult<OrgUserMembershipOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    let email = validate_email(&input.email)?;
    let role = parse_org_role(input.role.as_deref(), "body.role")?;
    let first_name = crate::extract::free_text(input.first_name.as_deref().unwrap_or(""), "body.firstName", 64)?;
    let last_name = crate::extract::free_text(input.last_name.as_deref().unwrap_or(""), "body.lastName", 64)?;
    let existing = {
        let mut conn = state.store.read().await?;
        authz::org_admin(&mut conn, actor, &org, "add users to the organization").await?;
        users::get_by_email(&mut conn, &email).await?
    };
    let new_hash = match (&existing, input.password.as_ref().map(SecretToken::expose)) {
        (None, Some(p)) => {
            validate_password(p)?;
            let p = p.to_string();
            Some(state.hashing.run(move || passwords::hash_password(&p)).await?)
        }
        (None, None) => {
            return Err(ApiError::invalid("body.password", "a new user needs an initial password"));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "body.password",
                "this user already exists and keeps their password: leave password out to add them",
            ));
        }
        (Some(_), None) => None,
    };

    let mut tx = state.store.write().await?;
    let user = match (existing, new_hash) {
        (Some(u), _) => u,
        (None, hash) => {
            let now = now_ms();
            let user = UserRow {
                id: UserId::new(),
                email: email.clone(),
                username: email.clone(),
                first_name,
                last_name,
                password_hash: hash.unwrap_or_default(),
                super_admin: false,
                created_at: now,
                updated_at: now,
            };
            users::insert(&mut tx, &user).await.map_err(|e| conflict(e, &email))?;
            user
        }
    };
    let principal = Principal::User(user.id.clone());
    if memberships::org_role(&mut tx, &org, &principal).await?.is_some() {
        return Err(ApiError::bad_request(format!("User '{email}' is already a member of this organization")));
    }
    memberships::add_org_member(&mut tx, &org, &principal, role).await?;
    let membership = memberships::org_membership(&mut tx, &org, &principal)
        .await?
        .ok_or_else(|| ApiError::internal("membership vanished"))?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("add-org-member")
            .org(&org)
            .target("user", user.id.clone())
            .meta(json!({ "email": email, "role": role.as_str(), "membershipId": membership.id })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.roles.clear();
    Ok(org_user_out(&org, &membership_of(&membership, &user)))
}

fn conflict(e: StorageError, email: &str) -> ApiError {
    if e.is_conflict() { ApiError::bad_request(format!("User '{email}' already exists")) } else { e.into() }
}

/// `PATCH /api/v2/organizations/{organizationId}/memberships/{membershipId}`: changes a
/// user's organization role. The last admin cannot be demoted.
pub async fn update_org_membership(
    state: &AppState,
    actor: &Actor,
    raw_org: &str,
    membership_id: &str,
    input: &OrgMembershipPatch,
) -> ApiResult<OrgUserMembershipOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    let role = parse_org_role(Some(&input.role), "body.role")?;
    let mut tx = state.store.write().await?;
    authz::org_admin(&mut tx, actor, &org, "change organization roles").await?;
    let not_found = || ApiError::not_found(format!("Organization membership with ID '{membership_id}' not found"));
    let id = MembershipId::parse(membership_id).ok_or_else(not_found)?;
    let membership = memberships::org_membership_by_id(&mut tx, &org, &id).await?.ok_or_else(not_found)?;
    let user_id = membership.user_id.clone().ok_or_else(not_found)?;
    let user = users::get(&mut tx, &user_id).await?.ok_or_else(not_found)?;
    if membership.role == "admin" && role != OrgRole::Admin && memberships::count_org_admins(&mut tx, &org).await? <= 1
    {
        return Err(ApiError::bad_request("The organization's last admin cannot be demoted"));
    }
    memberships::set_org_role(&mut tx, &org, &Principal::User(user.id.clone()), role).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("update-org-member-role")
            .org(&org)
            .target("user", user.id.clone())
            .meta(json!({ "email": user.email, "oldRole": membership.role, "newRole": role.as_str() })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.roles.clear();
    let updated = MembershipRow { role: role.as_str().to_string(), ..membership };
    Ok(org_user_out(&org, &membership_of(&updated, &user)))
}
