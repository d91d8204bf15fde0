//! Notification channels and the outbox of their deliveries.
//!
//! [`emit`] writes an event inside the caller's transaction (the one that records what
//! happened, so an event exists exactly when its cause does): one `pending` delivery row
//! per enabled channel of the project that subscribes to it. The delivery loop
//! (`sluice-notify`) then [`claim`]s due rows with a lease (a compare-and-set, after
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, as [`crate::jobs::claim`] does), sends them
//! outside any transaction, and [`record_attempt`]s the outcome; a node that dies
//! mid-send leaves a lease that runs out, and the row is claimed again. The rows are the
//! delivery log too: status, attempts, last HTTP status and last error, never a secret.

use crate::db::Backend;
use crate::{Conn, Result, StorageError, dialect, now_ms};
use sluice_domain::notifications::{DELIVERY_RETRY, Subscription};
use sluice_domain::{ChannelId, ChannelKind, DeliveryId, DeliveryStatus, EventId, EventType, ProjectId};

#[derive(Clone, sqlx::FromRow)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub project_id: ProjectId,
    pub name: String,
    pub kind: ChannelKind,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub is_enabled: bool,
    /// JSON array of event types; `None` for every event (see [`ChannelRow::subscription`]).
    pub event_types: Option<String>,
    pub webhook_url: Option<String>,
    /// JSON array of addresses.
    pub recipients: Option<String>,
    /// The sealed signing secret of a webhook.
    pub signing_secret_ct: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Leaves the sealed secret out.
impl std::fmt::Debug for ChannelRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("is_enabled", &self.is_enabled)
            .finish_non_exhaustive()
    }
}

impl ChannelRow {
    /// The events the channel receives. A stored list this build cannot read (an event a
    /// later Sluice added) keeps the events it knows.
    pub fn subscription(&self) -> Subscription {
        match &self.event_types {
            None => Subscription::All,
            Some(text) => {
                let words: Vec<String> = serde_json::from_str(text).unwrap_or_default();
                let known: Vec<EventType> = words.iter().filter_map(|w| w.parse().ok()).collect();
                Subscription::Only(known)
            }
        }
    }

    /// The recipients of an email channel.
    pub fn recipient_list(&self) -> Vec<String> {
        self.recipients.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
    }
}

/// The stored form of a subscription.
pub fn subscription_text(sub: &Subscription) -> Option<String> {
    match sub {
        Subscription::All => None,
        Subscription::Only(list) => {
            Some(serde_json::Value::from(list.iter().map(|e| e.as_str()).collect::<Vec<_>>()).to_string())
        }
    }
}

/// Every column of `notification_channels`, with the flag readable on both backends.
const CHANNEL_COLUMNS: &str = "id, project_id, name, kind, (is_enabled = TRUE) AS is_enabled, event_types, \
    webhook_url, recipients, signing_secret_ct, created_at, updated_at";

pub async fn insert_channel(conn: &mut Conn, row: &ChannelRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_channels (id, project_id, name, kind, is_enabled, event_types, webhook_url,
           recipients, signing_secret_ct, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&row.id)
    .bind(&row.project_id)
    .bind(&row.name)
    .bind(row.kind)
    .bind(row.is_enabled)
    .bind(&row.event_types)
    .bind(&row.webhook_url)
    .bind(&row.recipients)
    .bind(&row.signing_secret_ct)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_channel(conn: &mut Conn, id: &ChannelId) -> Result<Option<ChannelRow>> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?)
}

pub async fn get_channel_by_name(conn: &mut Conn, project: &ProjectId, name: &str) -> Result<Option<ChannelRow>> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE project_id = $1 AND name = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project).bind(name).fetch_optional(conn).await?)
}

/// Channels of a project, by name.
pub async fn list_channels(conn: &mut Conn, project: &ProjectId) -> Result<Vec<ChannelRow>> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE project_id = $1 ORDER BY name, id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project).fetch_all(conn).await?)
}

