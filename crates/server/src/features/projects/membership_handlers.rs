//! HTTP handlers of project memberships: identities
//! (`/api/v1/projects/{projectId}/identity-memberships`, older `/api/v2/workspace/...`)
//! and users (`/api/v1/projects/{projectId}/memberships`).

use super::memberships as ms;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::projects::*;

type Ids = ApiPath<(String, String)>;

/// Add an identity of the project's organization to the project (project admins). Body:
/// `{role}` or `{roles: [{role, isTemporary: false}]}`; roles `admin`, `member`
/// (`developer`), `viewer`.
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)), request_body = MembershipRolesIn,
    responses((status = 200, body = IdentityMembershipRowEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_identity(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, identity_id)): Ids,
    ApiJson(body): ApiJson<MembershipRolesIn>,
) -> ApiResult<Json<IdentityMembershipRowEnvelope>> {
    let identity_membership = ms::add_identity(&state, &actor, &project_id, &identity_id, &body).await?;
    Ok(Json(IdentityMembershipRowEnvelope { identity_membership }))
}

/// An identity's membership of the project, with its roles.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)),
    responses((status = 200, body = IdentityMembershipEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_identity(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, identity_id)): Ids,
) -> ApiResult<Json<IdentityMembershipEnvelope>> {
    let identity_membership = ms::get_identity(&state, &actor, &project_id, &identity_id).await?;
    Ok(Json(IdentityMembershipEnvelope { identity_membership }))
}

/// Change an identity's project role (project admins). Answers `{roles: [...]}`.
#[utoipa::path(patch, path = "/api/v1/projects/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)), request_body = MembershipRolesIn,
    responses((status = 200, body = MembershipRolesOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_identity(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, identity_id)): Ids,
    ApiJson(body): ApiJson<MembershipRolesIn>,
) -> ApiResult<Json<MembershipRolesOut>> {
    Ok(Json(MembershipRolesOut { roles: ms::update_identity(&state, &actor, &project_id, &identity_id, &body).await? }))
}

/// Remove an identity from the project (project admins).
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)),
    responses((status = 200, body = IdentityMembershipRowEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_identity(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, identity_id)): Ids,
) -> ApiResult<Json<IdentityMembershipRowEnvelope>> {
    let identity_membership = ms::remove_identity(&state, &actor, &project_id, &identity_id).await?;
    Ok(Json(IdentityMembershipRowEnvelope { identity_membership }))
}

/// The identities that are members of the project.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/identity-memberships", tag = "project-memberships",
    params(("projectId" = String, Path)),
    responses((status = 200, body = IdentityMembershipsOut), (status = 404, body = ErrorBody)))]
pub async fn list_identities(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<Json<IdentityMembershipsOut>> {
    Ok(Json(IdentityMembershipsOut { identity_memberships: ms::list_identities(&state, &actor, &project_id).await? }))
}

/// Infisical's older path: add an identity to a project.
#[utoipa::path(post, path = "/api/v2/workspace/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)), request_body = MembershipRolesIn,
    responses((status = 200, body = IdentityMembershipRowEnvelope), (status = 404, body = ErrorBody)))]
pub async fn add_identity_v2(
    state: State<AppState>,
    actor: Actor,
    ids: Ids,
    body: ApiJson<MembershipRolesIn>,
) -> ApiResult<Json<IdentityMembershipRowEnvelope>> {
    add_identity(state, actor, ids, body).await
}

/// Infisical's older path: an identity's project membership.
#[utoipa::path(get, path = "/api/v2/workspace/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)),
    responses((status = 200, body = IdentityMembershipEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_identity_v2(
    state: State<AppState>,
    actor: Actor,
    ids: Ids,
) -> ApiResult<Json<IdentityMembershipEnvelope>> {
    get_identity(state, actor, ids).await
}

/// Infisical's older path: change an identity's project role.
#[utoipa::path(patch, path = "/api/v2/workspace/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)), request_body = MembershipRolesIn,
    responses((status = 200, body = MembershipRolesOut), (status = 404, body = ErrorBody)))]
pub async fn update_identity_v2(
    state: State<AppState>,
    actor: Actor,
    ids: Ids,
    body: ApiJson<MembershipRolesIn>,
) -> ApiResult<Json<MembershipRolesOut>> {
    update_identity(state, actor, ids, body).await
}

