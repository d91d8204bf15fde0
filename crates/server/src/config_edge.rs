//! The settings of the HTTP edge: how long a client may take (header read, idle keep-alive,
//! whole request), how many connections are served at once, HSTS, and which peers are
//! trusted proxies whose forwarded headers count. Flags `--…`, variables `SLUICE_…`, or
//! the same keys in the config file (same precedence as every setting).

use crate::auth::trusted_ips::TrustedIp;
use crate::config::ConfigError;
use clap::Args;
use std::time::Duration;

/// Most connections served at once when the file-descriptor limit does not ask for fewer.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

/// Most connections the setting accepts: far beyond what one process serves well.
pub const MAX_MAX_CONNECTIONS: usize = 1_000_000;

/// File descriptors kept free for everything but client connections: the database pool,
/// SQLite's files, Railway and SMTP calls, logs.
pub const RESERVED_FDS: u64 = 256;

/// `sluice server` flags of the HTTP edge.
#[derive(Args, Debug, Clone, Default)]
pub struct EdgeArgs {
    /// A connection must send its request headers within this many milliseconds of
    /// opening (or of its first byte after an idle spell) [default: 10000]
    #[arg(long, env = "SLUICE_HEADER_READ_TIMEOUT_MS", value_name = "MS")]
    pub header_read_timeout_ms: Option<u64>,

    /// A keep-alive connection idle this many milliseconds between requests is closed [default: 60000]
    #[arg(long, env = "SLUICE_IDLE_TIMEOUT_MS", value_name = "MS")]
    pub idle_timeout_ms: Option<u64>,

    /// A request not answered within this many milliseconds is stopped and answered 408
    /// (the UI's live status streams are exempt) [default: 60000]
    #[arg(long, env = "SLUICE_REQUEST_TIMEOUT_MS", value_name = "MS")]
    pub request_timeout_ms: Option<u64>,

    /// Most client connections served at once; further ones wait in the listen backlog
    /// [default: 10000, or the open-file limit minus 256 when that is lower]
    #[arg(long, env = "SLUICE_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,

    /// Send `Strict-Transport-Security: max-age=SECONDS; includeSubDomains` on every answer
    /// (only when clients reach Sluice over HTTPS, through a TLS-terminating proxy) [default: off]
    #[arg(long, env = "SLUICE_HSTS_MAX_AGE", value_name = "SECONDS")]
    pub hsts_max_age: Option<u64>,

    /// Peers whose X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto and Forwarded
    /// headers are believed: comma-separated addresses or CIDR blocks of your reverse
    /// proxies [default: none, forwarded headers are ignored]
    #[arg(long, env = "SLUICE_TRUSTED_PROXIES", value_name = "CIDRS", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
}

/// The same settings as config-file keys.
#[derive(Debug, Default)]
pub struct EdgeFile {
    pub header_read_timeout_ms: Option<u64>,
    pub idle_timeout_ms: Option<u64>,
    pub request_timeout_ms: Option<u64>,
    pub max_connections: Option<usize>,
    pub hsts_max_age: Option<u64>,
    pub trusted_proxies: Option<Vec<String>>,
}

/// The resolved edge settings.
#[derive(Clone, Debug)]
pub struct EdgeSettings {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    /// `max-age` of the `Strict-Transport-Security` header; `None` sends none.
    pub hsts_max_age: Option<u64>,
    /// Peers allowed to speak for the client through forwarded headers.
    pub trusted_proxies: Vec<TrustedIp>,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(open_file_limit()),
            hsts_max_age: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// 10,000 connections, or fewer when the process may not open that many files: an
/// accepted connection holds one descriptor, and running out of them stops the server
/// from accepting anything, `/api/status` included.
pub fn default_max_connections(open_files: Option<u64>) -> usize {
    match open_files {
        Some(limit) => {
            let room = limit.saturating_sub(RESERVED_FDS).max(16);
            usize::try_from(room).unwrap_or(usize::MAX).min(DEFAULT_MAX_CONNECTIONS)
        }
        None => DEFAULT_MAX_CONNECTIONS,
    }
}

/// The soft limit on open files of this process, when the platform tells.
fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

fn millis(name: &str, value: Option<u64>, default: Duration) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(0) => Err(ConfigError::Invalid(format!("--{name}: must be at least 1 millisecond"))),
        Some(ms) => Ok(Duration::from_millis(ms)),
    }
}

