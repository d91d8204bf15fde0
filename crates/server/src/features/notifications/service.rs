//! Notification channels: create (a webhook's signing secret is made here, sealed with the
//! project's data key and shown once), read, edit, delete, rotate the secret, send a test
//! event through the same outbox and delivery path as real events, and read the log.
//! Audit entries (create, update, delete, rotate, test) carry names and counts, never the
//! secret.

use crate::auth::Actor;
use crate::auth::authz::{Need, ProjectAccess};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::projects::manage::{access, project_id};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::notifications::*;
use sluice_api_types::{iso, iso_opt};
use sluice_core::audit::{self, AuditEvent};
use sluice_core::signing_secrets;
use sluice_domain::notifications::Subscription;
use sluice_domain::{ChannelId, ChannelKind, EventType, SecretToken, Slug};
use sluice_notify::SigningSecret;
use sluice_notify::email::{RECIPIENTS_MAX, parse_address};
use sluice_notify::webhook::parse_url;
use sluice_storage::notifications::{self, ChannelRow, DeliveryRow, subscription_text};
use sluice_storage::{Conn, StorageError, now_ms};

/// Longest channel name.
pub const NAME_MAX: usize = 64;
/// Default and largest page of the delivery log.
pub const LIMIT_DEFAULT: i64 = 20;
pub const LIMIT_MAX: i64 = 100;

const SUBJECT: &str = "notification-channels";

pub fn channel_out(row: &ChannelRow) -> NotificationChannelOut {
    let subscription = row.subscription();
    NotificationChannelOut {
        id: row.id.to_string(),
        project_id: row.project_id.to_string(),
        name: row.name.clone(),
        kind: row.kind.to_string(),
        is_enabled: row.is_enabled,
        all_events: subscription == Subscription::All,
        event_types: subscription.events().iter().map(|e| e.to_string()).collect(),
        url: row.webhook_url.clone(),
        recipients: (row.kind == ChannelKind::Email).then(|| row.recipient_list()),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}

pub fn delivery_out(row: &DeliveryRow) -> DeliveryOut {
    DeliveryOut {
        id: row.id.to_string(),
        channel_id: row.channel_id.to_string(),
        event_id: row.event_id.to_string(),
        event_type: row.event_type.to_string(),
        status: row.status.to_string(),
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        last_status_code: row.last_status,
        last_error: row.last_error.clone(),
        next_attempt_at: iso_opt(row.next_attempt_at.filter(|_| row.status == sluice_domain::DeliveryStatus::Pending)),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
        finished_at: iso_opt(row.finished_at),
    }
}

/// The caller's admin access to the project in the path.
async fn admin(state: &AppState, conn: &mut Conn, actor: &Actor, raw: &str, action: &str) -> ApiResult<ProjectAccess> {
    let pid = project_id(raw, "params.projectId")?;
    access(state, conn, actor, &pid, Need::Admin, action, SUBJECT).await
}

fn not_found(raw: &str) -> ApiError {
    ApiError::not_found(format!("Notification channel with ID '{raw}' not found"))
}

/// A channel of the project in `access`; 404 for one of another project.
async fn channel_of(conn: &mut Conn, access: &ProjectAccess, raw: &str) -> ApiResult<ChannelRow> {
    let id = parse_id(raw, "params.channelId", ChannelId::parse)?;
    notifications::get_channel(conn, &id)
        .await?
        .filter(|c| c.project_id == access.project_id)
        .ok_or_else(|| not_found(raw))
}

fn parse_name(raw: Option<&str>) -> ApiResult<String> {
    Slug::parse(raw.unwrap_or(""), "name", NAME_MAX)
        .map(|s| s.as_str().to_string())
        .map_err(|e| ApiError::invalid("body.name", e.message))
}

fn parse_events(raw: Option<&[String]>) -> ApiResult<Subscription> {
    Subscription::parse(raw).map_err(|m| ApiError::invalid("body.eventTypes", m))
}

fn parse_recipients(raw: &[String]) -> ApiResult<String> {
    if raw.is_empty() {
        return Err(ApiError::invalid("body.recipients", "an email channel needs at least one recipient"));
    }
    if raw.len() > RECIPIENTS_MAX {
        return Err(ApiError::invalid("body.recipients", format!("at most {RECIPIENTS_MAX} recipients")));
    }
    let mut list: Vec<String> = Vec::new();
    for r in raw {
        let address = parse_address(r).map_err(|m| ApiError::invalid("body.recipients", m))?;
        if !list.contains(&address) {
            list.push(address);
        }
    }
    Ok(serde_json::Value::from(list).to_string())
}

fn duplicate(name: &str) -> ApiError {
    ApiError::bad_request(format!("A notification channel named \"{name}\" already exists in this project"))
}

fn conflict_or(e: StorageError, name: &str) -> ApiError {
    if e.is_conflict() { duplicate(name) } else { e.into() }
}

/// What a channel's audit entries say about it: never the secret, and of a webhook's URL
/// only its host (a receiver's URL may carry a token of its own, as Slack's do).
fn audit_meta(row: &ChannelRow) -> serde_json::Value {
    let host = row.webhook_url.as_deref().and_then(url_host);
    json!({
        "channelId": row.id, "name": row.name, "type": row.kind, "isEnabled": row.is_enabled,
        "eventTypes": row.subscription().events(), "urlHost": host,
        "recipientCount": row.recipient_list().len(),
    })
}

/// `hooks.example.com` of `https://hooks.example.com/x?token=…`.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(authority.to_string())
}

