//! Routes of project tags, at the current paths (`/api/v1/projects/{projectId}/tags`,
//! answering `{tag}` / `{tags}`) and the older ones (`/api/v1/workspace/{workspaceId}/tags`,
//! answering `{workspaceTag}` / `{workspaceTags}`): extract, call [`super::service`], wrap.

use super::service;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::tags::*;

const TAG: &str = "tags";

type Ids = ApiPath<(String, String)>;

fn workspace(tag: ProjectTagOut) -> Json<WorkspaceTagEnvelope> {
    Json(WorkspaceTagEnvelope { workspace_tag: tag.clone(), tag })
}

/// A project's tags (viewers and up).
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/tags", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path)),
    responses((status = 200, body = TagsOut), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<TagsOut>> {
    Ok(Json(TagsOut { tags: service::list(&state, &actor, &p).await? }))
}

/// Creates a tag (members and admins). `slug` is 1–64 lowercase letters, digits and hyphens.
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/tags", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path)), request_body = TagIn,
    responses((status = 200, body = TagEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(p): ApiPath<String>,
    ApiJson(body): ApiJson<TagIn>,
) -> ApiResult<Json<TagEnvelope>> {
    Ok(Json(TagEnvelope { tag: service::create(&state, &actor, &p, &body).await? }))
}

/// One tag.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/tags/{tagId}", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = TagEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, actor: Actor, ApiPath((p, t)): Ids) -> ApiResult<Json<TagEnvelope>> {
    Ok(Json(TagEnvelope { tag: service::get(&state, &actor, &p, &t).await? }))
}

/// Renames or recolors a tag (members and admins).
#[utoipa::path(patch, path = "/api/v1/projects/{projectId}/tags/{tagId}", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path), ("tagId" = String, Path)), request_body = TagPatch,
    responses((status = 200, body = TagEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((p, t)): Ids,
    ApiJson(body): ApiJson<TagPatch>,
) -> ApiResult<Json<TagEnvelope>> {
    Ok(Json(TagEnvelope { tag: service::update(&state, &actor, &p, &t, &body).await? }))
}

/// Deletes a tag and unlinks it from every secret (members and admins).
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}/tags/{tagId}", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = TagEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<AppState>, actor: Actor, ApiPath((p, t)): Ids) -> ApiResult<Json<TagEnvelope>> {
    Ok(Json(TagEnvelope { tag: service::delete(&state, &actor, &p, &t).await? }))
}

/// A tag by its slug.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/tags/slug/{tagSlug}", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path), ("tagSlug" = String, Path)),
    responses((status = 200, body = TagEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_by_slug(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((p, s)): Ids,
) -> ApiResult<Json<TagEnvelope>> {
    Ok(Json(TagEnvelope { tag: service::get_by_slug(&state, &actor, &p, &s).await? }))
}

/// A project's tags (older path).
#[utoipa::path(get, path = "/api/v1/workspace/{workspaceId}/tags", tag = TAG, security(("bearer" = [])),
    params(("workspaceId" = String, Path)),
    responses((status = 200, body = WorkspaceTagsOut), (status = 404, body = ErrorBody)))]
pub async fn ws_list(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<WorkspaceTagsOut>> {
    Ok(Json(WorkspaceTagsOut { workspace_tags: service::list(&state, &actor, &p).await? }))
}

/// Creates a tag (older path).
#[utoipa::path(post, path = "/api/v1/workspace/{workspaceId}/tags", tag = TAG, security(("bearer" = [])),
    params(("workspaceId" = String, Path)), request_body = TagIn,
    responses((status = 200, body = WorkspaceTagEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ws_create(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(p): ApiPath<String>,
    ApiJson(body): ApiJson<TagIn>,
) -> ApiResult<Json<WorkspaceTagEnvelope>> {
    Ok(workspace(service::create(&state, &actor, &p, &body).await?))
}

/// One tag (older path).
#[utoipa::path(get, path = "/api/v1/workspace/{workspaceId}/tags/{tagId}", tag = TAG, security(("bearer" = [])),
    params(("workspaceId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = WorkspaceTagEnvelope), (status = 404, body = ErrorBody)))]
pub async fn ws_get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((p, t)): Ids,
) -> ApiResult<Json<WorkspaceTagEnvelope>> {
    Ok(workspace(service::get(&state, &actor, &p, &t).await?))
}

/// Renames or recolors a tag (older path).
#[utoipa::path(patch, path = "/api/v1/workspace/{workspaceId}/tags/{tagId}", tag = TAG, security(("bearer" = [])),
    params(("workspaceId" = String, Path), ("tagId" = String, Path)), request_body = TagPatch,
    responses((status = 200, body = WorkspaceTagEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ws_update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((p, t)): Ids,
    ApiJson(body): ApiJson<TagPatch>,
) -> ApiResult<Json<WorkspaceTagEnvelope>> {
    Ok(workspace(service::update(&state, &actor, &p, &t, &body).await?))
}

/// Deletes a tag (older path).
#[utoipa::path(delete, path = "/api/v1/workspace/{workspaceId}/tags/{tagId}", tag = TAG, security(("bearer" = [])),
    params(("workspaceId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = WorkspaceTagEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ws_delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((p, t)): Ids,
) -> ApiResult<Json<WorkspaceTagEnvelope>> {
    Ok(workspace(service::delete(&state, &actor, &p, &t).await?))
}

/// A tag by its slug (older path).
#[utoipa::path(get, path = "/api/v1/workspace/{workspaceId}/tags/slug/{tagSlug}", tag = TAG, security(("bearer" = [])),
    params(("workspaceId" = String, Path), ("tagSlug" = String, Path)),
    responses((status = 200, body = WorkspaceTagEnvelope), (status = 404, body = ErrorBody)))]
pub async fn ws_get_by_slug(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((p, s)): Ids,
) -> ApiResult<Json<WorkspaceTagEnvelope>> {
    Ok(workspace(service::get_by_slug(&state, &actor, &p, &s).await?))
}
