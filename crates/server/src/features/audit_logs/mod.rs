//! The audit-log reader: `GET /api/v1/projects/{projectId}/audit-logs` (project admins) and
//! Infisical's `GET /api/v1/organization/audit-logs` (with `projectId`, or the whole
//! organization for its admins). Entries are written by [`crate::audit`].

pub mod service;

use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};
use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::audit_logs::{AuditLogQuery, AuditLogsOut};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().routes(routes!(project_audit_logs)).routes(routes!(org_audit_logs))
}

/// A project's audit log, newest first (project admins). Filters: `eventType` (comma
/// list), `actor` (user or identity id), `actorType`, `startDate`/`endDate` (ISO 8601),
/// `offset`, `limit` (1–1000, default 20).
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/audit-logs", tag = "audit-logs",
    params(("projectId" = String, Path), AuditLogQuery),
    responses((status = 200, body = AuditLogsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn project_audit_logs(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<AuditLogQuery>,
) -> ApiResult<Json<AuditLogsOut>> {
    Ok(Json(AuditLogsOut { audit_logs: service::list_project(&state, &actor, &project_id, &q).await? }))
}

/// Infisical's audit-log path: with `projectId`, that project's log (project admins);
/// without, the organization's whole log (organization admins; users in several
/// organizations add `organizationId`). Same filters as the project reader.
#[utoipa::path(get, path = "/api/v1/organization/audit-logs", tag = "audit-logs", params(AuditLogQuery),
    responses((status = 200, body = AuditLogsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn org_audit_logs(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AuditLogQuery>,
) -> ApiResult<Json<AuditLogsOut>> {
    Ok(Json(AuditLogsOut { audit_logs: service::list_org(&state, &actor, &q).await? }))
}