impl EdgeArgs {
    /// Resolves flags, environment and file; refuses zero durations, a zero connection
    /// cap and proxy entries that are not addresses or CIDR blocks.
    pub fn resolve(&self, file: EdgeFile) -> Result<EdgeSettings, ConfigError> {
        let defaults = EdgeSettings::default();
        let max_connections = match self.max_connections.or(file.max_connections) {
            Some(n) if !(1..=MAX_MAX_CONNECTIONS).contains(&n) => {
                return Err(ConfigError::Invalid(format!(
                    "--max-connections: {n} is not between 1 and {MAX_MAX_CONNECTIONS}"
                )));
            }
            Some(n) => n,
            None => defaults.max_connections,
        };
        let hsts_max_age = match self.hsts_max_age.or(file.hsts_max_age) {
            Some(0) => {
                return Err(ConfigError::Invalid(
                    "--hsts-max-age: 0 tells browsers to forget HSTS; leave it unset to send no header".into(),
                ));
            }
            other => other,
        };
        let trusted_proxies = self
            .trusted_proxies
            .clone()
            .or(file.trusted_proxies)
            .unwrap_or_default()
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                TrustedIp::parse(s).ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "--trusted-proxies: \"{s}\" is not an IP address or CIDR block (like 10.0.0.0/8)"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EdgeSettings {
            header_read_timeout: millis(
                "header-read-timeout-ms",
                self.header_read_timeout_ms.or(file.header_read_timeout_ms),
                defaults.header_read_timeout,
            )?,
            idle_timeout: millis(
                "idle-timeout-ms",
                self.idle_timeout_ms.or(file.idle_timeout_ms),
                defaults.idle_timeout,
            )?,
            request_timeout: millis(
                "request-timeout-ms",
                self.request_timeout_ms.or(file.request_timeout_ms),
                defaults.request_timeout,
            )?,
            max_connections,
            hsts_max_age,
            trusted_proxies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_room_under_the_open_file_limit() {
        for (limit, cap) in [
            (None, 10_000),
            (Some(1_048_576), 10_000),
            (Some(10_256), 10_000),
            (Some(1_024), 768),
            (Some(256), 16),
            (Some(0), 16),
        ] {
            assert_eq!(default_max_connections(limit), cap, "open-file limit {limit:?}");
        }
    }

    #[test]
    fn bad_edge_settings_are_refused_with_the_flag_named() {
        let err = |args: EdgeArgs| args.resolve(EdgeFile::default()).expect_err("refused").to_string();
        assert!(err(EdgeArgs { idle_timeout_ms: Some(0), ..Default::default() }).contains("--idle-timeout-ms"));
        assert!(err(EdgeArgs { max_connections: Some(0), ..Default::default() }).contains("--max-connections"));
        assert!(err(EdgeArgs { max_connections: Some(2_000_000), ..Default::default() }).contains("between 1 and"));
        assert!(err(EdgeArgs { hsts_max_age: Some(0), ..Default::default() }).contains("--hsts-max-age"));
        let bad =
            err(EdgeArgs { trusted_proxies: Some(vec!["10.0.0.0/8".into(), "proxy".into()]), ..Default::default() });
        assert!(bad.contains("\"proxy\" is not an IP address"), "{bad}");
    }

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let args = EdgeArgs { request_timeout_ms: Some(500), ..Default::default() };
        let file = EdgeFile {
            request_timeout_ms: Some(9_000),
            idle_timeout_ms: Some(2_000),
            trusted_proxies: Some(vec!["127.0.0.1".into(), " 10.0.0.0/8 ".into()]),
            ..Default::default()
        };
        let s = args.resolve(file).expect("resolve");
        assert_eq!(s.request_timeout, Duration::from_millis(500));
        assert_eq!(s.idle_timeout, Duration::from_secs(2));
        assert_eq!(s.header_read_timeout, Duration::from_secs(10));
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(s.hsts_max_age, None);
    }
}
