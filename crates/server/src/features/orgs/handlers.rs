//! HTTP handlers of the organization endpoints.

use super::service;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::orgs::*;

/// The organizations the caller belongs to, with the caller's role in each.
#[utoipa::path(get, path = "/api/v1/organization", tag = "organizations",
    responses((status = 200, body = OrgsOut), (status = 401, body = ErrorBody)))]
pub async fn list_orgs(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<OrgsOut>> {
    Ok(Json(service::list_orgs(&state, &actor).await?))
}

/// One organization the caller belongs to (404 otherwise).
#[utoipa::path(get, path = "/api/v1/organization/{organizationId}", tag = "organizations",
    params(("organizationId" = String, Path)),
    responses((status = 200, body = OrgEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_org(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(organization_id): ApiPath<String>,
) -> ApiResult<Json<OrgEnvelope>> {
    Ok(Json(OrgEnvelope { organization: service::get_org(&state, &actor, &organization_id).await? }))
}

/// Create an organization (users only); the creator becomes its admin.
#[utoipa::path(post, path = "/api/v2/organizations", tag = "organizations", request_body = OrgIn,
    responses((status = 200, body = OrgEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_org(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult<Json<OrgEnvelope>> {
    Ok(Json(OrgEnvelope { organization: service::create_org(&state, &actor, &body).await? }))
}

/// The organization's users and their roles (any member may list).
#[utoipa::path(get, path = "/api/v1/organization/{organizationId}/users", tag = "organizations",
    params(("organizationId" = String, Path)),
    responses((status = 200, body = OrgUsersOut), (status = 404, body = ErrorBody)))]
pub async fn list_org_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(organization_id): ApiPath<String>,
) -> ApiResult<Json<OrgUsersOut>> {
    Ok(Json(service::list_org_users(&state, &actor, &organization_id).await?))
}

/// Add a user to the organization without email (Sluice has no SMTP; this replaces
/// Infisical's email invitations). Organization admins only. A new email creates the user
/// with `password` as their initial password (at least 8 characters), which the admin
/// passes on; an email that already has an account adds that user as is, and `password`
/// must then be left out. `role` is `member` (default) or `admin`. The user can then sign
/// in with `POST /api/v1/auth/login` or `POST /api/v1/auth/session`.
#[utoipa::path(post, path = "/api/v1/organization/{organizationId}/users", tag = "organizations",
    params(("organizationId" = String, Path)), request_body = OrgUserIn,
    responses((status = 200, body = OrgUserEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_org_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(organization_id): ApiPath<String>,
    ApiJson(body): ApiJson<OrgUserIn>,
) -> ApiResult<Json<OrgUserEnvelope>> {
    Ok(Json(OrgUserEnvelope { membership: service::add_org_user(&state, &actor, &organization_id, &body).await? }))
}

/// Change a user's organization role (admins only; the last admin cannot be demoted).
#[utoipa::path(patch, path = "/api/v2/organizations/{organizationId}/memberships/{membershipId}", tag = "organizations",
    params(("organizationId" = String, Path), ("membershipId" = String, Path)), request_body = OrgMembershipPatch,
    responses((status = 200, body = OrgUserEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_org_membership(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((organization_id, membership_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<OrgMembershipPatch>,
) -> ApiResult<Json<OrgUserEnvelope>> {
    let membership = service::update_org_membership(&state, &actor, &organization_id, &membership_id, &body).await?;
    Ok(Json(OrgUserEnvelope { membership }))
}
