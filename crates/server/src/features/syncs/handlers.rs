//! Routes of secret syncs: extract, call the service, wrap in Infisical's response objects.

use super::{actions, service, trust};
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::runs::{PlanResponse, SyncRunsOut};
use sluice_api_types::syncs::{
    CheckDestinationIn, CheckDestinationOut, ConfirmPlanIn, DeleteSyncQuery, DriftResponse, ImportQuery,
    OwnedKeysResponse, ProjectQuery, QueuedJobResponse, RailwaySyncIn, RailwaySyncPatch, RunsQuery,
    SecretSyncOptionOut, SecretSyncOptionsOut, SecretSyncResponse, SecretSyncsResponse,
};

const TAG: &str = "secret-syncs";

fn one(s: sluice_api_types::syncs::SecretSyncOut) -> Json<SecretSyncResponse> {
    Json(SecretSyncResponse { secret_sync: s })
}

/// Destinations Sluice can sync to.
#[utoipa::path(get, path = "/api/v1/secret-syncs/options", tag = TAG, security(("bearer" = [])),
    responses((status = 200, body = SecretSyncOptionsOut), (status = 401, body = ErrorBody)))]
pub async fn options(_actor: Actor) -> Json<SecretSyncOptionsOut> {
    Json(SecretSyncOptionsOut {
        secret_sync_options: vec![SecretSyncOptionOut {
            name: "Railway".to_string(),
            destination: "railway".to_string(),
            connection: "railway".to_string(),
            can_import_secrets: true,
            can_remove_secrets_on_deletion: true,
        }],
    })
}