async fn record(conn: &mut Conn, actor: &Actor, action: &'static str, row: &ChannelRow) -> ApiResult<()> {
    let event = AuditEvent::new(action)
        .project(&row.project_id)
        .target("notification-channel", row.id.clone())
        .meta(audit_meta(row));
    audit::record(conn, actor, event).await?;
    Ok(())
}

pub async fn list(state: &AppState, actor: &Actor, raw_project: &str) -> ApiResult<Vec<NotificationChannelOut>> {
    let mut conn = state.store.read().await?;
    let access = admin(state, &mut conn, actor, raw_project, "read").await?;
    Ok(notifications::list_channels(&mut conn, &access.project_id).await?.iter().map(channel_out).collect())
}

pub async fn get(state: &AppState, actor: &Actor, raw_project: &str, raw: &str) -> ApiResult<NotificationChannelOut> {
    let mut conn = state.store.read().await?;
    let access = admin(state, &mut conn, actor, raw_project, "read").await?;
    Ok(channel_out(&channel_of(&mut conn, &access, raw).await?))
}

/// Creates a channel; a webhook comes back with its signing secret, shown this once.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    body: &NotificationChannelIn,
) -> ApiResult<(NotificationChannelOut, Option<SecretToken>)> {
    let name = parse_name(body.name.as_deref())?;
    let raw_kind = body.kind.as_deref().map(str::trim).unwrap_or("");
    let kind: ChannelKind = raw_kind
        .parse()
        .map_err(|_| ApiError::invalid("body.type", format!("type must be webhook or email (got \"{raw_kind}\")")))?;
    let subscription = parse_events(body.event_types.as_deref())?;
    let (url, recipients) = match kind {
        ChannelKind::Webhook => {
            if body.recipients.is_some() {
                return Err(ApiError::invalid("body.recipients", "only email channels have recipients"));
            }
            let url = parse_url(body.url.as_deref().unwrap_or("")).map_err(|m| ApiError::invalid("body.url", m))?;
            (Some(url), None)
        }
        ChannelKind::Email => {
            if body.url.is_some() {
                return Err(ApiError::invalid("body.url", "only webhooks have a URL"));
            }
            (None, Some(parse_recipients(body.recipients.as_deref().unwrap_or(&[]))?))
        }
    };

    let mut tx = state.store.write().await?;
    let access = admin(state, &mut tx, actor, raw_project, "create").await?;
    if notifications::get_channel_by_name(&mut tx, &access.project_id, &name).await?.is_some() {
        return Err(duplicate(&name));
    }
    let id = ChannelId::new();
    let secret = (kind == ChannelKind::Webhook).then(SigningSecret::generate);
    let sealed = match &secret {
        Some(s) => Some(signing_secrets::seal(state.core.keys(), &mut tx, &access.project_id, &id, s.token()).await?),
        None => None,
    };
    let now = now_ms();
    let row = ChannelRow {
        id,
        project_id: access.project_id.clone(),
        name,
        kind,
        is_enabled: body.is_enabled.unwrap_or(true),
        event_types: subscription_text(&subscription),
        webhook_url: url,
        recipients,
        signing_secret_ct: sealed,
        created_at: now,
        updated_at: now,
    };
    notifications::insert_channel(&mut tx, &row).await.map_err(|e| conflict_or(e, &row.name))?;
    record(&mut tx, actor, "create-notification-channel", &row).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok((channel_out(&row), secret.map(|s| s.token().clone())))
}

pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw: &str,
    patch: &NotificationChannelPatch,
) -> ApiResult<NotificationChannelOut> {
    let name = patch.name.as_deref().map(|n| parse_name(Some(n))).transpose()?;
    let subscription = patch.event_types.as_ref().map(|list| parse_events(list.as_deref())).transpose()?;
    let mut tx = state.store.write().await?;
    let access = admin(state, &mut tx, actor, raw_project, "edit").await?;
    let mut row = channel_of(&mut tx, &access, raw).await?;
    match row.kind {
        ChannelKind::Webhook => {
            if patch.recipients.is_some() {
                return Err(ApiError::invalid("body.recipients", "only email channels have recipients"));
            }
            if let Some(url) = &patch.url {
                row.webhook_url = Some(parse_url(url).map_err(|m| ApiError::invalid("body.url", m))?);
            }
        }
        ChannelKind::Email => {
            if patch.url.is_some() {
                return Err(ApiError::invalid("body.url", "only webhooks have a URL"));
            }
            if let Some(list) = &patch.recipients {
                row.recipients = Some(parse_recipients(list)?);
            }
        }
    }
    if let Some(name) = name {
        row.name = name;
    }
    if let Some(enabled) = patch.is_enabled {
        row.is_enabled = enabled;
    }
    if let Some(sub) = subscription {
        row.event_types = subscription_text(&sub);
    }
    notifications::update_channel(&mut tx, &row).await.map_err(|e| conflict_or(e, &row.name))?;
    row.updated_at = now_ms();
    record(&mut tx, actor, "update-notification-channel", &row).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(channel_out(&row))
}

/// Deletes a channel and its delivery log.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw: &str,
) -> ApiResult<NotificationChannelOut> {
    let mut tx = state.store.write().await?;
    let access = admin(state, &mut tx, actor, raw_project, "delete").await?;
    let row = channel_of(&mut tx, &access, raw).await?;
    notifications::delete_channel(&mut tx, &row.id).await?;
    record(&mut tx, actor, "delete-notification-channel", &row).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(channel_out(&row))
}

/// Replaces a webhook's signing secret; the new one is shown this once.
pub async fn rotate_secret(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw: &str,
) -> ApiResult<(NotificationChannelOut, SecretToken)> {
    let mut tx = state.store.write().await?;
    let access = admin(state, &mut tx, actor, raw_project, "edit").await?;
    let row = channel_of(&mut tx, &access, raw).await?;
    if row.kind != ChannelKind::Webhook {
        return Err(ApiError::bad_request("Only webhooks have a signing secret"));
    }
    let secret = SigningSecret::generate();
    let sealed = signing_secrets::seal(state.core.keys(), &mut tx, &row.project_id, &row.id, secret.token()).await?;
    notifications::set_signing_secret(&mut tx, &row.id, &sealed).await?;
    record(&mut tx, actor, "rotate-notification-channel-secret", &row).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok((channel_out(&row), secret.token().clone()))
}

/// Sends a `test` event to one channel (enabled or not) through the outbox and the
/// delivery path real events take, and answers with its delivery after the first attempt.
/// A failed attempt is retried like any other.
pub async fn test(state: &AppState, actor: &Actor, raw_project: &str, raw: &str) -> ApiResult<DeliveryOut> {
    let delivery_id = {
        let mut tx = state.store.write().await?;
        let access = admin(state, &mut tx, actor, raw_project, "test").await?;
        let channel = channel_of(&mut tx, &access, raw).await?;
        let data = json!({
            "projectId": channel.project_id, "channelId": channel.id, "channelName": channel.name,
            "message": "This is a test event from Sluice: the channel works.",
        });
        let id = notifications::emit_to(&mut tx, &channel, EventType::Test, &data).await?;
        record(&mut tx, actor, "test-notification-channel", &channel).await?;
        tx.commit().await.map_err(StorageError::from)?;
        id
    };
    let sent = sluice_notify::deliver_one(&state.notifier, &delivery_id).await.map_err(ApiError::internal)?;
    let row = match sent {
        Some(row) => row,
        None => {
            let mut conn = state.store.read().await?;
            notifications::get_delivery(&mut conn, &delivery_id)
                .await?
                .ok_or_else(|| ApiError::internal("the test delivery vanished"))?
        }
    };
    Ok(delivery_out(&row))
}

/// A channel's delivery log, newest first.
pub async fn deliveries(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw: &str,
    q: &DeliveriesQuery,
) -> ApiResult<DeliveriesOut> {
    let limit = q.limit.unwrap_or(LIMIT_DEFAULT);
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(ApiError::invalid("query.limit", format!("limit must be between 1 and {LIMIT_MAX} (got {limit})")));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("query.offset", format!("offset must be 0 or more (got {offset})")));
    }
    let mut conn = state.store.read().await?;
    let access = admin(state, &mut conn, actor, raw_project, "read").await?;
    let channel = channel_of(&mut conn, &access, raw).await?;
    let (rows, total) = notifications::list_deliveries(&mut conn, &channel.id, offset, limit).await?;
    Ok(DeliveriesOut { deliveries: rows.iter().map(delivery_out).collect(), total_count: total })
}
