//! Failure notifications: delivering the events the engine writes into the outbox
//! (`sluice_storage::notifications`) to each project's channels — webhooks signed as in
//! the Standard Webhooks specification, and email over SMTP.
//!
//! Reading order: [`Notifier`] (the handle the server holds) → [`deliver`] (claim, send,
//! record, retry; [`drain`] for tests) → [`webhook`] and [`email`] (the two ways out) →
//! [`signature`] (`whsec_` secrets and `v1,` signatures) → [`message`] (what is sent).
//!
//! Like a destination calling Railway, this crate speaks HTTP (and SMTP) out; it knows
//! nothing of the server or the engine. Events are emitted where their cause is recorded,
//! in the same transaction, so none is lost to a crash; a delivery is sent at least once
//! (a crash between the send and its record sends it again: receivers dedupe on
//! `webhook-id`), and never twice at once across nodes (a lease taken by compare-and-set).

#![warn(missing_debug_implementations)]

pub mod deliver;
pub mod email;
pub mod message;
pub mod signature;
pub mod webhook;

pub use deliver::{DrainOptions, DrainReport, deliver_due, deliver_one, drain};
pub use email::{SmtpSettings, SmtpTls};
pub use signature::SigningSecret;

use email::EmailSender;
use sluice_core::{Core, CoreError};
use sluice_storage::StorageError;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use webhook::WebhookSender;

/// How notifications are delivered.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// How long a claimed delivery is this node's.
    pub lease: Duration,
    /// Look for due deliveries at least this often.
    pub poll_interval: Duration,
    /// Timeout of one webhook request.
    pub webhook_timeout: Duration,
    /// Timeout of one SMTP exchange.
    pub smtp_timeout: Duration,
    /// Finished deliveries are kept this long in the log.
    pub keep: Duration,
    /// Email settings; `None`: email channels can be made, their deliveries fail saying so.
    pub smtp: Option<SmtpSettings>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(120),
            poll_interval: Duration::from_secs(5),
            webhook_timeout: Duration::from_secs(15),
            smtp_timeout: Duration::from_secs(30),
            keep: Duration::from_secs(30 * 86_400),
            smtp: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Core(#[from] CoreError),
}

/// The notifications of this node. Cheap to clone.
#[derive(Clone)]
pub struct Notifier(Arc<Inner>);

struct Inner {
    core: Core,
    settings: NotifySettings,
    node_id: String,
    webhook: WebhookSender,
    email: EmailSender,
    wake: Notify,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("node_id", &self.0.node_id)
            .field("smtp", &self.0.email.is_configured())
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// The notifier of this node. SMTP settings that cannot be used (check them first with
    /// [`SmtpSettings::check`]) leave email unconfigured, saying why in the log.
    pub fn new(core: Core, settings: NotifySettings, node_id: String) -> Self {
        let webhook = WebhookSender::new(settings.webhook_timeout);
        let email = EmailSender::new(settings.smtp.as_ref(), settings.smtp_timeout).unwrap_or_else(|e| {
            tracing::error!(error = %e, "email notifications are off: the SMTP settings cannot be used");
            EmailSender::unconfigured()
        });
        Self(Arc::new(Inner { core, settings, node_id, webhook, email, wake: Notify::new() }))
    }

    pub fn core(&self) -> &Core {
        &self.0.core
    }

    pub fn settings(&self) -> &NotifySettings {
        &self.0.settings
    }

    pub fn node_id(&self) -> &str {
        &self.0.node_id
    }

    pub fn webhook(&self) -> &WebhookSender {
        &self.0.webhook
    }

    pub fn email(&self) -> &EmailSender {
        &self.0.email
    }

    /// Whether email can be sent (SMTP is configured).
    pub fn email_configured(&self) -> bool {
        self.0.email.is_configured()
    }

    /// Wakes this node's delivery loop (call after committing events).
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Starts the delivery loop: due deliveries are sent as they fall due, finished ones
    /// are pruned after [`NotifySettings::keep`].
    pub fn start(&self) -> DeliveryLoop {
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(delivery_loop(self.clone(), rx));
        DeliveryLoop { stop, task }
    }
}

/// The running delivery loop of a node.
#[derive(Debug)]
pub struct DeliveryLoop {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl DeliveryLoop {
    /// Stops after the delivery in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn delivery_loop(notifier: Notifier, mut stop: watch::Receiver<bool>) {
    let released = async {
        let mut tx = notifier.core().store().write().await?;
        let n = sluice_storage::notifications::release_node(&mut tx, notifier.node_id()).await?;
        tx.commit().await?;
        Ok::<u64, StorageError>(n)
    }
    .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "could not release this node's old notification leases");
    }
    let mut pruned_at: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = deliver_due(&notifier).await {
            tracing::warn!(error = %e, "delivering notifications failed");
        }
        if pruned_at.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
            pruned_at = Some(Instant::now());
            if let Err(e) = prune(&notifier).await {
                tracing::warn!(error = %e, "pruning the notification log failed");
            }
        }
        let wait = next_wait(&notifier).await;
        tokio::select! {
            _ = notifier.0.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn prune(notifier: &Notifier) -> Result<(), StorageError> {
    let mut tx = notifier.core().store().write().await?;
    let n = sluice_storage::notifications::prune(&mut tx, notifier.settings().keep.as_millis() as i64).await?;
    tx.commit().await?;
    if n > 0 {
        tracing::info!(deliveries = n, "pruned old notification deliveries");
    }
    Ok(())
}

/// Until the next delivery falls due, at most the poll interval.
async fn next_wait(notifier: &Notifier) -> Duration {
    let poll = notifier.settings().poll_interval;
    let next = async {
        let mut conn = notifier.core().store().read().await?;
        sluice_storage::notifications::next_due(&mut conn).await
    }
    .await;
    match next {
        Ok(Some(at)) => Duration::from_millis((at - sluice_storage::now_ms()).clamp(0, poll.as_millis() as i64) as u64),
        _ => poll,
    }
}
