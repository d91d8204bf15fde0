//! HTTP handlers of the folder endpoints: `/api/v1/folders` (Infisical's CLI and API) and
//! `/api/v2/folders` (what the Python SDK calls), answered by the same service.

use super::service;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::folders::*;

/// Create a folder `name` under `path` (default `/`).
#[utoipa::path(post, path = "/api/v1/folders", tag = "folders", request_body = FolderIn,
    responses((status = 200, body = FolderEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<FolderIn>,
) -> ApiResult<Json<FolderEnvelope>> {
    Ok(Json(FolderEnvelope { folder: service::create(&state, &actor, &body).await? }))
}

/// The folders directly under `path` (every one below it with `recursive=true`).
#[utoipa::path(get, path = "/api/v1/folders", tag = "folders", params(FoldersQuery),
    responses((status = 200, body = FoldersOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<FoldersQuery>,
) -> ApiResult<Json<FoldersOut>> {
    Ok(Json(FoldersOut { folders: service::list(&state, &actor, &q).await? }))
}

/// A folder by id.
#[utoipa::path(get, path = "/api/v1/folders/{folderId}", tag = "folders", params(("folderId" = String, Path)),
    responses((status = 200, body = FolderEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FolderEnvelope>> {
    Ok(Json(FolderEnvelope { folder: service::get(&state, &actor, &id).await? }))
}

/// Rename a folder (its subtree moves with it) or change its description.
#[utoipa::path(patch, path = "/api/v1/folders/{folderId}", tag = "folders", params(("folderId" = String, Path)),
    request_body = FolderPatch,
    responses((status = 200, body = FolderEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FolderPatch>,
) -> ApiResult<Json<FolderEnvelope>> {
    Ok(Json(FolderEnvelope { folder: service::update(&state, &actor, &id, &body).await? }))
}

/// Delete a folder (by id, or by name under `path`) with everything in it.
#[utoipa::path(delete, path = "/api/v1/folders/{folderId}", tag = "folders", params(("folderId" = String, Path)),
    request_body = FolderDeleteIn,
    responses((status = 200, body = FolderEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FolderDeleteIn>,
) -> ApiResult<Json<FolderEnvelope>> {
    Ok(Json(FolderEnvelope { folder: service::delete(&state, &actor, &id, &body).await? }))
}

/// Create a folder (the Python SDK's path).
#[utoipa::path(post, path = "/api/v2/folders", tag = "folders", request_body = FolderIn,
    responses((status = 200, body = FolderEnvelope), (status = 404, body = ErrorBody)))]
pub async fn create_v2(
    state: State<AppState>,
    actor: Actor,
    body: ApiJson<FolderIn>,
) -> ApiResult<Json<FolderEnvelope>> {
    create(state, actor, body).await
}

/// List folders (the Python SDK's path).
#[utoipa::path(get, path = "/api/v2/folders", tag = "folders", params(FoldersQuery),
    responses((status = 200, body = FoldersOut), (status = 404, body = ErrorBody)))]
pub async fn list_v2(state: State<AppState>, actor: Actor, q: ApiQuery<FoldersQuery>) -> ApiResult<Json<FoldersOut>> {
    list(state, actor, q).await
}

/// A folder by id (the Python SDK's path).
#[utoipa::path(get, path = "/api/v2/folders/{folderId}", tag = "folders", params(("folderId" = String, Path)),
    responses((status = 200, body = FolderEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_v2(state: State<AppState>, actor: Actor, id: ApiPath<String>) -> ApiResult<Json<FolderEnvelope>> {
    get(state, actor, id).await
}

/// Rename a folder (the Python SDK's path).
#[utoipa::path(patch, path = "/api/v2/folders/{folderId}", tag = "folders", params(("folderId" = String, Path)),
    request_body = FolderPatch, responses((status = 200, body = FolderEnvelope), (status = 404, body = ErrorBody)))]
pub async fn update_v2(
    state: State<AppState>,
    actor: Actor,
    id: ApiPath<String>,
    body: ApiJson<FolderPatch>,
) -> ApiResult<Json<FolderEnvelope>> {
    update(state, actor, id, body).await
}

/// Delete a folder (the Python SDK's path).
#[utoipa::path(delete, path = "/api/v2/folders/{folderId}", tag = "folders", params(("folderId" = String, Path)),
    request_body = FolderDeleteIn, responses((status = 200, body = FolderEnvelope), (status = 404, body = ErrorBody)))]
pub async fn delete_v2(
    state: State<AppState>,
    actor: Actor,
    id: ApiPath<String>,
    body: ApiJson<FolderDeleteIn>,
) -> ApiResult<Json<FolderEnvelope>> {
    delete(state, actor, id, body).await
}
