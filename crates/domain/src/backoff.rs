//! Retry delays for sync jobs: exponential backoff with *equal jitter*, never sooner than the
//! destination's `Retry-After`.
//!
//! Equal jitter (AWS's name) waits between half and all of the exponential ceiling. We prefer it
//! to full jitter (anywhere from zero to the ceiling) because the main contention is Railway's
//! hourly request budget, where retrying almost at once only spends budget; the random half
//! still spreads syncs that failed together.
//!
//! The caller supplies the randomness (`jitter` in `0.0..=1.0`), so this stays pure and testable.

use std::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// How a job retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first retry's delay; it doubles per attempt.
    pub base: Duration,
    /// Largest ceiling, whatever the attempt (a `Retry-After` may still ask for longer).
    pub max: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 1 s doubling up to 5 min, 8 attempts: about 4 min of retrying in the worst case.
    fn default() -> Self {
        Self { base: Duration::from_secs(1), max: Duration::from_secs(300), max_attempts: 8 }
    }
}

impl RetryPolicy {
    /// Whether to try again after attempt number `attempt` (1-based) failed retryably.
    pub fn should_retry(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }

    /// The most [`retry_delay`] waits after attempt `attempt` (1-based, 0 read as 1), before
    /// jitter and `Retry-After`: `base * 2^(attempt-1)`, at most `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// How long to wait before retrying after attempt `attempt` (1-based) failed.
///
/// Between half and all of [`RetryPolicy::ceiling`], placed by `jitter` (clamped to `0.0..=1.0`,
/// NaN read as 0), and never less than `retry_after`, which is honoured even above `policy.max`.
pub fn retry_delay(attempt: u32, policy: &RetryPolicy, retry_after: Option<Duration>, jitter: f64) -> Duration {
    let ceiling = policy.ceiling(attempt);
    let half = ceiling / 2;
    let spread = (ceiling - half).as_nanos();
    let jitter = if jitter.is_nan() { 0.0 } else { jitter.clamp(0.0, 1.0) };
    // Integer nanoseconds keep this monotone in `ceiling`; float-to-int casts saturate.
    let extra = ((spread as f64 * jitter) as u128).min(spread);
    let secs = u64::try_from(extra / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let nanos = u32::try_from(extra % NANOS_PER_SEC).unwrap_or(0);
    // extra <= ceiling - half, so the sum cannot overflow.
    let delay = (half + Duration::new(secs, nanos)).min(ceiling);
    retry_after.map_or(delay, |ra| delay.max(ra))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn default_policy() {
        let p = RetryPolicy::default();
        assert_eq!((p.base, p.max, p.max_attempts), (S(1), S(300), 8));
        assert!(p.should_retry(1) && p.should_retry(7));
        assert!(!p.should_retry(8) && !p.should_retry(9));
    }

    #[test]
    fn delays_by_attempt() {
        let p = RetryPolicy::default();
        // (attempt, jitter, retry_after, expected)
        let cases = [
            (0, 1.0, None, S(1)),
            (1, 1.0, None, S(1)),
            (1, 0.0, None, Duration::from_millis(500)),
            (2, 1.0, None, S(2)),
            (3, 0.5, None, S(3)),
            (4, 1.0, None, S(8)),
            (9, 1.0, None, S(256)),
            (10, 1.0, None, S(300)),
            (10, 0.0, None, S(150)),
            (u32::MAX, 1.0, None, S(300)),
            (1, 1.0, Some(S(30)), S(30)),
            (10, 1.0, Some(S(30)), S(300)),
            (10, 1.0, Some(S(3600)), S(3600)),
            (2, f64::NAN, None, S(1)),
            (2, -3.0, None, S(1)),
            (2, 7.0, None, S(2)),
        ];
        for (attempt, jitter, retry_after, want) in cases {
            assert_eq!(retry_delay(attempt, &p, retry_after, jitter), want, "{attempt} {jitter} {retry_after:?}");
        }
    }

    #[test]
    fn extreme_policies_do_not_overflow() {
        let p = RetryPolicy { base: Duration::MAX, max: Duration::MAX, max_attempts: 3 };
        assert_eq!(retry_delay(40, &p, None, 1.0), Duration::MAX);
        let zero = RetryPolicy { base: Duration::ZERO, max: S(10), max_attempts: 3 };
        assert_eq!(retry_delay(5, &zero, None, 1.0), Duration::ZERO);
        let inverted = RetryPolicy { base: S(10), max: S(1), max_attempts: 3 };
        assert_eq!(retry_delay(1, &inverted, None, 1.0), S(1));
    }

    fn policy() -> impl Strategy<Value = RetryPolicy> {
        (0u64..10_000, 0u64..1_000_000, 1u32..20).prop_map(|(base, max, n)| RetryPolicy {
            base: Duration::from_millis(base),
            max: Duration::from_millis(max),
            max_attempts: n,
        })
    }

    proptest! {
        #[test]
        fn bounded_and_monotone(
            p in policy(),
            attempt in 0u32..64,
            jitter in 0.0f64..=1.0,
            retry_after in proptest::option::of((0u64..2_000_000).prop_map(Duration::from_millis)),
        ) {
            let d = retry_delay(attempt, &p, retry_after, jitter);
            prop_assert!(p.ceiling(attempt) <= p.ceiling(attempt + 1));
            prop_assert!(d <= retry_delay(attempt + 1, &p, retry_after, jitter));
            prop_assert!(d >= retry_after.unwrap_or_default());
            prop_assert!(d <= p.max.max(retry_after.unwrap_or_default()));
            prop_assert!(d >= p.ceiling(attempt) / 2);
            prop_assert!(retry_delay(attempt, &p, retry_after, 0.0) <= d);
            prop_assert!(d <= retry_delay(attempt, &p, retry_after, 1.0));
        }
    }
}
