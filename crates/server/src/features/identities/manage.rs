//! Managing identities through the API: create, read, rename, change the organization
//! role, delete, list. Organization admins only. An identity of an organization the caller
//! is not in answers the same 404 as one that does not exist.

use super::service::create_identity;
use super::wire::{identity_out, org_membership_out};
use crate::auth::{Actor, authz};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::auth::service::forget_tokens_of;
use crate::features::orgs::service::parse_org_role;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::identities::*;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{IdentityId, OrgId, OrgRole};
use sluice_storage::identities::{self, IdentityRow};
use sluice_storage::memberships::{self, Principal};
use sluice_storage::{Conn, StorageError};

pub fn identity_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Identity with ID '{id}' not found"))
}

/// Loads an identity the actor administers: 404 when it does not exist or sits in an
/// organization the actor is not in, 403 when the actor is only a member there.
pub async fn administered_identity(
    conn: &mut Conn,
    actor: &Actor,
    raw_id: &str,
    action: &str,
) -> ApiResult<IdentityRow> {
    let id = parse_id(raw_id, "params.identityId", IdentityId::parse)?;
    let identity = identities::get(conn, &id).await?.ok_or_else(|| identity_not_found(raw_id))?;
    match memberships::org_role(conn, &identity.org_id, &actor.principal).await? {
        None => Err(identity_not_found(raw_id)),
        Some(OrgRole::Member) => {
            Err(ApiError::forbidden(format!("You are not allowed to {action}: it needs the organization's admin role")))
        }
        Some(OrgRole::Admin) => Ok(identity),
    }
}

fn valid_name(raw: &str) -> ApiResult<String> {
    crate::extract::display_name(raw, "body.name")
}

async fn describe(conn: &mut Conn, identity: &IdentityRow) -> ApiResult<IdentityOut> {
    let role = memberships::org_role(conn, &identity.org_id, &Principal::Identity(identity.id.clone())).await?;
    let ua = identities::universal_auth_for(conn, &identity.id).await?;
    Ok(identity_out(identity, role.map(OrgRole::as_str).unwrap_or("member"), ua.is_some()))
}

/// `POST /api/v1/identities`.
pub async fn create(state: &AppState, actor: &Actor, input: &IdentityIn) -> ApiResult<IdentityOut> {
    let org = parse_id(&input.organization_id, "body.organizationId", OrgId::parse)?;
    let name = valid_name(&input.name)?;
    let role = parse_org_role(input.role.as_deref(), "body.role")?;
    let mut tx = state.store.write().await?;
    authz::org_admin(&mut tx, actor, &org, "create identities").await?;
    let identity = create_identity(&mut tx, &org, &name, role).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("create-identity")
            .org(&org)
            .target("identity", identity.id.clone())
            .meta(json!({ "identityId": identity.id, "name": identity.name, "role": role.as_str() })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(identity_out(&identity, role.as_str(), false))
}

/// `GET /api/v1/identities/{identityId}`.
pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<IdentityOut> {
    let mut conn = state.store.read().await?;
    let identity = administered_identity(&mut conn, actor, raw_id, "read identities").await?;
    describe(&mut conn, &identity).await
}

/// Refuses changes that would leave an organization without an admin.
async fn keep_an_admin(conn: &mut Conn, identity: &IdentityRow) -> ApiResult<()> {
    let principal = Principal::Identity(identity.id.clone());
    if memberships::org_role(conn, &identity.org_id, &principal).await? == Some(OrgRole::Admin)
        && memberships::count_org_admins(conn, &identity.org_id).await? <= 1
    {
        return Err(ApiError::bad_request("This identity is the organization's last admin"));
    }
    Ok(())
}

/// `PATCH /api/v1/identities/{identityId}`: new name and/or organization role. An actor
/// cannot change its own role.
pub async fn update(state: &AppState, actor: &Actor, raw_id: &str, input: &IdentityPatch) -> ApiResult<IdentityOut> {
    let name = input.name.as_deref().map(valid_name).transpose()?;
    let role = match input.role.as_deref() {
        Some(r) => Some(parse_org_role(Some(r), "body.role")?),
        None => None,
    };
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "update identities").await?;
    let principal = Principal::Identity(identity.id.clone());
    if let Some(name) = &name {
        identities::rename(&mut tx, &identity.id, name).await?;
    }
    if let Some(role) = role {
        if actor.principal == principal {
            return Err(ApiError::forbidden("You cannot change your own organization role"));
        }
        if role != OrgRole::Admin {
            keep_an_admin(&mut tx, &identity).await?;
        }
        memberships::set_org_role(&mut tx, &identity.org_id, &principal, role).await?;
    }
    let updated = identities::get(&mut tx, &identity.id).await?.ok_or_else(|| identity_not_found(raw_id))?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("update-identity").org(&identity.org_id).target("identity", identity.id.clone()).meta(json!({
            "identityId": identity.id,
            "name": updated.name,
            "role": role.map(OrgRole::as_str),
        })),
    )
    .await?;
    let out = describe(&mut tx, &updated).await?;
    tx.commit().await.map_err(StorageError::from)?;
    if role.is_some() {
        state.roles.clear();
    }
    Ok(out)
}

/// `DELETE /api/v1/identities/{identityId}`: the identity, its memberships, universal
/// auth, client secrets and tokens go. An actor cannot delete itself.
pub async fn delete(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<IdentityOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "delete identities").await?;
    let principal = Principal::Identity(identity.id.clone());
    if actor.principal == principal {
        return Err(ApiError::forbidden("You cannot delete the identity you are authenticated as"));
    }
    keep_an_admin(&mut tx, &identity).await?;
    let out = describe(&mut tx, &identity).await?;
    identities::delete(&mut tx, &identity.id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("delete-identity")
            .org(&identity.org_id)
            .target("identity", identity.id.clone())
            .meta(json!({ "identityId": identity.id, "name": identity.name })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    forget_tokens_of(state, &principal);
    state.roles.clear();
    Ok(out)
}

/// The identities of an organization with their roles (organization admins only).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    raw_org: &str,
    field: &str,
) -> ApiResult<Vec<OrgIdentityMembershipOut>> {
    let org = parse_id(raw_org, field, OrgId::parse)?;
    let mut conn = state.store.read().await?;
    authz::org_admin(&mut conn, actor, &org, "list identities").await?;
    let rows = memberships::list_org_identities(&mut conn, &org).await?;
    Ok(rows.iter().map(|m| org_membership_out(org.as_str(), m)).collect())
}
