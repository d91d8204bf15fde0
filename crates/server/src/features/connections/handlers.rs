//! Routes of app connections: extract, call [`super::service`], wrap in Infisical's
//! response objects.

use super::service;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::connections::{
    AppConnectionOptionsOut, AppConnectionResponse, AppConnectionsResponse, AvailableConnectionsResponse,
    ConnectionScopeQuery, RailwayConnectionIn, RailwayConnectionPatch, RailwayProjectsOut,
};
use sluice_domain::App;

const TAG: &str = "app-connections";

/// Apps Sluice can connect to, with their credential methods.
#[utoipa::path(get, path = "/api/v1/app-connections/options", tag = TAG, security(("bearer" = [])),
    responses((status = 200, body = AppConnectionOptionsOut), (status = 401, body = ErrorBody)))]
pub async fn options(_actor: Actor) -> Json<AppConnectionOptionsOut> {
    Json(AppConnectionOptionsOut { app_connection_options: service::options() })
}

/// Every connection of the organization (all apps).
#[utoipa::path(get, path = "/api/v1/app-connections", tag = TAG, security(("bearer" = [])),
    params(("organizationId" = Option<String>, Query), ("projectId" = Option<String>, Query)),
    responses((status = 200, body = AppConnectionsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_all(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ConnectionScopeQuery>,
) -> ApiResult<Json<AppConnectionsResponse>> {
    Ok(Json(AppConnectionsResponse { app_connections: service::list(&state, &actor, &q, None).await? }))
}

/// Railway connections of the organization.
#[utoipa::path(get, path = "/api/v1/app-connections/railway", tag = TAG, security(("bearer" = [])),
    params(("organizationId" = Option<String>, Query), ("projectId" = Option<String>, Query)),
    responses((status = 200, body = AppConnectionsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_railway(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ConnectionScopeQuery>,
) -> ApiResult<Json<AppConnectionsResponse>> {
    Ok(Json(AppConnectionsResponse { app_connections: service::list(&state, &actor, &q, Some(App::Railway)).await? }))
}

/// Creates a Railway connection after Railway accepted the token (organization admins).
#[utoipa::path(post, path = "/api/v1/app-connections/railway", tag = TAG, security(("bearer" = [])),
    request_body = RailwayConnectionIn,
    responses((status = 200, body = AppConnectionResponse), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<RailwayConnectionIn>,
) -> ApiResult<Json<AppConnectionResponse>> {
    Ok(Json(AppConnectionResponse { app_connection: service::create(&state, &actor, &body).await? }))
}

/// Railway connections the caller may use in a sync (the sync form's picker).
#[utoipa::path(get, path = "/api/v1/app-connections/railway/available", tag = TAG, security(("bearer" = [])),
    params(("organizationId" = Option<String>, Query), ("projectId" = Option<String>, Query)),
    responses((status = 200, body = AvailableConnectionsResponse), (status = 404, body = ErrorBody)))]
pub async fn available(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ConnectionScopeQuery>,
) -> ApiResult<Json<AvailableConnectionsResponse>> {
    Ok(Json(AvailableConnectionsResponse { app_connections: service::available(&state, &actor, &q).await? }))
}

/// One Railway connection.
#[utoipa::path(get, path = "/api/v1/app-connections/railway/{connectionId}", tag = TAG, security(("bearer" = [])),
    params(("connectionId" = String, Path)),
    responses((status = 200, body = AppConnectionResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AppConnectionResponse>> {
    Ok(Json(AppConnectionResponse { app_connection: service::get(&state, &actor, &id).await? }))
}

/// Renames, re-describes or re-keys a connection; new credentials are checked with Railway first.
#[utoipa::path(patch, path = "/api/v1/app-connections/railway/{connectionId}", tag = TAG, security(("bearer" = [])),
    params(("connectionId" = String, Path)), request_body = RailwayConnectionPatch,
    responses((status = 200, body = AppConnectionResponse), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RailwayConnectionPatch>,
) -> ApiResult<Json<AppConnectionResponse>> {
    Ok(Json(AppConnectionResponse { app_connection: service::update(&state, &actor, &id, &body).await? }))
}

/// Deletes a connection no sync uses.
#[utoipa::path(delete, path = "/api/v1/app-connections/railway/{connectionId}", tag = TAG, security(("bearer" = [])),
    params(("connectionId" = String, Path)),
    responses((status = 200, body = AppConnectionResponse), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AppConnectionResponse>> {
    Ok(Json(AppConnectionResponse { app_connection: service::delete(&state, &actor, &id).await? }))
}

/// One Railway connection by name.
#[utoipa::path(get, path = "/api/v1/app-connections/railway/connection-name/{connectionName}", tag = TAG,
    security(("bearer" = [])),
    params(("connectionName" = String, Path), ("organizationId" = Option<String>, Query), ("projectId" = Option<String>, Query)),
    responses((status = 200, body = AppConnectionResponse), (status = 404, body = ErrorBody)))]
pub async fn get_by_name(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ConnectionScopeQuery>,
) -> ApiResult<Json<AppConnectionResponse>> {
    Ok(Json(AppConnectionResponse { app_connection: service::get_by_name(&state, &actor, &name, &q).await? }))
}

/// The destination picker: Railway projects (with services and environments) the token can write to.
#[utoipa::path(get, path = "/api/v1/app-connections/railway/{connectionId}/projects", tag = TAG,
    security(("bearer" = [])), params(("connectionId" = String, Path)),
    responses((status = 200, body = RailwayProjectsOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn railway_projects(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RailwayProjectsOut>> {
    Ok(Json(RailwayProjectsOut { projects: service::railway_projects(&state, &actor, &id).await? }))
}
