//! HTTP handlers of OIDC-auth management (`/api/v1/auth/oidc-auth/identities/{identityId}`).

use super::oidc_auth as oidc;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::oidc_auth::{OidcAuthEnvelope, OidcAuthIn, OidcAuthOut, OidcAuthPatch};

fn envelope(out: OidcAuthOut) -> Json<OidcAuthEnvelope> {
    Json(OidcAuthEnvelope { identity_oidc_auth: out })
}

/// Attach OIDC auth to an identity: `oidcDiscoveryUrl` and `boundIssuer` are required;
/// tokens default to 30 days, any IP.
#[utoipa::path(post, path = "/api/v1/auth/oidc-auth/identities/{identityId}", tag = "oidc-auth",
    params(("identityId" = String, Path)), request_body = OidcAuthIn,
    responses((status = 200, body = OidcAuthEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
    ApiJson(body): ApiJson<OidcAuthIn>,
) -> ApiResult<Json<OidcAuthEnvelope>> {
    Ok(envelope(oidc::attach(&state, &actor, &identity_id, &body).await?))
}

/// An identity's OIDC-auth configuration.
#[utoipa::path(get, path = "/api/v1/auth/oidc-auth/identities/{identityId}", tag = "oidc-auth",
    params(("identityId" = String, Path)),
    responses((status = 200, body = OidcAuthEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<OidcAuthEnvelope>> {
    Ok(envelope(oidc::get(&state, &actor, &identity_id).await?))
}

/// Change OIDC-auth settings; fields left out keep their values.
#[utoipa::path(patch, path = "/api/v1/auth/oidc-auth/identities/{identityId}", tag = "oidc-auth",
    params(("identityId" = String, Path)), request_body = OidcAuthPatch,
    responses((status = 200, body = OidcAuthEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
    ApiJson(body): ApiJson<OidcAuthPatch>,
) -> ApiResult<Json<OidcAuthEnvelope>> {
    Ok(envelope(oidc::update(&state, &actor, &identity_id, &body).await?))
}

/// Remove OIDC auth: revokes every token of the identity.
#[utoipa::path(delete, path = "/api/v1/auth/oidc-auth/identities/{identityId}", tag = "oidc-auth",
    params(("identityId" = String, Path)),
    responses((status = 200, body = OidcAuthEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<OidcAuthEnvelope>> {
    Ok(envelope(oidc::remove(&state, &actor, &identity_id).await?))
}
