//! Per-token rate limiting (reference §10.6), as a pure bucket table: the caller passes the
//! current instant, so the window arithmetic is tested without waiting.
//!
//! Two limits: a fixed window (Railway's hourly budget, the one `X-RateLimit-*` describes) and,
//! optionally, at most N accepted requests in any one second (Railway's RPS limit), kept as a
//! short queue of accepted instants per token — constant work per request.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use time::OffsetDateTime;

use crate::config::{RateLimit, ResetFormat};
use crate::state::iso_millis;

/// Buckets by token value (`""` for requests without a token). Held in memory only; `Debug`
/// shows no keys, since they are tokens.
#[derive(Default)]
pub(crate) struct Limiter {
    buckets: HashMap<String, Bucket>,
    /// Instants of the requests accepted in the last second, per token (per-second limit only).
    recent: HashMap<String, VecDeque<Instant>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("buckets", &self.buckets.len()).finish()
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    started: Instant,
    started_wall: OffsetDateTime,
    used: u32,
}

/// The state of a token's budget after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub limit: u32,
    pub remaining: u32,
    /// When the current window ends.
    pub reset: OffsetDateTime,
    /// `Some(seconds)` when the request is refused.
    pub retry_after: Option<u64>,
}

/// The clock a decision is made at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    pub instant: Instant,
    pub wall: OffsetDateTime,
}

impl Now {
    pub fn current() -> Self {
        Self { instant: Instant::now(), wall: OffsetDateTime::now_utc() }
    }
}

impl Limiter {
    /// Counts one request of `key` and decides whether it may proceed: first the per-second
    /// limit (a refusal there leaves the window's budget alone), then the window's budget.
    pub fn check(&mut self, key: &str, rule: &RateLimit, now: Now) -> Decision {
        let Some(per_second) = rule.per_second else {
            return self.check_window(key, rule, now);
        };
        let recent = self.recent.entry(key.to_owned()).or_default();
        while recent.front().is_some_and(|t| now.instant.saturating_duration_since(*t) >= SECOND) {
            recent.pop_front();
        }
        if recent.len() >= per_second as usize {
            return Decision { retry_after: Some(1), ..self.peek(key, rule, now) };
        }
        let decision = self.check_window(key, rule, now);
        if decision.retry_after.is_none() {
            self.recent.entry(key.to_owned()).or_default().push_back(now.instant);
        }
        decision
    }

    /// The fixed-window part of [`Self::check`].
    fn check_window(&mut self, key: &str, rule: &RateLimit, now: Now) -> Decision {
        let bucket = self.current_bucket(key, rule, now);
        let refused = bucket.used >= rule.limit;
        if !refused {
            bucket.used += 1;
        }
        let bucket = *bucket;
        let ends = bucket.started + rule.window;
        Decision {
            limit: rule.limit,
            remaining: rule.limit.saturating_sub(bucket.used),
            reset: window_end(&bucket, rule),
            retry_after: refused.then(|| ceil_secs(ends.saturating_duration_since(now.instant))),
        }
    }

    /// The budget of `key` without counting a request.
    pub fn peek(&mut self, key: &str, rule: &RateLimit, now: Now) -> Decision {
        let bucket = *self.current_bucket(key, rule, now);
        Decision {
            limit: rule.limit,
            remaining: rule.limit.saturating_sub(bucket.used),
            reset: window_end(&bucket, rule),
            retry_after: None,
        }
    }

    pub fn clear(&mut self) {
        self.buckets.clear();
        self.recent.clear();
    }

    fn current_bucket(&mut self, key: &str, rule: &RateLimit, now: Now) -> &mut Bucket {
        let fresh = Bucket { started: now.instant, started_wall: now.wall, used: 0 };
        let bucket = self.buckets.entry(key.to_owned()).or_insert(fresh);
        if now.instant >= bucket.started + rule.window {
            *bucket = fresh;
        }
        bucket
    }
}

fn window_end(bucket: &Bucket, rule: &RateLimit) -> OffsetDateTime {
    bucket.started_wall + rule.window
}

const SECOND: Duration = Duration::from_secs(1);

/// Whole seconds, rounded up, at least 1 (a `Retry-After: 0` invites a hot loop).
fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

