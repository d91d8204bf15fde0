//! HTTP handlers of the secret endpoints at Infisical's paths: `/api/v3/secrets/raw…`,
//! `/api/v3/secrets/batch/raw` and `/api/v4/secrets…` (same services, same shapes).

use super::{batch, read, write};
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sluice_api_types::secrets::*;

/// Answers a read (a list, or one secret) with its `ETag` (a digest of the body), or `304`
/// when the client's `If-None-Match` already names it (the Go SDK and CLI send it).
fn tagged(headers: &HeaderMap, bytes: axum::body::Bytes, tag: &str) -> ApiResult<Response> {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*"));
    let etag = HeaderValue::from_str(tag).map_err(crate::error::ApiError::internal)?;
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
    };
    resp.headers_mut().insert(header::ETAG, etag);
    Ok(resp)
}

/// List the secrets of a folder (`recursive` adds its subfolders'), with what its imports
/// bring when `include_imports=true`, references expanded when `expandSecretReferences=true`.
#[utoipa::path(get, path = "/api/v3/secrets/raw", tag = "secrets", params(ListSecretsQuery),
    responses((status = 200, body = SecretsListOut), (status = 304), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListSecretsQuery>,
) -> ApiResult<Response> {
    let body = read::list_body(&state, &actor, &q).await?;
    tagged(&headers, body.json.clone(), &body.etag)
}

/// A secret by name (`version` for a past one; `include_imports` looks in imports when the
/// folder has none of that name), with an `ETag` as lists have.
#[utoipa::path(get, path = "/api/v3/secrets/raw/{secretName}", tag = "secrets",
    params(("secretName" = String, Path), GetSecretQuery),
    responses((status = 200, body = SecretEnvelope), (status = 304), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<GetSecretQuery>,
) -> ApiResult<Response> {
    let body = read::get_answer(&state, &actor, &name, &q).await?;
    tagged(&headers, body.json.clone(), &body.etag)
}

/// Create a secret (`type` defaults to `shared`).
#[utoipa::path(post, path = "/api/v3/secrets/raw/{secretName}", tag = "secrets", params(("secretName" = String, Path)),
    request_body = SecretIn,
    responses((status = 200, body = SecretEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<SecretIn>,
) -> ApiResult<Json<SecretEnvelope>> {
    Ok(Json(SecretEnvelope { secret: write::create(&state, &actor, &name, &body).await? }))
}

/// Update a secret: value, comment, options, or its name (`newSecretName`).
#[utoipa::path(patch, path = "/api/v3/secrets/raw/{secretName}", tag = "secrets", params(("secretName" = String, Path)),
    request_body = SecretIn,
    responses((status = 200, body = SecretEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<SecretIn>,
) -> ApiResult<Json<SecretEnvelope>> {
    Ok(Json(SecretEnvelope { secret: write::update(&state, &actor, &name, &body).await? }))
}

/// Delete a secret (the JSON body says where); returns it as it was.
#[utoipa::path(delete, path = "/api/v3/secrets/raw/{secretName}", tag = "secrets", params(("secretName" = String, Path)),
    request_body = SecretDeleteIn,
    responses((status = 200, body = SecretEnvelope), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<SecretDeleteIn>,
) -> ApiResult<Json<SecretEnvelope>> {
    Ok(Json(SecretEnvelope { secret: write::delete(&state, &actor, &name, &body).await? }))
}

/// Create several secrets in one folder: all or none.
#[utoipa::path(post, path = "/api/v3/secrets/batch/raw", tag = "secrets", request_body = BatchCreateIn,
    responses((status = 200, body = SecretsOut), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<BatchCreateIn>,
) -> ApiResult<Json<SecretsOut>> {
    Ok(Json(SecretsOut { secrets: batch::create(&state, &actor, &body).await? }))
}

/// Update several secrets (`mode: upsert` creates missing ones): all or none.
#[utoipa::path(patch, path = "/api/v3/secrets/batch/raw", tag = "secrets", request_body = BatchUpdateIn,
    responses((status = 200, body = SecretsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_update(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<BatchUpdateIn>,
) -> ApiResult<Json<SecretsOut>> {
    Ok(Json(SecretsOut { secrets: batch::update(&state, &actor, &body).await? }))
}

/// Delete several secrets: all or none.
#[utoipa::path(delete, path = "/api/v3/secrets/batch/raw", tag = "secrets", request_body = BatchDeleteIn,
    responses((status = 200, body = SecretsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<BatchDeleteIn>,
) -> ApiResult<Json<SecretsOut>> {
    Ok(Json(SecretsOut { secrets: batch::delete(&state, &actor, &body).await? }))
}
