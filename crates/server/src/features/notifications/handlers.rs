//! Routes of notification channels: extract, call [`super::service`], wrap the result.

use super::service;
use crate::auth::Actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::notifications::*;

const TAG: &str = "notification-channels";

type Ids = ApiPath<(String, String)>;

/// A project's notification channels (project admins).
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/notification-channels", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path)),
    responses((status = 200, body = NotificationChannelsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project): ApiPath<String>,
) -> ApiResult<Json<NotificationChannelsOut>> {
    Ok(Json(NotificationChannelsOut { notification_channels: service::list(&state, &actor, &project).await? }))
}

/// Creates a webhook (`type: webhook`, `url`) or email (`type: email`, `recipients`) channel.
/// A webhook's signing secret (`whsec_…`) is in this response only.
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/notification-channels", tag = TAG, security(("bearer" = [])),
    params(("projectId" = String, Path)), request_body = NotificationChannelIn,
    responses((status = 200, body = NotificationChannelCreatedOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(project): ApiPath<String>,
    ApiJson(body): ApiJson<NotificationChannelIn>,
) -> ApiResult<Json<NotificationChannelCreatedOut>> {
    let (channel, secret) = service::create(&state, &actor, &project, &body).await?;
    Ok(Json(NotificationChannelCreatedOut { notification_channel: channel, signing_secret: secret }))
}

/// One channel.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/notification-channels/{channelId}", tag = TAG,
    security(("bearer" = [])), params(("projectId" = String, Path), ("channelId" = String, Path)),
    responses((status = 200, body = NotificationChannelResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project, channel)): Ids,
) -> ApiResult<Json<NotificationChannelResponse>> {
    Ok(Json(NotificationChannelResponse {
        notification_channel: service::get(&state, &actor, &project, &channel).await?,
    }))
}

/// Renames, enables or disables a channel, or changes its events, URL or recipients.
#[utoipa::path(patch, path = "/api/v1/projects/{projectId}/notification-channels/{channelId}", tag = TAG,
    security(("bearer" = [])), params(("projectId" = String, Path), ("channelId" = String, Path)),
    request_body = NotificationChannelPatch,
    responses((status = 200, body = NotificationChannelResponse), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project, channel)): Ids,
    ApiJson(body): ApiJson<NotificationChannelPatch>,
) -> ApiResult<Json<NotificationChannelResponse>> {
    let out = service::update(&state, &actor, &project, &channel, &body).await?;
    Ok(Json(NotificationChannelResponse { notification_channel: out }))
}

/// Deletes a channel and its delivery log.
#[utoipa::path(delete, path = "/api/v1/projects/{projectId}/notification-channels/{channelId}", tag = TAG,
    security(("bearer" = [])), params(("projectId" = String, Path), ("channelId" = String, Path)),
    responses((status = 200, body = NotificationChannelResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project, channel)): Ids,
) -> ApiResult<Json<NotificationChannelResponse>> {
    let out = service::delete(&state, &actor, &project, &channel).await?;
    Ok(Json(NotificationChannelResponse { notification_channel: out }))
}

/// Sends a `test` event to the channel through the delivery path real events take, and
/// answers with its delivery after the first attempt (a failed one is retried later).
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/notification-channels/{channelId}/test", tag = TAG,
    security(("bearer" = [])), params(("projectId" = String, Path), ("channelId" = String, Path)),
    responses((status = 200, body = DeliveryResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project, channel)): Ids,
) -> ApiResult<Json<DeliveryResponse>> {
    Ok(Json(DeliveryResponse { delivery: service::test(&state, &actor, &project, &channel).await? }))
}

/// Replaces a webhook's signing secret; the new one is in this response only.
#[utoipa::path(post, path = "/api/v1/projects/{projectId}/notification-channels/{channelId}/rotate-secret",
    tag = TAG, security(("bearer" = [])), params(("projectId" = String, Path), ("channelId" = String, Path)),
    responses((status = 200, body = NotificationChannelCreatedOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project, channel)): Ids,
) -> ApiResult<Json<NotificationChannelCreatedOut>> {
    let (out, secret) = service::rotate_secret(&state, &actor, &project, &channel).await?;
    Ok(Json(NotificationChannelCreatedOut { notification_channel: out, signing_secret: Some(secret) }))
}

/// A channel's delivery log, newest first: status, attempts, last HTTP status and error.
#[utoipa::path(get, path = "/api/v1/projects/{projectId}/notification-channels/{channelId}/deliveries", tag = TAG,
    security(("bearer" = [])), params(("projectId" = String, Path), ("channelId" = String, Path), DeliveriesQuery),
    responses((status = 200, body = DeliveriesOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((project, channel)): Ids,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Json<DeliveriesOut>> {
    Ok(Json(service::deliveries(&state, &actor, &project, &channel, &q).await?))
}
