//! Notifications, the pure part: the events a project's channels subscribe to, the kinds
//! of channel, where a delivery stands, and when a failed delivery is tried again.
//!
//! Sending (HTTP, SMTP, signatures) is `sluice-notify`'s; writing events into the outbox
//! is `sluice_storage::notifications`'. Both take these words.

use crate::backoff::{RetryPolicy, retry_delay};
use crate::status::{UnknownWord, word_enum};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

word_enum! {
    /// What happened. Spelled as Standard Webhooks recommends (`noun.verb`), and sent as the
    /// payload's `type`.
    pub enum EventType: "event type" {
        /// A sync's job ended failed and will not be retried.
        SyncFailed = "sync.failed",
        /// A sync succeeded after its previous outcome was a failure.
        SyncRecovered = "sync.recovered",
        /// A run was held by the mass-deletion guard, waiting for a confirmation.
        SyncHeld = "sync.held",
        /// A drift check found the destination no longer holds what the sync wrote.
        SyncDrifted = "sync.drifted",
        /// The destination refused a connection's credentials.
        ConnectionRejected = "connection.rejected",
        /// Sent on request to one channel, to try it; no channel subscribes to it.
        Test = "test",
    }
}

impl EventType {
    /// The events a channel can subscribe to (every one but `test`).
    pub fn subscribable() -> impl Iterator<Item = EventType> {
        Self::ALL.iter().copied().filter(|e| *e != Self::Test)
    }

    /// What the event means, for people (the UI, email subjects).
    pub fn describe(self) -> &'static str {
        match self {
            Self::SyncFailed => "A sync failed",
            Self::SyncRecovered => "A sync recovered",
            Self::SyncHeld => "A sync run is held for confirmation",
            Self::SyncDrifted => "A sync's destination drifted",
            Self::ConnectionRejected => "Railway refused a connection's credentials",
            Self::Test => "Test event",
        }
    }
}

word_enum! {
    /// How a channel reaches people.
    pub enum ChannelKind: "channel type" {
        /// An HTTPS (or HTTP) endpoint receiving signed JSON (Standard Webhooks).
        Webhook = "webhook",
        /// Email to a list of recipients, over the server's SMTP settings.
        Email = "email",
    }
}

word_enum! {
    /// Where one delivery (one event to one channel) stands.
    pub enum DeliveryStatus: "delivery status" {
        /// Not sent yet, or failed and waiting for its next attempt.
        Pending = "pending",
        Delivered = "delivered",
        /// Every attempt failed, or the failure cannot be fixed by trying again.
        Failed = "failed",
    }
}

/// Which events a channel receives: every one (also those a later Sluice adds), or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscription {
    All,
    Only(Vec<EventType>),
}

impl Subscription {
    /// A list as given by a caller: `None` means every event; duplicates are dropped and
    /// `test` is refused (it is not something to subscribe to).
    pub fn parse(list: Option<&[String]>) -> Result<Self, String> {
        let Some(list) = list else { return Ok(Self::All) };
        let mut events = Vec::new();
        for raw in list {
            let event: EventType = raw.trim().parse().map_err(|_| {
                let known: Vec<&str> = EventType::subscribable().map(EventType::as_str).collect();
                format!("unknown event type \"{raw}\" (expected one of: {})", known.join(", "))
            })?;
            if event == EventType::Test {
                return Err("\"test\" events are sent on request only; it is not an event type to subscribe to".into());
            }
            if !events.contains(&event) {
                events.push(event);
            }
        }
        if events.is_empty() {
            return Err("subscribe to at least one event type (or leave eventTypes out for every event)".into());
        }
        events.sort();
        Ok(Self::Only(events))
    }

    /// Whether a channel with this subscription receives `event`.
    pub fn includes(&self, event: EventType) -> bool {
        match self {
            Self::All => event != EventType::Test,
            Self::Only(list) => list.contains(&event),
        }
    }

    /// The events received, in order (for `All`, every subscribable one today).
    pub fn events(&self) -> Vec<EventType> {
        match self {
            Self::All => EventType::subscribable().collect(),
            Self::Only(list) => list.clone(),
        }
    }
}

/// How deliveries retry: 6 attempts, the ceiling of the wait doubling from 2 minutes, so
/// the last attempt comes between about half an hour and an hour after the first.
pub const DELIVERY_RETRY: RetryPolicy =
    RetryPolicy { base: Duration::from_secs(120), max: Duration::from_secs(3600), max_attempts: 6 };

/// The longest `Retry-After` a receiver may ask for before we wait our own schedule instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The wait after attempt `attempt` (1-based) failed: exponential with equal jitter (see
/// [`crate::backoff`]), never sooner than the receiver's `Retry-After` (capped at an hour).
pub fn delivery_delay(attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    retry_delay(attempt, &DELIVERY_RETRY, retry_after.map(|d| d.min(MAX_RETRY_AFTER)), jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60;

    #[test]
    fn the_schedule_spans_about_an_hour() {
        let lowest: Duration = (1..DELIVERY_RETRY.max_attempts).map(|a| delivery_delay(a, None, 0.0)).sum();
        let highest: Duration = (1..DELIVERY_RETRY.max_attempts).map(|a| delivery_delay(a, None, 1.0)).sum();
        assert_eq!(lowest, Duration::from_secs(31 * MIN));
        assert_eq!(highest, Duration::from_secs(62 * MIN));
        assert_eq!(delivery_delay(1, None, 1.0), Duration::from_secs(2 * MIN));
        assert_eq!(delivery_delay(5, None, 1.0), Duration::from_secs(32 * MIN));
    }

    #[test]
    fn retry_after_is_honoured_up_to_an_hour() {
        assert_eq!(delivery_delay(1, Some(Duration::from_secs(600)), 0.0), Duration::from_secs(600));
        assert_eq!(delivery_delay(1, Some(Duration::from_secs(86_400)), 0.0), Duration::from_secs(3600));
    }

    #[test]
    fn subscriptions_parse_once() {
        assert_eq!(Subscription::parse(None), Ok(Subscription::All));
        let list = vec!["sync.recovered".to_string(), "sync.failed".to_string(), "sync.failed".to_string()];
        let only = Subscription::parse(Some(&list)).expect("valid");
        assert_eq!(only, Subscription::Only(vec![EventType::SyncFailed, EventType::SyncRecovered]));
        assert!(only.includes(EventType::SyncFailed) && !only.includes(EventType::SyncHeld));
        assert!(Subscription::All.includes(EventType::ConnectionRejected));
        assert!(!Subscription::All.includes(EventType::Test));
        assert_eq!(Subscription::All.events().len(), 5);
        let err = Subscription::parse(Some(&["sync.exploded".to_string()])).expect_err("unknown");
        assert!(err.contains("sync.exploded") && err.contains("connection.rejected"), "{err}");
        assert!(Subscription::parse(Some(&["test".to_string()])).is_err());
        assert!(Subscription::parse(Some(&[])).is_err());
    }

    #[test]
    fn words_round_trip() {
        for e in EventType::ALL {
            assert_eq!(e.as_str().parse::<EventType>(), Ok(*e));
        }
        assert_eq!("email".parse::<ChannelKind>(), Ok(ChannelKind::Email));
        assert_eq!(DeliveryStatus::Delivered.as_str(), "delivered");
    }
}
