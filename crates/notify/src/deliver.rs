//! Delivering: claim a due delivery (a short write transaction taking its lease), send it
//! with no transaction open, record the outcome (another short transaction). A failed
//! attempt is tried again after [`sluice_domain::notifications::delivery_delay`] (6
//! attempts over about an hour, jittered, `Retry-After` honoured) and logged; the last
//! one, or a failure retrying cannot fix, ends the delivery `failed`.

use crate::email::Mailed;
use crate::message;
use crate::signature::SigningSecret;
use crate::webhook::Sent;
use crate::{Notifier, NotifyError};
use sluice_domain::notifications::delivery_delay;
use sluice_domain::{ChannelKind, DeliveryId, EventType};
use sluice_storage::notifications::{self, AttemptOutcome, ChannelRow, DeliveryRow};
use sluice_storage::now_ms;
use std::time::Duration;

/// Claims one delivery due by `due_by` (now when `None`), or exactly `only`.
async fn claim(
    notifier: &Notifier,
    due_by: Option<i64>,
    only: Option<&DeliveryId>,
) -> Result<Option<DeliveryRow>, NotifyError> {
    let store = notifier.core().store();
    let lease = notifier.settings().lease.as_millis() as i64;
    let mut tx = store.write().await?;
    let row = notifications::claim(&mut tx, store.backend(), notifier.node_id(), lease, due_by, only).await?;
    tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    Ok(row)
}

/// What one attempt gave, before the retry rule.
struct Attempt {
    status: Option<u16>,
    error: Option<String>,
    retry: bool,
    retry_after: Option<Duration>,
}

impl Attempt {
    fn delivered(status: Option<u16>) -> Self {
        Self { status, error: None, retry: false, retry_after: None }
    }

    fn failed(error: impl Into<String>, retry: bool) -> Self {
        Self { status: None, error: Some(error.into()), retry, retry_after: None }
    }
}

/// Sends a claimed delivery and records how it went. Returns the row as recorded.
async fn send_claimed(notifier: &Notifier, row: DeliveryRow) -> Result<DeliveryRow, NotifyError> {
    let channel = {
        let mut conn = notifier.core().store().read().await?;
        notifications::get_channel(&mut conn, &row.channel_id).await?
    };
    let attempt = match channel {
        None => Attempt::failed("the channel was deleted", false),
        Some(c) if !c.is_enabled && row.event_type != EventType::Test => {
            Attempt::failed("the channel is disabled", false)
        }
        Some(c) => attempt(notifier, &c, &row).await,
    };
    let status = attempt.status.map(i64::from);
    let outcome = match attempt.error {
        None => AttemptOutcome::Delivered { status },
        Some(error) if attempt.retry && row.attempts < row.max_attempts => {
            let delay = delivery_delay(row.attempts as u32, attempt.retry_after, rand::random::<f64>());
            let retry_at = now_ms() + delay.as_millis() as i64;
            tracing::warn!(delivery_id = %row.id, channel_id = %row.channel_id, event_type = %row.event_type,
                attempt = row.attempts, retry_in_s = delay.as_secs(), error = %error,
                "notification delivery failed; it will be retried");
            AttemptOutcome::Retry { status, error, retry_at }
        }
        Some(error) => {
            tracing::warn!(delivery_id = %row.id, channel_id = %row.channel_id, event_type = %row.event_type,
                attempt = row.attempts, error = %error, "notification delivery failed for good");
            AttemptOutcome::Failed { status, error }
        }
    };
    let mut tx = notifier.core().store().write().await?;
    if !notifications::record_attempt(&mut tx, &row.id, notifier.node_id(), &outcome).await? {
        tracing::warn!(delivery_id = %row.id, "a notification delivery's lease ran out while it was sent");
    }
    let recorded = notifications::get_delivery(&mut tx, &row.id).await?;
    tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    Ok(recorded.unwrap_or(row))
}

/// One attempt through the channel's kind.
async fn attempt(notifier: &Notifier, channel: &ChannelRow, row: &DeliveryRow) -> Attempt {
    match channel.kind {
        ChannelKind::Webhook => {
            let Some(url) = channel.webhook_url.as_deref() else {
                return Attempt::failed("the webhook has no URL", false);
            };
            let secret = {
                let opened = async {
                    let mut conn = notifier.core().store().read().await?;
                    Ok::<_, NotifyError>(
                        sluice_core::signing_secrets::open(notifier.core().keys(), &mut conn, channel).await?,
                    )
                }
                .await;
                match opened.map(|t| SigningSecret::parse(&t)) {
                    Ok(Ok(secret)) => secret,
                    Ok(Err(e)) => return Attempt::failed(format!("the stored signing secret is unusable: {e}"), false),
                    Err(e) => return Attempt::failed(format!("the signing secret could not be opened: {e}"), true),
                }
            };
            let body = message::webhook_body(row);
            let timestamp = now_ms() / 1000;
            match notifier.webhook().send(url, &secret, row.event_id.as_str(), timestamp, body).await {
                Sent::Delivered { status } => Attempt::delivered(Some(status)),
                Sent::Failed { status, error, retry, retry_after } => {
                    Attempt { status, error: Some(error), retry, retry_after }
                }
            }
        }
        ChannelKind::Email => {
            let recipients = channel.recipient_list();
            if recipients.is_empty() {
                return Attempt::failed("the email channel has no recipients", false);
            }
            let subject = message::email_subject(row);
            let text = message::email_text(row, &channel.name);
            match notifier.email().send(&recipients, &subject, text).await {
                Mailed::Delivered => Attempt::delivered(None),
                Mailed::Failed { error, retry } => Attempt::failed(error, retry),
            }
        }
    }
}

/// Sends one delivery now (the `test` event), whatever its schedule; `None` when it is not
/// pending or another node holds it.
pub async fn deliver_one(notifier: &Notifier, id: &DeliveryId) -> Result<Option<DeliveryRow>, NotifyError> {
    match claim(notifier, Some(i64::MAX / 4), Some(id)).await? {
        Some(row) => Ok(Some(send_claimed(notifier, row).await?)),
        None => Ok(None),
    }
}

/// Sends every delivery due now, one after another; returns how many attempts were made.
pub async fn deliver_due(notifier: &Notifier) -> Result<usize, NotifyError> {
    let mut sent = 0;
    while let Some(row) = claim(notifier, None, None).await? {
        send_claimed(notifier, row).await?;
        sent += 1;
    }
    Ok(sent)
}

/// Options of [`drain`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DrainOptions {
    /// Also send deliveries waiting for a later retry (time passes at once).
    pub run_delayed: bool,
    /// Stop after this many attempts (0 = no limit), to look between attempts.
    pub max_attempts: usize,
}

/// What [`drain`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Attempts made.
    pub attempts: usize,
    /// Of which delivered.
    pub delivered: usize,
}

/// Delivers inline, in the calling task, until nothing is due: for tests and tools, with
/// no sleeping. With `run_delayed`, scheduled retries count as due, so a dead receiver is
/// tried until its attempts run out.
pub async fn drain(notifier: &Notifier, opts: DrainOptions) -> Result<DrainReport, NotifyError> {
    let due_by = opts.run_delayed.then_some(i64::MAX / 4);
    let mut report = DrainReport::default();
    while opts.max_attempts == 0 || report.attempts < opts.max_attempts {
        let Some(row) = claim(notifier, due_by, None).await? else { break };
        let recorded = send_claimed(notifier, row).await?;
        report.attempts += 1;
        if recorded.status == sluice_domain::DeliveryStatus::Delivered {
            report.delivered += 1;
        }
    }
    Ok(report)
}
