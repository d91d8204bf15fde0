//! `/api/v4/secrets…`: what Infisical's CLI calls (`projectId` instead of `workspaceId`,
//! `includeImports`), answered by the same services as v3.

use super::handlers as v3;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sluice_api_types::secrets::*;

/// List secrets (v4).
#[utoipa::path(get, path = "/api/v4/secrets", tag = "secrets", params(ListSecretsQuery),
    responses((status = 200, body = SecretsListOut), (status = 304), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    q: ApiQuery<ListSecretsQuery>,
) -> ApiResult<Response> {
    v3::list(state, actor, headers, q).await
}

/// Get a secret by name (v4), with an `ETag` (`304` when `If-None-Match` names it).
#[utoipa::path(get, path = "/api/v4/secrets/{secretName}", tag = "secrets", params(("secretName" = String, Path), GetSecretQuery),
    responses((status = 200, body = SecretEnvelope), (status = 304), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    name: ApiPath<String>,
    q: ApiQuery<GetSecretQuery>,
) -> ApiResult<Response> {
    v3::get(state, actor, headers, name, q).await
}

/// Create a secret (v4).
#[utoipa::path(post, path = "/api/v4/secrets/{secretName}", tag = "secrets", params(("secretName" = String, Path)),
    request_body = SecretIn, responses((status = 200, body = SecretEnvelope), (status = 400, body = ErrorBody)))]
pub async fn create(
    state: State<AppState>,
    actor: Actor,
    name: ApiPath<String>,
    body: ApiJson<SecretIn>,
) -> ApiResult<Json<SecretEnvelope>> {
    v3::create(state, actor, name, body).await
}

/// Update a secret (v4).
#[utoipa::path(patch, path = "/api/v4/secrets/{secretName}", tag = "secrets", params(("secretName" = String, Path)),
    request_body = SecretIn, responses((status = 200, body = SecretEnvelope), (status = 404, body = ErrorBody)))]
pub async fn update(
    state: State<AppState>,
    actor: Actor,
    name: ApiPath<String>,
    body: ApiJson<SecretIn>,
) -> ApiResult<Json<SecretEnvelope>> {
    v3::update(state, actor, name, body).await
}

/// Delete a secret (v4).
#[utoipa::path(delete, path = "/api/v4/secrets/{secretName}", tag = "secrets", params(("secretName" = String, Path)),
    request_body = SecretDeleteIn, responses((status = 200, body = SecretEnvelope), (status = 404, body = ErrorBody)))]
pub async fn delete(
    state: State<AppState>,
    actor: Actor,
    name: ApiPath<String>,
    body: ApiJson<SecretDeleteIn>,
) -> ApiResult<Json<SecretEnvelope>> {
    v3::delete(state, actor, name, body).await
}

/// Create several secrets (v4).
#[utoipa::path(post, path = "/api/v4/secrets/batch", tag = "secrets", request_body = BatchCreateIn,
    responses((status = 200, body = SecretsOut), (status = 400, body = ErrorBody)))]
pub async fn batch_create(
    state: State<AppState>,
    actor: Actor,
    body: ApiJson<BatchCreateIn>,
) -> ApiResult<Json<SecretsOut>> {
    v3::batch_create(state, actor, body).await
}

/// Update several secrets (v4).
#[utoipa::path(patch, path = "/api/v4/secrets/batch", tag = "secrets", request_body = BatchUpdateIn,
    responses((status = 200, body = SecretsOut), (status = 404, body = ErrorBody)))]
pub async fn batch_update(
    state: State<AppState>,
    actor: Actor,
    body: ApiJson<BatchUpdateIn>,
) -> ApiResult<Json<SecretsOut>> {
    v3::batch_update(state, actor, body).await
}

/// Delete several secrets (v4).
#[utoipa::path(delete, path = "/api/v4/secrets/batch", tag = "secrets", request_body = BatchDeleteIn,
    responses((status = 200, body = SecretsOut), (status = 404, body = ErrorBody)))]
pub async fn batch_delete(
    state: State<AppState>,
    actor: Actor,
    body: ApiJson<BatchDeleteIn>,
) -> ApiResult<Json<SecretsOut>> {
    v3::batch_delete(state, actor, body).await
}