/// Writes what a PATCH can change (name, enabled, events, URL, recipients).
pub async fn update_channel(conn: &mut Conn, row: &ChannelRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notification_channels SET name = $1, is_enabled = $2, event_types = $3, webhook_url = $4,
           recipients = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&row.name)
    .bind(row.is_enabled)
    .bind(&row.event_types)
    .bind(&row.webhook_url)
    .bind(&row.recipients)
    .bind(now_ms())
    .bind(&row.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a webhook's sealed signing secret.
pub async fn set_signing_secret(conn: &mut Conn, id: &ChannelId, sealed: &[u8]) -> Result<bool> {
    let done = sqlx::query("UPDATE notification_channels SET signing_secret_ct = $1, updated_at = $2 WHERE id = $3")
        .bind(sealed)
        .bind(now_ms())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a channel and its delivery log.
pub async fn delete_channel(conn: &mut Conn, id: &ChannelId) -> Result<bool> {
    sqlx::query("DELETE FROM notification_deliveries WHERE channel_id = $1").bind(id).execute(&mut *conn).await?;
    let done = sqlx::query("DELETE FROM notification_channels WHERE id = $1").bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub project_id: ProjectId,
    pub channel_id: ChannelId,
    /// The event's id: the Standard Webhooks `webhook-id`, the same on every attempt.
    pub event_id: EventId,
    pub event_type: EventType,
    /// JSON object: the payload's `data` (names, ids, counts, messages; never values).
    pub data: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    /// When a pending delivery is next due.
    pub next_attempt_at: Option<i64>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    /// The HTTP status of the last answer (webhooks).
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// When the event happened (the payload's `timestamp`).
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

/// What [`emit`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    pub event_id: EventId,
    /// One per channel that receives the event.
    pub deliveries: Vec<DeliveryId>,
}

/// Records an event of a project for every enabled channel that subscribes to it, inside
/// the caller's transaction. `data` is the payload's `data` object: names, ids, counts and
/// messages, never a secret value.
pub async fn emit(conn: &mut Conn, project: &ProjectId, event: EventType, data: &serde_json::Value) -> Result<Emitted> {
    let channels: Vec<ChannelRow> = list_channels(conn, project).await?;
    let event_id = EventId::new();
    let mut deliveries = Vec::new();
    for channel in channels.iter().filter(|c| c.is_enabled && c.subscription().includes(event)) {
        deliveries.push(insert_delivery(conn, channel, &event_id, event, data).await?);
    }
    Ok(Emitted { event_id, deliveries })
}

/// Records an event for one channel only, whatever it subscribes to (the `test` event).
pub async fn emit_to(
    conn: &mut Conn,
    channel: &ChannelRow,
    event: EventType,
    data: &serde_json::Value,
) -> Result<DeliveryId> {
    insert_delivery(conn, channel, &EventId::new(), event, data).await
}

async fn insert_delivery(
    conn: &mut Conn,
    channel: &ChannelRow,
    event_id: &EventId,
    event: EventType,
    data: &serde_json::Value,
) -> Result<DeliveryId> {
    let id = DeliveryId::new();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO notification_deliveries (id, project_id, channel_id, event_id, event_type, data, status, attempts,
           max_attempts, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $8, $8)",
    )
    .bind(&id)
    .bind(&channel.project_id)
    .bind(&channel.id)
    .bind(event_id)
    .bind(event)
    .bind(data.to_string())
    .bind(i64::from(DELIVERY_RETRY.max_attempts))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Claims one due delivery for `owner` (taking a lease of `lease_ms` and counting the
/// attempt), or `None`. `due_by` (tests) treats deliveries scheduled up to then as due;
/// `only` claims that delivery or nothing (the test event, sent at once).
pub async fn claim(
    conn: &mut Conn,
    backend: Backend,
    owner: &str,
    lease_ms: i64,
    due_by: Option<i64>,
    only: Option<&DeliveryId>,
) -> Result<Option<DeliveryRow>> {
    let now = now_ms();
    let due = due_by.unwrap_or(now);
    let sql = format!(
        "SELECT id FROM notification_deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $2)
           AND ($3 = '' OR id = $3)
         ORDER BY next_attempt_at, id LIMIT 8{}",
        dialect::skip_locked(backend)
    );
    let candidates: Vec<DeliveryId> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(due)
        .bind(now)
        .bind(only.map_or("", |d| d.as_str()))
        .fetch_all(&mut *conn)
        .await?;
    for id in candidates {
        // The compare-and-set: only one claimer sees the lease free.
        let taken = sqlx::query(
            "UPDATE notification_deliveries SET lease_owner = $1, lease_until = $2, attempts = attempts + 1,
               updated_at = $3
             WHERE id = $4 AND status = 'pending' AND (lease_until IS NULL OR lease_until < $3)",
        )
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        if taken.rows_affected() != 1 {
            continue;
        }
        let row =
            sqlx::query_as("SELECT * FROM notification_deliveries WHERE id = $1").bind(&id).fetch_one(&mut *conn).await;
        match row.map_err(StorageError::from) {
            Ok(row) => return Ok(Some(row)),
            Err(e) if e.is_undecodable() => {
                let message = format!("this Sluice cannot send the delivery: {e}");
                finish_unreadable(conn, &id, &message).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

async fn finish_unreadable(conn: &mut Conn, id: &DeliveryId, message: &str) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE notification_deliveries SET status = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL,
           next_attempt_at = NULL, finished_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(message)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// How one attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered {
        status: Option<i64>,
    },
    /// Try again at `retry_at` (unix ms).
    Retry {
        status: Option<i64>,
        error: String,
        retry_at: i64,
    },
    /// No more attempts.
    Failed {
        status: Option<i64>,
        error: String,
    },
}

/// Records an attempt's outcome and frees the lease. False when `owner` no longer held it
/// (another node took the delivery over after the lease ran out): nothing is changed.
pub async fn record_attempt(conn: &mut Conn, id: &DeliveryId, owner: &str, outcome: &AttemptOutcome) -> Result<bool> {
    let now = now_ms();
    let (status, http, error, next, finished) = match outcome {
        AttemptOutcome::Delivered { status } => (DeliveryStatus::Delivered, *status, None, None, Some(now)),
        AttemptOutcome::Retry { status, error, retry_at } => {
            (DeliveryStatus::Pending, *status, Some(error.as_str()), Some(*retry_at), None)
        }
        AttemptOutcome::Failed { status, error } => {
            (DeliveryStatus::Failed, *status, Some(error.as_str()), None, Some(now))
        }
    };
    let done = sqlx::query(
        "UPDATE notification_deliveries SET status = $1, last_status = $2, last_error = $3, next_attempt_at = $4,
           finished_at = $5, lease_owner = NULL, lease_until = NULL, updated_at = $6
         WHERE id = $7 AND lease_owner = $8 AND status = 'pending'",
    )
    .bind(status)
    .bind(http)
    .bind(error.map(|e| truncate(e, 1024)))
    .bind(next)
    .bind(finished)
    .bind(now)
    .bind(id)
    .bind(owner)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

pub async fn get_delivery(conn: &mut Conn, id: &DeliveryId) -> Result<Option<DeliveryRow>> {
    Ok(sqlx::query_as("SELECT * FROM notification_deliveries WHERE id = $1").bind(id).fetch_optional(conn).await?)
}

/// A channel's deliveries, newest first, and how many there are in all.
pub async fn list_deliveries(
    conn: &mut Conn,
    channel: &ChannelId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<DeliveryRow>, i64)> {
    let rows = sqlx::query_as(
        "SELECT * FROM notification_deliveries WHERE channel_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(channel)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notification_deliveries WHERE channel_id = $1")
        .bind(channel)
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}

/// Every delivery of a project's events, newest first (tests and tools).
pub async fn list_for_project(conn: &mut Conn, project: &ProjectId) -> Result<Vec<DeliveryRow>> {
    Ok(sqlx::query_as("SELECT * FROM notification_deliveries WHERE project_id = $1 ORDER BY created_at DESC, id DESC")
        .bind(project)
        .fetch_all(conn)
        .await?)
}

/// When the next pending delivery falls due (for the loop deciding how long to wait); one
/// another node is sending counts from when its lease runs out.
pub async fn next_due(conn: &mut Conn) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)
         FROM notification_deliveries WHERE status = 'pending'",
    )
    .fetch_one(conn)
    .await?)
}

/// Pending deliveries (due or waiting for a retry).
pub async fn pending_count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notification_deliveries WHERE status = 'pending'")
        .fetch_one(conn)
        .await?)
}

/// Deletes finished deliveries older than `keep_ms`; returns how many.
pub async fn prune(conn: &mut Conn, keep_ms: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM notification_deliveries WHERE status <> 'pending' AND finished_at < $1")
        .bind(now_ms() - keep_ms)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Frees the leases a node held (after it restarted): its deliveries are claimable at once.
pub async fn release_node(conn: &mut Conn, owner: &str) -> Result<u64> {
    let done =
        sqlx::query("UPDATE notification_deliveries SET lease_until = 0 WHERE status = 'pending' AND lease_owner = $1")
            .bind(owner)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}
