//! HTTP handlers of environment endpoints (`/api/v1/projects/{projectId}/environments`,
//! and Infisical's older `/api/v1/workspace/{workspaceId}/environments`).

use super::environments as envs;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::projects::*;

fn changed(message: &str, project_id: String, environment: EnvironmentOut) -> Json<EnvironmentChangedOut> {
    Json(EnvironmentChangedOut { message: message.to_string(), project_id, environment })
}

/// Create an environment (project admins). `slug`: lowercase letters, digits and hyphens;
/// `position` is 1-based (last when left out).
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/environments", tag = "environments",
    params(("projectId" = String, Path)), request_body = EnvironmentIn,
    responses((status = 200, body = EnvironmentChangedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(body): ApiJson<EnvironmentIn>,
) -> ApiResult<Json<EnvironmentChangedOut>> {
    let env = envs::create(&state, &actor, &project_id, &body).await?;
    Ok(changed("Successfully created new environment", env.project_id.clone(), env))
}

/// One environment of a project.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/environments/{envId}", tag = "environments",
    params(("projectId" = String, Path), ("envId" = String, Path)),
    responses((status = 200, body = EnvironmentEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, env_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<EnvironmentEnvelope>> {
    Ok(Json(EnvironmentEnvelope { environment: envs::get(&state, &actor, &project_id, &env_id).await? }))
}

/// Rename, re-slug or move an environment (project admins). Its secrets stay.
#[utoipa::path(patch, path = "/api/v1/projects/{projectId}/environments/{envId}", tag = "environments",
    params(("projectId" = String, Path), ("envId" = String, Path)), request_body = EnvironmentPatch,
    responses((status = 200, body = EnvironmentChangedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, env_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<EnvironmentPatch>,
) -> ApiResult<Json<EnvironmentChangedOut>> {
    let env = envs::update(&state, &actor, &project_id, &env_id, &body).await?;
    Ok(changed("Successfully updated environment", env.project_id.clone(), env))
}

/// Delete an environment and its secrets (project admins). The last one cannot go.
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}/environments/{envId}", tag = "environments",
    params(("projectId" = String, Path), ("envId" = String, Path)),
    responses((status = 200, body = EnvironmentChangedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project_id, env_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<EnvironmentChangedOut>> {
    let env = envs::delete(&state, &actor, &project_id, &env_id).await?;
    Ok(changed("Successfully deleted environment", env.project_id.clone(), env))
}

/// Infisical's older path to create an environment.
#[utoipa::path(post, path = "/api/v1/workspace/{workspaceId}/environments", tag = "environments",
    params(("workspaceId" = String, Path)), request_body = EnvironmentIn,
    responses((status = 200, body = EnvironmentChangedOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_v1_workspace(
    state: State<AppState>,
    actor: Actor,
    path: ApiPath<String>,
    body: ApiJson<EnvironmentIn>,
) -> ApiResult<Json<EnvironmentChangedOut>> {
    create(state, actor, path, body).await
}

/// Infisical's older path to update an environment.
#[utoipa::path(patch, path = "/api/v1/workspace/{workspaceId}/environments/{envId}", tag = "environments",
    params(("workspaceId" = String, Path), ("envId" = String, Path)), request_body = EnvironmentPatch,
    responses((status = 200, body = EnvironmentChangedOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_v1_workspace(
    state: State<AppState>,
    actor: Actor,
    path: ApiPath<(String, String)>,
    body: ApiJson<EnvironmentPatch>,
) -> ApiResult<Json<EnvironmentChangedOut>> {
    update(state, actor, path, body).await
}

/// Infisical's older path to delete an environment.
#[utoipa::path(delete, path = "/api/v1/workspace/{workspaceId}/environments/{envId}", tag = "environments",
    params(("workspaceId" = String, Path), ("envId" = String, Path)),
    responses((status = 200, body = EnvironmentChangedOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_v1_workspace(
    state: State<AppState>,
    actor: Actor,
    path: ApiPath<(String, String)>,
) -> ApiResult<Json<EnvironmentChangedOut>> {
    delete(state, actor, path).await
}
