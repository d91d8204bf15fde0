//! HTTP handlers of the secret-import endpoints (`/api/v1/secret-imports`).

use super::service;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::imports::*;

/// Make a folder import another environment/path (appended after its other imports).
#[utoipa::path(post, path = "/api/v1/secret-imports", tag = "secret-imports", request_body = SecretImportIn,
    responses((status = 200, body = SecretImportEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<SecretImportIn>,
) -> ApiResult<Json<SecretImportEnvelope>> {
    let secret_import = service::create(&state, &actor, &body).await?;
    Ok(Json(SecretImportEnvelope { message: "Successfully created secret import".to_string(), secret_import }))
}

/// A folder's imports, in position order.
#[utoipa::path(get, path = "/api/v1/secret-imports", tag = "secret-imports", params(SecretImportsQuery),
    responses((status = 200, body = SecretImportsOut), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SecretImportsQuery>,
) -> ApiResult<Json<SecretImportsOut>> {
    let secret_imports = service::list(&state, &actor, &q).await?;
    Ok(Json(SecretImportsOut { message: "Successfully fetched secret imports".to_string(), secret_imports }))
}

/// Point an import elsewhere, or move it (`import.position`, 1 = first).
#[utoipa::path(patch, path = "/api/v1/secret-imports/{secretImportId}", tag = "secret-imports",
    params(("secretImportId" = String, Path)), request_body = SecretImportPatch,
    responses((status = 200, body = SecretImportEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SecretImportPatch>,
) -> ApiResult<Json<SecretImportEnvelope>> {
    let secret_import = service::update(&state, &actor, &id, &body).await?;
    Ok(Json(SecretImportEnvelope { message: "Successfully updated secret import".to_string(), secret_import }))
}

/// Remove an import.
#[utoipa::path(delete, path = "/api/v1/secret-imports/{secretImportId}", tag = "secret-imports",
    params(("secretImportId" = String, Path)), request_body = SecretImportDeleteIn,
    responses((status = 200, body = SecretImportEnvelope), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SecretImportDeleteIn>,
) -> ApiResult<Json<SecretImportEnvelope>> {
    let secret_import = service::delete(&state, &actor, &id, &body).await?;
    Ok(Json(SecretImportEnvelope { message: "Successfully deleted secret import".to_string(), secret_import }))
}

/// The secrets each import of a folder brings.
#[utoipa::path(get, path = "/api/v1/secret-imports/secrets/raw", tag = "secret-imports", params(SecretImportsQuery),
    responses((status = 200, body = ImportSecretsListOut), (status = 404, body = ErrorBody)))]
pub async fn secrets(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SecretImportsQuery>,
) -> ApiResult<Json<ImportSecretsListOut>> {
    Ok(Json(ImportSecretsListOut { secrets: service::secrets(&state, &actor, &q).await? }))
}
