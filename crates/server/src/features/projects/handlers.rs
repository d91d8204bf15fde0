//! HTTP handlers of the project endpoints, at Infisical's current paths
//! (`/api/v1/projects`) and its older ones (`/api/v2/workspace`, `/api/v1/workspace`).

use super::{manage, retention};
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::projects::*;

/// Create a project with the environments `dev`, `staging` and `prod`. Any member of the
/// organization may; the creator becomes the project's admin. Users who belong to several
/// organizations say which with `organizationId`.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectIn,
    responses((status = 200, body = ProjectEnvelope), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<ProjectIn>,
) -> ApiResult<Json<ProjectEnvelope>> {
    Ok(Json(ProjectEnvelope { project: manage::create(&state, &actor, &body).await? }))
}

/// Infisical's older path to create a project.
#[utoipa::path(post, path = "/api/v2/workspace", tag = "projects", request_body = ProjectIn,
    responses((status = 200, body = ProjectEnvelope), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_v2(
    state: State<AppState>,
    actor: Actor,
    body: ApiJson<ProjectIn>,
) -> ApiResult<Json<ProjectEnvelope>> {
    create(state, actor, body).await
}

/// The projects the caller can see, with their environments.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    responses((status = 200, body = ProjectsOut), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<ProjectsOut>> {
    Ok(Json(ProjectsOut { projects: manage::list(&state, &actor).await? }))
}

/// Infisical's older listing: `{workspaces: [...]}`.
#[utoipa::path(get, path = "/api/v1/workspace", tag = "projects",
    responses((status = 200, body = WorkspacesOut), (status = 401, body = ErrorBody)))]
pub async fn list_v1_workspace(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<WorkspacesOut>> {
    Ok(Json(WorkspacesOut { workspaces: manage::list(&state, &actor).await? }))
}

/// A project with its environments.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}", tag = "projects", params(("projectId" = String, Path)),
    responses((status = 200, body = ProjectEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<Json<ProjectEnvelope>> {
    Ok(Json(ProjectEnvelope { project: manage::get(&state, &actor, &project_id).await? }))
}

/// Infisical's older path: `{workspace: ...}`.
#[utoipa::path(get, path = "/api/v1/workspace/{workspaceId}", tag = "projects", params(("workspaceId" = String, Path)),
    responses((status = 200, body = WorkspaceEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get_v1_workspace(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(workspace_id): ApiPath<String>,
) -> ApiResult<Json<WorkspaceEnvelope>> {
    Ok(Json(WorkspaceEnvelope { workspace: manage::get(&state, &actor, &workspace_id).await? }))
}

/// A project by its slug (the project object itself, as Infisical answers).
#[utoipa::path(get, path = "/api/v1/projects/slug/{slug}", tag = "projects", params(("slug" = String, Path)),
    responses((status = 200, body = ProjectOut), (status = 404, body = ErrorBody)))]
pub async fn get_by_slug(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<ProjectOut>> {
    Ok(Json(manage::get_by_slug(&state, &actor, &slug).await?))
}

/// Infisical's older path to a project by its slug (the project object itself, as at
/// `/api/v1/projects/slug/{slug}`).
#[utoipa::path(get, path = "/api/v2/workspace/{slug}", tag = "projects", params(("slug" = String, Path)),
    responses((status = 200, body = ProjectOut), (status = 404, body = ErrorBody)))]
pub async fn get_by_slug_v2_workspace(
    state: State<AppState>,
    actor: Actor,
    slug: ApiPath<String>,
) -> ApiResult<Json<ProjectOut>> {
    get_by_slug(state, actor, slug).await
}

/// Change a project's name, description or slug (project admins).
#[utoipa::path(patch, path = "/api/v1/projects/{projectId}", tag = "projects", params(("projectId" = String, Path)),
    request_body = ProjectPatch,
    responses((status = 200, body = ProjectEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(body): ApiJson<ProjectPatch>,
) -> ApiResult<Json<ProjectEnvelope>> {
    Ok(Json(ProjectEnvelope { project: manage::update(&state, &actor, &project_id, &body).await? }))
}

/// Delete a project with its environments, folders, secrets and syncs (project admins).
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}", tag = "projects", params(("projectId" = String, Path)),
    responses((status = 200, body = ProjectEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<Json<ProjectEnvelope>> {
    Ok(Json(ProjectEnvelope { project: manage::delete(&state, &actor, &project_id).await? }))
}

/// Infisical's older path to delete a project: `{workspace: ...}`.
#[utoipa::path(delete, path = "/api/v1/workspace/{workspaceId}", tag = "projects", params(("workspaceId" = String, Path)),
    responses((status = 200, body = WorkspaceEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_v1_workspace(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(workspace_id): ApiPath<String>,
) -> ApiResult<Json<WorkspaceEnvelope>> {
    Ok(Json(WorkspaceEnvelope { workspace: manage::delete(&state, &actor, &workspace_id).await? }))
}

/// What the version-limit endpoints answer on success (Infisical's text).
const VERSION_LIMIT_CHANGED: &str = "Successfully changed project version limit";

/// Set how many versions each secret of the project keeps (1 to 100; project admins).
/// Older versions are deleted at once. The project may be named by id or by slug.
#[utoipa::path(put, path = "/api/v1/projects/{projectId}/version-limit", tag = "projects",
    params(("projectId" = String, Path, description = "The project's id or slug")), request_body = VersionLimitIn,
    responses((status = 200, body = ProjectMessageOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_version_limit(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project): ApiPath<String>,
    ApiJson(body): ApiJson<VersionLimitIn>,
) -> ApiResult<Json<ProjectMessageOut>> {
    let project = retention::set_version_limit(&state, &actor, &project, &body.pit_version_limit).await?;
    Ok(Json(ProjectMessageOut { message: VERSION_LIMIT_CHANGED.to_string(), project }))
}

/// Infisical's older path to set the version limit: `{message, workspace}`.
#[utoipa::path(put, path = "/api/v1/workspace/{workspaceId}/version-limit", tag = "projects",
    params(("workspaceId" = String, Path, description = "The project's id or slug")), request_body = VersionLimitIn,
    responses((status = 200, body = WorkspaceMessageOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_version_limit_v1_workspace(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(workspace): ApiPath<String>,
    ApiJson(body): ApiJson<VersionLimitIn>,
) -> ApiResult<Json<WorkspaceMessageOut>> {
    let workspace = retention::set_version_limit(&state, &actor, &workspace, &body.pit_version_limit).await?;
    Ok(Json(WorkspaceMessageOut { message: VERSION_LIMIT_CHANGED.to_string(), workspace }))
}