/// Adds `X-RateLimit-Limit`, `-Remaining`, `-Reset` (and `Retry-After` when refused).
pub(crate) fn write_headers(headers: &mut HeaderMap, decision: &Decision, format: ResetFormat) {
    let reset = match format {
        ResetFormat::Iso8601 => iso_millis(decision.reset),
        ResetFormat::EpochSeconds => decision.reset.unix_timestamp().to_string(),
    };
    let pairs = [
        ("x-ratelimit-limit", decision.limit.to_string()),
        ("x-ratelimit-remaining", decision.remaining.to_string()),
        ("x-ratelimit-reset", reset),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if let Some(secs) = decision.retry_after {
        headers.insert("retry-after", HeaderValue::from(secs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Now, secs: f64) -> Now {
        let d = Duration::from_secs_f64(secs);
        Now { instant: start.instant + d, wall: start.wall + d }
    }

    #[test]
    fn fixed_window_per_token() {
        let rule = RateLimit::new(2, Duration::from_secs(60));
        let mut limiter = Limiter::default();
        let t0 = Now::current();

        let first = limiter.check("a", &rule, t0);
        assert_eq!((first.remaining, first.retry_after), (1, None));
        assert_eq!(limiter.check("a", &rule, at(t0, 1.0)).remaining, 0);
        let refused = limiter.check("a", &rule, at(t0, 10.5));
        assert_eq!(refused.retry_after, Some(50), "rounded up from 49.5 s");
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.reset, first.reset);

        assert_eq!(limiter.check("b", &rule, at(t0, 11.0)).remaining, 1, "own bucket");
        let next_window = limiter.check("a", &rule, at(t0, 60.0));
        assert_eq!((next_window.remaining, next_window.retry_after), (1, None));
        assert!(next_window.reset > first.reset);
    }

    #[test]
    fn per_second_limit_slides_and_spares_the_window_budget() {
        let rule = RateLimit::new(100, Duration::from_secs(3600)).per_second(2);
        let mut limiter = Limiter::default();
        let t0 = Now::current();
        assert_eq!(limiter.check("a", &rule, t0).retry_after, None);
        assert_eq!(limiter.check("a", &rule, at(t0, 0.4)).retry_after, None);
        let refused = limiter.check("a", &rule, at(t0, 0.9));
        assert_eq!((refused.retry_after, refused.remaining), (Some(1), 98), "refusals do not use the budget");
        assert_eq!(limiter.check("b", &rule, at(t0, 0.9)).retry_after, None, "per token");
        assert_eq!(limiter.check("a", &rule, at(t0, 1.0)).retry_after, None, "the first left the window");
        assert_eq!(limiter.check("a", &rule, at(t0, 1.2)).retry_after, Some(1), "0.4 and 1.0 are within a second");
        assert_eq!(limiter.check("a", &rule, at(t0, 1.4)).remaining, 96);
    }

    #[test]
    fn window_exhaustion_still_answers_with_its_own_retry_after() {
        let rule = RateLimit::new(1, Duration::from_secs(60)).per_second(5);
        let mut limiter = Limiter::default();
        let t0 = Now::current();
        assert_eq!(limiter.check("a", &rule, t0).retry_after, None);
        assert_eq!(limiter.check("a", &rule, at(t0, 0.5)).retry_after, Some(60));
    }

    #[test]
    fn peek_does_not_count() {
        let rule = RateLimit::new(3, Duration::from_secs(10));
        let mut limiter = Limiter::default();
        let t0 = Now::current();
        assert_eq!(limiter.peek("a", &rule, t0).remaining, 3);
        assert_eq!(limiter.check("a", &rule, t0).remaining, 2);
        assert_eq!(limiter.peek("a", &rule, t0).remaining, 2);
    }

    #[test]
    fn headers_in_both_formats() {
        let decision = Decision {
            limit: 5,
            remaining: 0,
            reset: time::macros::datetime!(2026-01-01 00:01:00 UTC),
            retry_after: Some(7),
        };
        let mut headers = HeaderMap::new();
        write_headers(&mut headers, &decision, ResetFormat::Iso8601);
        assert_eq!(headers["x-ratelimit-reset"], "2026-01-01T00:01:00.000Z");
        assert_eq!(headers["retry-after"], "7");
        write_headers(&mut headers, &decision, ResetFormat::EpochSeconds);
        assert_eq!(headers["x-ratelimit-reset"], "1767225660");
        assert_eq!(headers["x-ratelimit-limit"], "5");
    }

    #[test]
    fn retry_after_is_at_least_one() {
        assert_eq!(ceil_secs(Duration::ZERO), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1001)), 2);
    }
}
