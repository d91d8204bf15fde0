//! Login throttling: given one scope's history of failed sign-ins (an account, or a client
//! IP) and the time, may another attempt be checked now, must it wait, or is the scope
//! locked? And what does the history become after one more failure?
//!
//! The rules, per scope:
//!
//! * the first [`ThrottlePolicy::free_failures`] failures cost nothing;
//! * each failure after those requires a wait before the next attempt, starting at
//!   [`ThrottlePolicy::base_delay_ms`] and doubling per failure (capped at `max_delay_ms`);
//! * the [`ThrottlePolicy::lock_after`]th failure locks the scope for `lock_ms`; each
//!   further lock of the same history lasts twice the one before (capped at `max_lock_ms`),
//!   and once a lock is over one attempt is allowed: failing it locks again at once;
//! * a scope that stays quiet (no failure, no lock) for `window_ms` forgets its history,
//!   and a successful sign-in forgets an account's (the caller deletes the row).
//!
//! Times are milliseconds since the epoch; the caller supplies `now` (the database's clock,
//! shared by every node), so everything here is pure. The table tests are in
//! `login_throttle_test.rs`.

/// The thresholds of one scope. `lock_after == 0` turns the scope's throttling off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed without any wait.
    pub free_failures: u32,
    /// The failure that locks the scope (counted from the first).
    pub lock_after: u32,
    /// The wait after the first failure past the free ones; it doubles per failure.
    pub base_delay_ms: i64,
    /// The longest wait short of a lock.
    pub max_delay_ms: i64,
    /// How long the first lock lasts; each repeat lasts twice the one before.
    pub lock_ms: i64,
    /// The longest lock.
    pub max_lock_ms: i64,
    /// Quiet time after which the history is forgotten.
    pub window_ms: i64,
}

/// One scope's history of failed sign-ins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Failures since the history started.
    pub failures: u32,
    /// When the latest failure happened (0: never).
    pub last_failure_at: i64,
    /// Until when the scope is locked (in the past or 0: not locked).
    pub locked_until: i64,
    /// Locks so far in this history (each lasts twice the one before).
    pub locks: u32,
}

/// Whether an attempt may be checked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check the credentials.
    Allow,
    /// Too soon after the latest failure: refuse without checking until `until`.
    Wait { until: i64 },
    /// Locked: refuse without checking (the right credentials included) until `until`.
    Locked { until: i64 },
}

impl Verdict {
    /// When the refusal ends (`None` for [`Verdict::Allow`]).
    pub fn until(&self) -> Option<i64> {
        match self {
            Verdict::Allow => None,
            Verdict::Wait { until } | Verdict::Locked { until } => Some(*until),
        }
    }
}

impl ThrottlePolicy {
    /// Whether this scope is throttled at all (`lock_after > 0`).
    pub fn enabled(&self) -> bool {
        self.lock_after > 0
    }

    /// The history as it stands at `now`: forgotten after `window_ms` of quiet.
    pub fn current(&self, attempts: Attempts, now: i64) -> Attempts {
        if now.saturating_sub(self.quiet_since(&attempts)) >= self.window_ms { Attempts::default() } else { attempts }
    }

    fn quiet_since(&self, a: &Attempts) -> i64 {
        a.last_failure_at.max(a.locked_until)
    }

    /// When a stored history stops mattering (rows older than this can be deleted).
    pub fn expires_at(&self, attempts: &Attempts) -> i64 {
        self.quiet_since(attempts).saturating_add(self.window_ms)
    }

    /// The wait required after `failures` failures (0 within the free ones and once the
    /// lock threshold is reached: from there on the lock is the penalty).
    pub fn delay_after(&self, failures: u32) -> i64 {
        if failures < self.free_failures.max(1) || failures >= self.lock_after {
            return 0;
        }
        let doublings = (failures - self.free_failures.max(1)).min(40);
        self.base_delay_ms.saturating_mul(1_i64 << doublings).min(self.max_delay_ms)
    }

    /// How long lock number `locks + 1` lasts.
    pub fn lock_length(&self, locks: u32) -> i64 {
        self.lock_ms.saturating_mul(1_i64 << locks.min(40)).min(self.max_lock_ms.max(self.lock_ms))
    }

    /// May an attempt be checked at `now`?
    pub fn verdict(&self, attempts: Attempts, now: i64) -> Verdict {
        if !self.enabled() {
            return Verdict::Allow;
        }
        let a = self.current(attempts, now);
        if a.locked_until > now {
            return Verdict::Locked { until: a.locked_until };
        }
        let ready_at = a.last_failure_at.saturating_add(self.delay_after(a.failures));
        if a.failures > 0 && ready_at > now {
            return Verdict::Wait { until: ready_at };
        }
        Verdict::Allow
    }

    /// The history after one more failure at `now`, and the end of the lock it starts, if
    /// it starts one.
    pub fn after_failure(&self, attempts: Attempts, now: i64) -> (Attempts, Option<i64>) {
        if !self.enabled() {
            return (attempts, None);
        }
        let mut a = self.current(attempts, now);
        a.failures = a.failures.saturating_add(1);
        a.last_failure_at = now;
        if a.failures < self.lock_after {
            return (a, None);
        }
        a.locked_until = now.saturating_add(self.lock_length(a.locks));
        a.locks = a.locks.saturating_add(1);
        (a, Some(a.locked_until))
    }
}

/// A wait in words for a message: "14 minutes", "30 seconds", "2 hours" (rounded up, so
/// that trying again at the time named works).
pub fn wait_in_words(ms: i64) -> String {
    let secs = (ms.max(1) + 999) / 1000;
    let (n, unit) = if secs < 60 {
        (secs, "second")
    } else if secs < 2 * 3600 {
        ((secs + 59) / 60, "minute")
    } else {
        ((secs + 3599) / 3600, "hour")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
#[path = "login_throttle_test.rs"]
mod tests;
