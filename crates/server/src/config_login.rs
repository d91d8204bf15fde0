//! The settings of login throttling: `--login-*` flags, `SLUICE_LOGIN_*` variables, or
//! `login_*` keys in the config file (same precedence as every setting). The rules they
//! feed are `sluice_domain::login_throttle`'s; the service applying them is
//! `features::auth::throttle`.

use crate::config::ConfigError;
use clap::Args;
use sluice_domain::login_throttle::ThrottlePolicy;

/// `sluice server` flags of login throttling.
#[derive(Args, Debug, Clone, Default)]
pub struct LoginArgs {
    /// Failed sign-ins of one account allowed without slowing down; each further failure
    /// makes the next attempt wait (1 s, doubling up to 60 s) [default: 5]
    #[arg(long, env = "SLUICE_LOGIN_FREE_FAILURES", value_name = "N")]
    pub login_free_failures: Option<u32>,

    /// Failed sign-ins that lock an account's sign-in; 0 turns per-account throttling off [default: 10]
    #[arg(long, env = "SLUICE_LOGIN_LOCK_AFTER", value_name = "N")]
    pub login_lock_after: Option<u32>,

    /// How long the first lock lasts, in seconds; each repeat lasts twice as long, up to
    /// 16 times this [default: 900]
    #[arg(long, env = "SLUICE_LOGIN_LOCK_SECS", value_name = "SECS")]
    pub login_lock_secs: Option<u64>,

    /// Quiet time after which an account's or address's failures are forgotten, in
    /// seconds [default: 900]
    #[arg(long, env = "SLUICE_LOGIN_WINDOW_SECS", value_name = "SECS")]
    pub login_window_secs: Option<u64>,

    /// Failed sign-ins from one client IP, across accounts, allowed without slowing down [default: 20]
    #[arg(long, env = "SLUICE_LOGIN_IP_FREE_FAILURES", value_name = "N")]
    pub login_ip_free_failures: Option<u32>,

    /// Failed sign-ins from one client IP, across accounts, that lock sign-in from it; 0
    /// turns per-IP throttling off [default: 50]
    #[arg(long, env = "SLUICE_LOGIN_IP_LOCK_AFTER", value_name = "N")]
    pub login_ip_lock_after: Option<u32>,
}

/// The same settings as config-file keys.
#[derive(Debug, Default)]
pub struct LoginFile {
    pub free_failures: Option<u32>,
    pub lock_after: Option<u32>,
    pub lock_secs: Option<u64>,
    pub window_secs: Option<u64>,
    pub ip_free_failures: Option<u32>,
    pub ip_lock_after: Option<u32>,
}

/// How sign-ins are throttled, per account and per client IP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginThrottleSettings {
    /// Per account: a user's email, a universal-auth client id, an OIDC identity.
    pub account: ThrottlePolicy,
    /// Per client IP, across accounts (password spraying).
    pub ip: ThrottlePolicy,
}

const SEC: i64 = 1000;

fn policy(free_failures: u32, lock_after: u32, lock_secs: u64, window_secs: u64) -> ThrottlePolicy {
    let lock_ms = i64::try_from(lock_secs).unwrap_or(i64::MAX / 32).saturating_mul(SEC);
    ThrottlePolicy {
        free_failures,
        lock_after,
        base_delay_ms: SEC,
        max_delay_ms: 60 * SEC,
        lock_ms,
        max_lock_ms: lock_ms.saturating_mul(16),
        window_ms: i64::try_from(window_secs).unwrap_or(i64::MAX / SEC).saturating_mul(SEC),
    }
}

impl Default for LoginThrottleSettings {
    /// 5 free failures per account and a 15-minute lock at the 10th; 20 and 50 per client
    /// IP; failures forgotten after 15 quiet minutes.
    fn default() -> Self {
        Self { account: policy(5, 10, 900, 900), ip: policy(20, 50, 900, 900) }
    }
}

impl LoginArgs {
    /// The throttling settings: flags and environment, then the file, then defaults.
    pub fn resolve(&self, file: LoginFile) -> Result<LoginThrottleSettings, ConfigError> {
        let d = LoginThrottleSettings::default();
        let lock_secs = self.login_lock_secs.or(file.lock_secs).unwrap_or(900);
        let window_secs = self.login_window_secs.or(file.window_secs).unwrap_or(900);
        if lock_secs == 0 || window_secs == 0 {
            return Err(ConfigError::Invalid(
                "SLUICE_LOGIN_LOCK_SECS and SLUICE_LOGIN_WINDOW_SECS must be at least 1 \
                 (turn throttling off with SLUICE_LOGIN_LOCK_AFTER=0 instead)"
                    .into(),
            ));
        }
        let account = policy(
            self.login_free_failures.or(file.free_failures).unwrap_or(d.account.free_failures),
            self.login_lock_after.or(file.lock_after).unwrap_or(d.account.lock_after),
            lock_secs,
            window_secs,
        );
        let ip = policy(
            self.login_ip_free_failures.or(file.ip_free_failures).unwrap_or(d.ip.free_failures),
            self.login_ip_lock_after.or(file.ip_lock_after).unwrap_or(d.ip.lock_after),
            lock_secs,
            window_secs,
        );
        Ok(LoginThrottleSettings { account, ip })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_flags_and_file_make_the_policies() {
        let s = LoginArgs::default().resolve(LoginFile::default()).expect("defaults");
        assert_eq!(s, LoginThrottleSettings::default());
        assert_eq!((s.account.free_failures, s.account.lock_after, s.account.lock_ms), (5, 10, 900_000));
        assert_eq!((s.ip.free_failures, s.ip.lock_after, s.account.max_lock_ms), (20, 50, 16 * 900_000));

        let args = LoginArgs { login_lock_after: Some(3), login_lock_secs: Some(2), ..Default::default() };
        let file =
            LoginFile { lock_after: Some(7), ip_lock_after: Some(0), free_failures: Some(1), ..Default::default() };
        let s = args.resolve(file).expect("resolve");
        assert_eq!((s.account.free_failures, s.account.lock_after, s.account.lock_ms), (1, 3, 2000), "flag wins");
        assert_eq!(s.ip.lock_after, 0, "the file turns per-IP throttling off");

        let zero = LoginArgs { login_window_secs: Some(0), ..Default::default() };
        assert!(zero.resolve(LoginFile::default()).is_err());
    }
}