/// Infisical's older path: remove an identity from a project.
#[utoipa::path(delete, path = "/api/v2/workspace/{projectId}/identity-memberships/{identityId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("identityId" = String, Path)),
    responses((status = 200, body = IdentityMembershipRowEnvelope), (status = 404, body = ErrorBody)))]
pub async fn remove_identity_v2(
    state: State<AppState>,
    actor: Actor,
    ids: Ids,
) -> ApiResult<Json<IdentityMembershipRowEnvelope>> {
    remove_identity(state, actor, ids).await
}

/// Infisical's older path: the identities of a project.
#[utoipa::path(get, path = "/api/v2/workspace/{projectId}/identity-memberships", tag = "project-memberships",
    params(("projectId" = String, Path)),
    responses((status = 200, body = IdentityMembershipsOut), (status = 404, body = ErrorBody)))]
pub async fn list_identities_v2(
    state: State<AppState>,
    actor: Actor,
    path: ApiPath<String>,
) -> ApiResult<Json<IdentityMembershipsOut>> {
    list_identities(state, actor, path).await
}

/// Add users of the project's organization to the project by email or username, with the
/// roles in `roleSlugs` (default `member`). Project admins only.
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/memberships", tag = "project-memberships",
    params(("projectId" = String, Path)), request_body = UserMembershipsIn,
    responses((status = 200, body = UserMembershipRowsOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(body): ApiJson<UserMembershipsIn>,
) -> ApiResult<Json<UserMembershipRowsOut>> {
    Ok(Json(UserMembershipRowsOut { memberships: ms::add_users(&state, &actor, &project_id, &body).await? }))
}

/// The users that are members of the project, with their roles.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/memberships", tag = "project-memberships",
    params(("projectId" = String, Path)),
    responses((status = 200, body = UserMembershipsOut), (status = 404, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<Json<UserMembershipsOut>> {
    Ok(Json(UserMembershipsOut { memberships: ms::list_users(&state, &actor, &project_id).await? }))
}

/// Remove users from the project by email or username (project admins).
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}/memberships", tag = "project-memberships",
    params(("projectId" = String, Path)), request_body = UserMembershipsDeleteIn,
    responses((status = 200, body = UserMembershipRowsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(body): ApiJson<UserMembershipsDeleteIn>,
) -> ApiResult<Json<UserMembershipRowsOut>> {
    Ok(Json(UserMembershipRowsOut { memberships: ms::remove_users(&state, &actor, &project_id, &body).await? }))
}

/// A user's membership of the project.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/memberships/{membershipId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("membershipId" = String, Path)),
    responses((status = 200, body = UserMembershipEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, membership_id)): Ids,
) -> ApiResult<Json<UserMembershipEnvelope>> {
    Ok(Json(UserMembershipEnvelope { membership: ms::get_user(&state, &actor, &project_id, &membership_id).await? }))
}

/// Change a user's project role: `{roles: [{role, isTemporary: false}]}` (project admins).
#[utoipa::path(patch, path = "/api/v1/projects/{projectId}/memberships/{membershipId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("membershipId" = String, Path)), request_body = UserMembershipPatch,
    responses((status = 200, body = MembershipRolesOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, membership_id)): Ids,
    ApiJson(body): ApiJson<UserMembershipPatch>,
) -> ApiResult<Json<MembershipRolesOut>> {
    Ok(Json(MembershipRolesOut { roles: ms::update_user(&state, &actor, &project_id, &membership_id, &body).await? }))
}

/// Remove a user's membership of the project (project admins).
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}/memberships/{membershipId}", tag = "project-memberships",
    params(("projectId" = String, Path), ("membershipId" = String, Path)),
    responses((status = 200, body = UserMembershipRowEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, membership_id)): Ids,
) -> ApiResult<Json<UserMembershipRowEnvelope>> {
    Ok(Json(UserMembershipRowEnvelope {
        membership: ms::remove_user(&state, &actor, &project_id, &membership_id).await?,
    }))
}

/// Infisical's older path to add users to a project.
#[utoipa::path(post, path = "/api/v2/workspace/{projectId}/memberships", tag = "project-memberships",
    params(("projectId" = String, Path)), request_body = UserMembershipsIn,
    responses((status = 200, body = UserMembershipRowsOut), (status = 404, body = ErrorBody)))]
pub async fn add_users_v2(
    state: State<AppState>,
    actor: Actor,
    path: ApiPath<String>,
    body: ApiJson<UserMembershipsIn>,
) -> ApiResult<Json<UserMembershipRowsOut>> {
    add_users(state, actor, path, body).await
}
