//! Notification channels (`/api/v1/projects/{projectId}/notification-channels`): webhooks
//! and email lists that hear about failing, recovering, held and drifted syncs, and their
//! delivery log. A webhook's signing secret appears in two responses only: the one that
//! created the channel and the one that rotated the secret.

use serde::{Deserialize, Serialize};
use sluice_domain::SecretToken;

/// `POST …/notification-channels`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannelIn {
    /// Slug: lowercase letters, digits and hyphens, at most 64 characters; unique in the project.
    pub name: Option<String>,
    /// `webhook` or `email`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Default true.
    pub is_enabled: Option<bool>,
    /// Events to receive (`sync.failed`, `sync.recovered`, `sync.held`, `sync.drifted`,
    /// `connection.rejected`); absent or null: every event, also those added later.
    pub event_types: Option<Vec<String>>,
    /// Webhooks: where to `POST` (http or https).
    pub url: Option<String>,
    /// Email: the addresses to write to.
    pub recipients: Option<Vec<String>>,
}

/// `PATCH …/notification-channels/{channelId}`: what is given changes.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannelPatch {
    pub name: Option<String>,
    pub is_enabled: Option<bool>,
    /// A list, or `null` for every event; absent keeps the subscription.
    #[serde(default, deserialize_with = "crate::connections::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub event_types: Option<Option<Vec<String>>>,
    pub url: Option<String>,
    pub recipients: Option<Vec<String>>,
}

/// A channel. Never carries the signing secret.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannelOut {
    pub id: String,
    pub project_id: String,
    pub name: String,
    /// `webhook` or `email`.
    #[serde(rename = "type")]
    pub kind: String,
    pub is_enabled: bool,
    /// True when the channel receives every event (also those added later).
    pub all_events: bool,
    /// The events it receives.
    pub event_types: Vec<String>,
    /// Webhooks: the URL.
    pub url: Option<String>,
    /// Email: the recipients.
    pub recipients: Option<Vec<String>>,
    pub created_at: String,
    pub updated_at: String,
}

/// One channel.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannelResponse {
    pub notification_channel: NotificationChannelOut,
}

/// A created webhook (or one whose secret was rotated), with its signing secret: the only
/// time it is shown.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannelCreatedOut {
    pub notification_channel: NotificationChannelOut,
    /// `whsec_…` (webhooks only): verify `webhook-signature` with it. Not shown again.
    /// (`Debug` does not print it.)
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub signing_secret: Option<SecretToken>,
}

/// `GET …/notification-channels`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannelsOut {
    pub notification_channels: Vec<NotificationChannelOut>,
}

/// One delivery of one event to one channel: the delivery log's line. Never a secret.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryOut {
    pub id: String,
    pub channel_id: String,
    /// The event's id: the `webhook-id` header, the same on every attempt.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// The HTTP status of the last answer (webhooks).
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<String>,
    /// When the event happened.
    pub created_at: String,
    pub updated_at: String,
    /// When it was delivered or given up.
    pub finished_at: Option<String>,
}

/// `POST …/{channelId}/test`: the test event's delivery, after its first attempt.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryResponse {
    pub delivery: DeliveryOut,
}

/// `GET …/{channelId}/deliveries`, newest first.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveriesOut {
    pub deliveries: Vec<DeliveryOut>,
    pub total_count: i64,
}

/// Paging of the delivery log.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DeliveriesQuery {
    /// Default 0.
    pub offset: Option<i64>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}
