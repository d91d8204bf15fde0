//! HTTP handlers of universal-auth management
//! (`/api/v1/auth/universal-auth/identities/{identityId}...`).

use super::universal_auth as ua;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::identities::*;

fn envelope(out: UniversalAuthOut) -> Json<UniversalAuthEnvelope> {
    Json(UniversalAuthEnvelope { identity_universal_auth: out })
}

/// Attach universal auth to an identity. Defaults: 30-day tokens (`accessTokenTTL`,
/// `accessTokenMaxTTL`, seconds), no use limit, any IP (`0.0.0.0/0`, `::/0`).
#[utoipa::path(post, path = "/api/v1/auth/universal-auth/identities/{identityId}", tag = "universal-auth",
    params(("identityId" = String, Path)), request_body = UniversalAuthIn,
    responses((status = 200, body = UniversalAuthEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
    ApiJson(body): ApiJson<UniversalAuthIn>,
) -> ApiResult<Json<UniversalAuthEnvelope>> {
    Ok(envelope(ua::attach(&state, &actor, &identity_id, &body).await?))
}

/// An identity's universal-auth configuration (with its client id).
#[utoipa::path(get, path = "/api/v1/auth/universal-auth/identities/{identityId}", tag = "universal-auth",
    params(("identityId" = String, Path)),
    responses((status = 200, body = UniversalAuthEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<UniversalAuthEnvelope>> {
    Ok(envelope(ua::get(&state, &actor, &identity_id).await?))
}

/// Change universal-auth settings; fields left out keep their values.
#[utoipa::path(patch, path = "/api/v1/auth/universal-auth/identities/{identityId}", tag = "universal-auth",
    params(("identityId" = String, Path)), request_body = UniversalAuthPatch,
    responses((status = 200, body = UniversalAuthEnvelope), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
    ApiJson(body): ApiJson<UniversalAuthPatch>,
) -> ApiResult<Json<UniversalAuthEnvelope>> {
    Ok(envelope(ua::update(&state, &actor, &identity_id, &body).await?))
}

/// Remove universal auth: deletes the client secrets and revokes every token of the identity.
#[utoipa::path(delete, path = "/api/v1/auth/universal-auth/identities/{identityId}", tag = "universal-auth",
    params(("identityId" = String, Path)),
    responses((status = 200, body = UniversalAuthEnvelope), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<UniversalAuthEnvelope>> {
    Ok(envelope(ua::remove(&state, &actor, &identity_id).await?))
}

/// Create a client secret. The secret is in this answer only; it is stored as an Argon2id
/// hash. `ttl` (seconds) and `numUsesLimit` are 0 for no limit.
#[utoipa::path(post, path = "/api/v1/auth/universal-auth/identities/{identityId}/client-secrets", tag = "universal-auth",
    params(("identityId" = String, Path)), request_body = ClientSecretIn,
    responses((status = 200, body = ClientSecretCreatedOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_secret(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
    ApiJson(body): ApiJson<ClientSecretIn>,
) -> ApiResult<Json<ClientSecretCreatedOut>> {
    Ok(Json(ua::create_secret(&state, &actor, &identity_id, &body).await?))
}

/// The identity's client secrets that are not revoked (prefixes only, never the secrets).
#[utoipa::path(get, path = "/api/v1/auth/universal-auth/identities/{identityId}/client-secrets", tag = "universal-auth",
    params(("identityId" = String, Path)),
    responses((status = 200, body = ClientSecretsOut), (status = 404, body = ErrorBody)))]
pub async fn list_secrets(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(identity_id): ApiPath<String>,
) -> ApiResult<Json<ClientSecretsOut>> {
    Ok(Json(ClientSecretsOut { client_secret_data: ua::list_secrets(&state, &actor, &identity_id).await? }))
}

/// One client secret's details.
#[utoipa::path(get, path = "/api/v1/auth/universal-auth/identities/{identityId}/client-secrets/{clientSecretId}",
    tag = "universal-auth", params(("identityId" = String, Path), ("clientSecretId" = String, Path)),
    responses((status = 200, body = ClientSecretEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_secret(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((identity_id, secret_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<ClientSecretEnvelope>> {
    Ok(Json(ClientSecretEnvelope {
        client_secret_data: ua::get_secret(&state, &actor, &identity_id, &secret_id).await?,
    }))
}

/// Revoke a client secret: it can no longer log in.
#[utoipa::path(post, path = "/api/v1/auth/universal-auth/identities/{identityId}/client-secrets/{clientSecretId}/revoke",
    tag = "universal-auth", params(("identityId" = String, Path), ("clientSecretId" = String, Path)),
    responses((status = 200, body = ClientSecretEnvelope), (status = 404, body = ErrorBody)))]
pub async fn revoke_secret(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((identity_id, secret_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<ClientSecretEnvelope>> {
    let client_secret_data = ua::revoke_secret(&state, &actor, &identity_id, &secret_id).await?;
    Ok(Json(ClientSecretEnvelope { client_secret_data }))
}
