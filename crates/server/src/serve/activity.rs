//! What one connection is doing, and the one decision made from it: by when it must show
//! progress or be closed. A fresh connection, or one whose next request has begun to
//! arrive, must finish its headers within the header-read timeout; a keep-alive
//! connection between requests may stay idle for the idle timeout; while a request is
//! being answered no deadline applies (the request timeout covers the handler, and the
//! UI's live streams are meant to last).

use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// The two connection timeouts.
#[derive(Clone, Copy, Debug)]
pub struct ConnTimeouts {
    pub header_read: Duration,
    pub idle: Duration,
}

/// A connection's state, as its reads and its requests report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnState {
    /// Requests received whose answer has not been sent in full.
    pub in_flight: u32,
    /// When the connection opened or last finished an answer.
    pub idle_since: Instant,
    /// First byte read since `idle_since` (the start of the next request).
    pub first_byte_at: Option<Instant>,
    /// At least one request was answered on this connection.
    pub served: bool,
}

impl ConnState {
    pub fn new(now: Instant) -> Self {
        Self { in_flight: 0, idle_since: now, first_byte_at: None, served: false }
    }

    /// When the connection is closed unless something happens first; `None` while a
    /// request is being answered.
    pub fn deadline(&self, t: ConnTimeouts) -> Option<Instant> {
        if self.in_flight > 0 {
            None
        } else if let Some(first) = self.first_byte_at {
            Some(first + t.header_read)
        } else if self.served {
            Some(self.idle_since + t.idle)
        } else {
            Some(self.idle_since + t.header_read)
        }
    }
}

/// The shared, updatable state of one connection: the reader, each request and the
/// connection's watchdog hold it.
#[derive(Clone)]
pub struct Activity {
    state: Arc<Mutex<ConnState>>,
    changed: Arc<Notify>,
}

impl Activity {
    pub fn new() -> Self {
        Self { state: Arc::new(Mutex::new(ConnState::new(Instant::now()))), changed: Arc::new(Notify::new()) }
    }

    pub fn deadline(&self, t: ConnTimeouts) -> Option<Instant> {
        self.state.lock().deadline(t)
    }

    /// Bytes arrived from the client.
    pub fn on_read(&self) {
        let mut s = self.state.lock();
        if s.in_flight == 0 && s.first_byte_at.is_none() {
            s.first_byte_at = Some(Instant::now());
            drop(s);
            self.changed.notify_one();
        }
    }

    /// A request's headers were read; the guard marks its answer as sent when dropped.
    pub fn begin_request(&self) -> RequestGuard {
        let mut s = self.state.lock();
        s.in_flight += 1;
        s.first_byte_at = None;
        RequestGuard(self.clone())
    }

    /// Resolves when the state changed in a way that may move the deadline.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }
}

/// Held by a request until its answer has been sent in full (or abandoned).
pub struct RequestGuard(Activity);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut s = self.0.state.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.in_flight == 0 {
            s.idle_since = Instant::now();
            s.served = true;
        }
        drop(s);
        self.0.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_follows_what_the_connection_is_doing() {
        let t = ConnTimeouts { header_read: Duration::from_secs(10), idle: Duration::from_secs(60) };
        let t0 = Instant::now();
        let s = |in_flight, first: Option<u64>, served| ConnState {
            in_flight,
            idle_since: t0,
            first_byte_at: first.map(|d| t0 + Duration::from_secs(d)),
            served,
        };
        let after = |secs| Some(t0 + Duration::from_secs(secs));
        for (state, deadline, why) in [
            (s(0, None, false), after(10), "fresh connection: headers due within the header timeout"),
            (s(0, Some(3), false), after(13), "first request started arriving"),
            (s(1, None, false), None, "request being answered"),
            (s(1, Some(3), true), None, "request being answered, even with bytes counted"),
            (s(0, None, true), after(60), "idle between requests"),
            (s(0, Some(50), true), after(60), "next request started arriving after 50 s idle"),
        ] {
            assert_eq!(state.deadline(t), deadline, "{why}");
        }
    }
}
