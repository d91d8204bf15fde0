//! HTTP handlers of the identity endpoints (`/api/v1/identities`, the organization's
//! identity list).

use super::manage;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use sluice_api_types::identities::*;

/// Create a machine identity in an organization (organization admins only). `role` is the
/// organization role: `admin` or `member` (Infisical's `no-access` reads as `member`).
#[utoipa::path(post, path = "/api/v1/identities", tag = "identities", request_body = IdentityIn,
    responses((status = 200, body = IdentityEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<IdentityIn>,
) -> ApiResult<Json<IdentityEnvelope>> {
    Ok(Json(IdentityEnvelope { identity: manage::create(&state, &actor, &body).await? }))
}

/// An identity of an organization the caller administers.
#[utoipa::path(get, path = "/api/v1/identities/{identityId}", tag = "identities", params(("identityId" = String, Path)),
    responses((status = 200, body = IdentityEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<IdentityEnvelope>> {
    Ok(Json(IdentityEnvelope { identity: manage::get(&state, &actor, &identity_id).await? }))
}

/// Rename an identity and/or change its organization role.
#[utoipa::path(patch, path = "/api/v1/identities/{identityId}", tag = "identities", params(("identityId" = String, Path)),
    request_body = IdentityPatch,
    responses((status = 200, body = IdentityEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
    ApiJson(body): ApiJson<IdentityPatch>,
) -> ApiResult<Json<IdentityEnvelope>> {
    Ok(Json(IdentityEnvelope { identity: manage::update(&state, &actor, &identity_id, &body).await? }))
}

/// Delete an identity with its memberships, universal auth, client secrets and tokens.
#[utoipa::path(delete, path = "/api/v1/identities/{identityId}", tag = "identities", params(("identityId" = String, Path)),
    responses((status = 200, body = IdentityEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<IdentityEnvelope>> {
    Ok(Json(IdentityEnvelope { identity: manage::delete(&state, &actor, &identity_id).await? }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The organization.
    pub org_id: String,
}

/// Infisical's older listing of an organization's identities (organization admins only).
#[utoipa::path(get, path = "/api/v1/identities", tag = "identities", params(ListQuery),
    responses((status = 200, body = IdentitiesOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_v1(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<IdentitiesOut>> {
    let identities = manage::list(&state, &actor, &q.org_id, "query.orgId").await?;
    Ok(Json(IdentitiesOut { total_count: identities.len(), identities }))
}

/// The identities of an organization with their organization roles (admins only).
#[utoipa::path(get, path = "/api/v2/organizations/{organizationId}/identity-memberships", tag = "identities",
    params(("organizationId" = String, Path)),
    responses((status = 200, body = OrgIdentityMembershipsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_org(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(organization_id): ApiPath<String>,
) -> ApiResult<Json<OrgIdentityMembershipsOut>> {
    let identity_memberships = manage::list(&state, &actor, &organization_id, "params.organizationId").await?;
    Ok(Json(OrgIdentityMembershipsOut { total_count: identity_memberships.len(), identity_memberships }))
}