/// Every sync of a project, all destinations.
#[utoipa::path(get, path = "/api/v1/secret-syncs", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Query)),
    responses((status = 200, body = SecretSyncsResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_all(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> ApiResult<Json<SecretSyncsResponse>> {
    Ok(Json(SecretSyncsResponse { secret_syncs: service::list(&state, &actor, &q, None).await? }))
}

/// Railway syncs of a project.
#[utoipa::path(get, path = "/api/v1/secret-syncs/railway", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Query)),
    responses((status = 200, body = SecretSyncsResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> ApiResult<Json<SecretSyncsResponse>> {
    Ok(Json(SecretSyncsResponse { secret_syncs: service::list(&state, &actor, &q, Some(service::DESTINATION)).await? }))
}

/// Creates a Railway sync; with auto-sync on, its first run is queued at once.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway", tag = TAG, security(("bearer" = [])),
    request_body = RailwaySyncIn,
    responses((status = 200, body = SecretSyncResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<RailwaySyncIn>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(service::create(&state, &actor, &body).await?))
}

/// One Railway sync.
#[utoipa::path(get, path = "/api/v1/secret-syncs/railway/{syncId}", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = SecretSyncResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(service::get(&state, &actor, &id).await?))
}

/// Edits a sync. `syncOptions` and `destinationConfig` replace the stored ones; a run is
/// queued when auto-sync is switched on, or when (with auto-sync on) what a run depends on changed.
#[utoipa::path(patch, path = "/api/v1/secret-syncs/railway/{syncId}", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)), request_body = RailwaySyncPatch,
    responses((status = 200, body = SecretSyncResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RailwaySyncPatch>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(service::update(&state, &actor, &id, &body).await?))
}

/// Deletes a sync; with `removeSecrets=true`, only after its variables were removed from Railway.
#[utoipa::path(delete, path = "/api/v1/secret-syncs/railway/{syncId}", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path), ("removeSecrets" = Option<String>, Query)),
    responses((status = 200, body = SecretSyncResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeleteSyncQuery>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(service::delete(&state, &actor, &id, &q).await?))
}

/// One Railway sync by name.
#[utoipa::path(get, path = "/api/v1/secret-syncs/railway/sync-name/{syncName}", tag = TAG, security(("bearer" = [])),
    params(("syncName" = String, Path), ("projectId" = String, Query)),
    responses((status = 200, body = SecretSyncResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_by_name(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(service::get_by_name(&state, &actor, &name, &q).await?))
}

/// Queues a run now (also with auto-sync off).
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/sync-secrets", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = SecretSyncResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sync_secrets(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(actions::sync_secrets(&state, &actor, &id).await?))
}

/// Queues an import of Railway's managed variables into the source.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/import-secrets", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path), ("importBehavior" = String, Query)),
    responses((status = 200, body = SecretSyncResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn import_secrets(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(actions::import_secrets(&state, &actor, &id, &q).await?))
}

/// Queues removing the sync's variables from Railway (the sync stays).
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/remove-secrets", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = SecretSyncResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_secrets(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SecretSyncResponse>> {
    Ok(one(actions::remove_secrets(&state, &actor, &id).await?))
}

/// Whether another sync of the organization already writes these Railway variables.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/check-destination", tag = TAG, security(("bearer" = [])),
    request_body = CheckDestinationIn,
    responses((status = 200, body = CheckDestinationOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_destination(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<CheckDestinationIn>,
) -> ApiResult<Json<CheckDestinationOut>> {
    Ok(Json(actions::check_destination(&state, &actor, &body).await?))
}

/// What the next run of this sync would do, reading the source and Railway now.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/plan", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = PlanResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn plan_saved(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PlanResponse>> {
    Ok(Json(PlanResponse { plan: actions::plan_saved(&state, &actor, &id).await? }))
}

/// What the first run of a sync would do, for a create body not saved yet.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/plan", tag = TAG, security(("bearer" = [])),
    request_body = RailwaySyncIn,
    responses((status = 200, body = PlanResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn plan_unsaved(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<RailwaySyncIn>,
) -> ApiResult<Json<PlanResponse>> {
    Ok(Json(PlanResponse { plan: actions::plan_unsaved(&state, &actor, &body).await? }))
}

/// The sync's run history, newest first.
#[utoipa::path(get, path = "/api/v1/secret-syncs/railway/{syncId}/runs", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path), ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = SyncRunsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn runs(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RunsQuery>,
) -> ApiResult<Json<SyncRunsOut>> {
    Ok(Json(actions::runs(&state, &actor, &id, &q).await?))
}

/// Queues a drift check: one read of Railway, compared with what the sync last wrote.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/check-drift", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = QueuedJobResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check_drift(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<QueuedJobResponse>> {
    Ok(Json(trust::check_drift(&state, &actor, &id).await?))
}

/// The latest drift report (key names and states, never values); `drift` is null before
/// the first check.
#[utoipa::path(get, path = "/api/v1/secret-syncs/railway/{syncId}/drift", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = DriftResponse), (status = 404, body = ErrorBody)))]
pub async fn drift(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DriftResponse>> {
    Ok(Json(DriftResponse { drift: trust::drift(&state, &actor, &id).await? }))
}

/// Confirms the plan a held run waits on (by its fingerprint) and queues the sync; a plan
/// that changed since needs a new confirmation.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/confirm-plan", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)), request_body = ConfirmPlanIn,
    responses((status = 200, body = QueuedJobResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn confirm_plan(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ConfirmPlanIn>,
) -> ApiResult<Json<QueuedJobResponse>> {
    Ok(Json(trust::confirm_plan(&state, &actor, &id, body.plan_hash.as_deref()).await?))
}

/// Queues deleting the keys the sync wrote that its configuration no longer manages.
#[utoipa::path(post, path = "/api/v1/secret-syncs/railway/{syncId}/remove-orphans", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = QueuedJobResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_orphans(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<QueuedJobResponse>> {
    Ok(Json(trust::remove_orphans(&state, &actor, &id).await?.0))
}

/// The destination keys the sync owns: what it wrote, and when.
#[utoipa::path(get, path = "/api/v1/secret-syncs/railway/{syncId}/keys", tag = TAG, security(("bearer" = [])),
    params(("syncId" = String, Path)),
    responses((status = 200, body = OwnedKeysResponse), (status = 404, body = ErrorBody)))]
pub async fn owned_keys(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<OwnedKeysResponse>> {
    Ok(Json(trust::owned_keys(&state, &actor, &id).await?))
}
