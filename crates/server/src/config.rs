//! Server configuration: flags, `SLUICE_*` environment variables (and Infisical's names
//! where they mean the same), and an optional TOML file. Precedence: flag, environment,
//! file, default.

use clap::Args;
use serde::Deserialize;
use sluice_crypto::RootKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use sluice_engine::EngineSettings;

/// The real Railway endpoint.
pub const RAILWAY_API_URL: &str = "https://backboard.railway.com/graphql/v2";

/// `sluice server` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ServerArgs {
    /// Address to listen on [default: 127.0.0.1:8080; Infisical's PORT sets the port]
    #[arg(long, env = "SLUICE_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,

    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB [default: SQLite in the data directory]
    #[arg(long, env = "SLUICE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,

    /// Directory for the SQLite database and other local state [default: ./sluice-data; a fresh temporary directory with --dev]
    #[arg(long, env = "SLUICE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Root encryption key: 32 bytes, base64 (`sluice keygen` makes one). Never stored in the database.
    #[arg(long, env = "SLUICE_ROOT_KEY", value_name = "BASE64", hide_env_values = true)]
    pub root_key: Option<String>,

    /// Optional TOML file with the same settings (keys as the flags, with underscores)
    #[arg(long, env = "SLUICE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Railway's GraphQL endpoint (point it at a fake Railway for local work)
    #[arg(long, env = "SLUICE_RAILWAY_API_URL", value_name = "URL")]
    pub railway_api_url: Option<String>,

    /// Log format: text or json
    #[arg(long, env = "SLUICE_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,

    #[command(flatten)]
    pub smtp: crate::config_smtp::SmtpArgs,

    #[command(flatten)]
    pub login: crate::config_login::LoginArgs,

    #[command(flatten)]
    pub edge: crate::config_edge::EdgeArgs,

    /// Start a ready-to-use local instance: temporary data, a generated root key, an admin
    /// user, an organization, a project `default` and a machine identity
    #[arg(long)]
    pub dev: bool,

    /// With --dev: write the generated URL and credentials to FILE as JSON
    #[arg(long, value_name = "FILE", requires = "dev")]
    pub dev_output: Option<PathBuf>,

    /// With --dev: also start a fake Railway from the example seed and sync to it
    #[arg(long, requires = "dev")]
    pub railway_fake: bool,

    /// Sync workers run in this process (turn off for an API-only node; on SQLite the
    /// write-ahead log is then copied back by the writer every 10,000 pages, not every second)
    #[arg(long, env = "SLUICE_WORKERS", value_name = "N")]
    pub workers: Option<usize>,

    /// Delay before a queued auto-sync runs, in milliseconds, so a burst of changes
    /// becomes one sync [default: 0]
    #[arg(long, env = "SLUICE_SYNC_COALESCE_MS", value_name = "MS")]
    pub sync_coalesce_ms: Option<u64>,

    /// How long a claimed job stays this node's without renewal, in milliseconds; longer
    /// than the longest Railway call (90 s for writes). A stopped node's jobs are taken over
    /// after it [default: 120000]
    #[arg(long, env = "SLUICE_JOB_LEASE_MS", value_name = "MS")]
    pub job_lease_ms: Option<u64>,

    /// Timeout of each Railway read, in milliseconds [default: 30000]
    #[arg(long, env = "SLUICE_RAILWAY_TIMEOUT_MS", value_name = "MS")]
    pub railway_timeout_ms: Option<u64>,

    /// Timeout of each Railway write, in milliseconds (Railway's CLI allows 90 s); the job
    /// lease must be longer [default: 90000]
    #[arg(long, env = "SLUICE_RAILWAY_MUTATION_TIMEOUT_MS", value_name = "MS")]
    pub railway_mutation_timeout_ms: Option<u64>,

    /// Most syncs of one Railway connection running at once across the cluster, unless the
    /// connection sets its own (`syncConcurrency`) [default: 5]
    #[arg(long, env = "SLUICE_SYNC_CONCURRENCY", value_name = "N")]
    pub sync_concurrency: Option<usize>,

    /// Poll the job queue at least this often, in milliseconds [default: 2000]
    #[arg(long, env = "SLUICE_POLL_MS", value_name = "MS")]
    pub poll_ms: Option<u64>,

    /// This node's name in job leases [default: HOSTNAME:PORT]
    #[arg(long, env = "SLUICE_NODE_ID", value_name = "NAME")]
    pub node_id: Option<String>,

    /// Minutes after a sync failed for good (its retries spent) before it is tried again on
    /// its own, and again after each failure until it succeeds; 0 turns it off [default: 10]
    #[arg(long, env = "SLUICE_RECONCILE_INTERVAL_MINUTES", value_name = "MINUTES")]
    pub reconcile_interval_minutes: Option<u64>,

    /// Finished runs kept in each sync's history (the newest; older ones are deleted by the
    /// hourly housekeeping) [default: 200]
    #[arg(long, env = "SLUICE_RUN_HISTORY", value_name = "N")]
    pub run_history: Option<u32>,

    /// Days audit entries are kept; 0 keeps them forever [default: 365]
    #[arg(long, env = "SLUICE_AUDIT_RETENTION_DAYS", value_name = "DAYS")]
    pub audit_retention_days: Option<u64>,

    /// Requests per second each Railway token may make (Railway: 10 on Hobby, 50 on Pro);
    /// every sync and node on a token shares it [default: 10]
    #[arg(long, env = "SLUICE_RAILWAY_RPS", value_name = "N")]
    pub railway_rps: Option<f64>,

    /// Serve Prometheus metrics at /metrics on the main listener (always on with --dev)
    #[arg(long, env = "SLUICE_METRICS")]
    pub metrics: bool,

    /// Ask scrapes of /metrics for `Authorization: Bearer TOKEN` (setting it turns /metrics on)
    #[arg(long, env = "SLUICE_METRICS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Memory for whole secret-list answers kept while their project is unchanged (they
    /// hold decrypted values in this process); 0 turns the cache off [default: 16]
    #[arg(long, env = "SLUICE_READ_CACHE_MIB", value_name = "MIB")]
    pub read_cache_mib: Option<u64>,
}

/// Settings read from the optional TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    root_key: Option<String>,
    railway_api_url: Option<String>,
    log_format: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
    smtp_tls: Option<String>,
    workers: Option<usize>,
    sync_coalesce_ms: Option<u64>,
    railway_rps: Option<f64>,
    reconcile_interval_minutes: Option<u64>,
    run_history: Option<u32>,
    audit_retention_days: Option<u64>,
    metrics: Option<bool>,
    metrics_token: Option<String>,
    read_cache_mib: Option<u64>,
    login_free_failures: Option<u32>,
    login_lock_after: Option<u32>,
    login_lock_secs: Option<u64>,
    login_window_secs: Option<u64>,
    login_ip_free_failures: Option<u32>,
    login_ip_lock_after: Option<u32>,
    header_read_timeout_ms: Option<u64>,
    idle_timeout_ms: Option<u64>,
    request_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
    hsts_max_age: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Resolved settings the server runs with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub root_key: RootKey,
    pub railway_api_url: String,
    pub log_format: LogFormat,
    pub engine: EngineSettings,
    /// Notification delivery, SMTP included.
    pub notify: sluice_notify::NotifySettings,
    /// Login throttling, per account and per client IP.
    pub login: crate::config_login::LoginThrottleSettings,
    /// Started with --dev.
    pub dev: bool,
    /// `/metrics`: served or not, and its token.
    pub metrics: crate::metrics::MetricsSettings,
    /// Timeouts, the connection cap, HSTS and trusted proxies.
    pub edge: crate::config_edge::EdgeSettings,
    /// Bytes of secret-list answers the read cache may hold (0: off).
    pub read_cache_bytes: usize,
}

/// The read cache's default size.
pub const READ_CACHE_MIB: u64 = 16;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "no root encryption key: set SLUICE_ROOT_KEY (or ROOT_ENCRYPTION_KEY, or --root-key) to 32 bytes in base64; \
         `sluice keygen` prints a new one. Use `sluice server --dev` for a throwaway instance."
    )]
    MissingRootKey,
}

fn env_any(names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// Parses a root key given as base64 (32 bytes) or as 64 hex characters.
pub fn parse_root_key(raw: &str, source: &str) -> Result<RootKey, ConfigError> {
    let raw = raw.trim();
    if raw.len() == 64 && raw.chars().all(|c| c.is_ascii_hexdigit()) {
        let mut bytes = Vec::with_capacity(32);
        for i in (0..64).step_by(2) {
            bytes.push(u8::from_str_radix(&raw[i..i + 2], 16).map_err(|e| ConfigError::Invalid(e.to_string()))?);
        }
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        return RootKey::from_base64(&b64).map_err(|e| ConfigError::Invalid(format!("{source}: {e}")));
    }
    RootKey::from_base64(raw).map_err(|e| ConfigError::Invalid(format!("{source}: {e}")))
}

/// The database URL `sluice server` uses: the flag or `SLUICE_DATABASE_URL`, Infisical's
/// `DB_CONNECTION_URI`, the file's, else SQLite in the data directory.
fn database_url(flag: Option<String>, file: Option<String>, data_dir: &Path) -> String {
    flag.or_else(|| env_any(&["DB_CONNECTION_URI"]))
        .or(file)
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("sluice.db").display()))
}

fn read_file_settings(path: Option<&Path>) -> Result<FileSettings, ConfigError> {
    let Some(path) = path else { return Ok(FileSettings::default()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Invalid(format!("cannot read config file {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| ConfigError::Invalid(format!("config file {}: {e}", path.display())))
}

/// The database settings of `sluice server`, for `sluice backup` and `sluice restore`
/// (same flags, variables and file, so they find the database the server uses).
#[derive(Args, Debug, Clone, Default)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH or postgres://… [default: SQLite in the data directory]
    #[arg(long, env = "SLUICE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,

    /// Directory of the SQLite database [default: ./sluice-data]
    #[arg(long, env = "SLUICE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Root encryption key, to check that it opens the database (restore); never stored
    #[arg(long, env = "SLUICE_ROOT_KEY", value_name = "BASE64", hide_env_values = true)]
    pub root_key: Option<String>,

    /// The server's TOML settings file (its database_url, data_dir and root_key are used)
    #[arg(long, env = "SLUICE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where the database is, and the root key if one was given.
#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    pub database_url: String,
    pub root_key: Option<RootKey>,
}

impl DatabaseArgs {
    /// Resolves as [`ServerArgs::resolve`] does; the root key is optional here.
    pub fn resolve(&self) -> Result<DatabaseSettings, ConfigError> {
        let file = read_file_settings(self.config.as_deref())?;
        let data_dir = self.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("sluice-data"));
        let database_url = database_url(self.database_url.clone(), file.database_url, &data_dir);
        let root_key = match (&self.root_key, env_any(&["ROOT_ENCRYPTION_KEY", "ENCRYPTION_KEY"]), &file.root_key) {
            (Some(k), _, _) => Some(parse_root_key(k, "SLUICE_ROOT_KEY")?),
            (None, Some(k), _) => Some(parse_root_key(&k, "ROOT_ENCRYPTION_KEY/ENCRYPTION_KEY")?),
            (None, None, Some(k)) => Some(parse_root_key(k, "config file root_key")?),
            (None, None, None) => None,
        };
        Ok(DatabaseSettings { database_url, root_key })
    }
}

impl ServerArgs {
    /// Resolves flags, environment, file and defaults. `dev_dir` is the directory --dev chose.
    pub fn resolve(&self, dev_dir: Option<&Path>, dev_key: Option<RootKey>) -> Result<Settings, ConfigError> {
        let file = read_file_settings(self.config.as_deref())?;

        let listen_text = self
            .listen
            .clone()
            .or(file.listen)
            .or_else(|| env_any(&["PORT"]).map(|p| format!("127.0.0.1:{}", p.trim())));
        let listen: SocketAddr = match listen_text {
            Some(t) => t.parse().map_err(|_| {
                ConfigError::Invalid(format!("--listen: \"{t}\" is not an address like 127.0.0.1:8080"))
            })?,
            None if self.dev => SocketAddr::from(([127, 0, 0, 1], 8080)),
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };

        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .or_else(|| dev_dir.map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("sluice-data"));

        let database_url = database_url(self.database_url.clone(), file.database_url, &data_dir);

        let root_key = match (&self.root_key, env_any(&["ROOT_ENCRYPTION_KEY", "ENCRYPTION_KEY"]), &file.root_key) {
            (Some(k), _, _) => parse_root_key(k, "SLUICE_ROOT_KEY")?,
            (None, Some(k), _) => parse_root_key(&k, "ROOT_ENCRYPTION_KEY/ENCRYPTION_KEY")?,
            (None, None, Some(k)) => parse_root_key(k, "config file root_key")?,
            (None, None, None) => dev_key.ok_or(ConfigError::MissingRootKey)?,
        };

        let log_format = match self.log_format.clone().or(file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid(format!("--log-format: \"{other}\" is not text or json")));
            }
        };

        let smtp_file = crate::config_smtp::SmtpFile {
            host: file.smtp_host,
            port: file.smtp_port,
            username: file.smtp_username,
            password: file.smtp_password,
            from: file.smtp_from,
            tls: file.smtp_tls,
        };
        let notify = sluice_notify::NotifySettings { smtp: self.smtp.resolve(smtp_file)?, ..Default::default() };
        let edge = self.edge.resolve(crate::config_edge::EdgeFile {
            header_read_timeout_ms: file.header_read_timeout_ms,
            idle_timeout_ms: file.idle_timeout_ms,
            request_timeout_ms: file.request_timeout_ms,
            max_connections: file.max_connections,
            hsts_max_age: file.hsts_max_age,
            trusted_proxies: file.trusted_proxies,
        })?;

        let login = self.login.resolve(crate::config_login::LoginFile {
            free_failures: file.login_free_failures,
            lock_after: file.login_lock_after,
            lock_secs: file.login_lock_secs,
            window_secs: file.login_window_secs,
            ip_free_failures: file.login_ip_free_failures,
            ip_lock_after: file.login_ip_lock_after,
        })?;

        let mut engine = EngineSettings::default();
        if let Some(w) = self.workers.or(file.workers) {
            engine.workers = w;
        }
        if let Some(ms) = self.sync_coalesce_ms.or(file.sync_coalesce_ms) {
            engine.coalesce_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = self.job_lease_ms {
            engine.lease = Duration::from_millis(ms.max(100));
        }
        if let Some(ms) = self.railway_timeout_ms {
            engine.railway_timeout = Duration::from_millis(ms.max(100));
        }
        if let Some(ms) = self.railway_mutation_timeout_ms {
            engine.railway_mutation_timeout = Duration::from_millis(ms.max(100));
        }
        if let Some(n) = self.sync_concurrency {
            engine.per_connection_limit = n;
        }
        if let Some(ms) = self.poll_ms {
            engine.poll_interval = Duration::from_millis(ms.max(10));
        }
        if let Some(minutes) = self.reconcile_interval_minutes.or(file.reconcile_interval_minutes) {
            if minutes > 7 * 24 * 60 {
                return Err(ConfigError::Invalid(format!(
                    "--reconcile-interval-minutes: {minutes} is more than a week (10080); use 0 to turn reconciliation off"
                )));
            }
            engine.reconcile_interval = Duration::from_secs(minutes * 60);
        }
        if let Some(n) = self.run_history.or(file.run_history) {
            if n == 0 {
                return Err(ConfigError::Invalid(
                    "--run-history: keep at least 1 run per sync (the newest run is what the sync's page shows)".into(),
                ));
            }
            engine.retention.runs_per_sync = n;
        }
        if let Some(days) = self.audit_retention_days.or(file.audit_retention_days) {
            engine.retention.audit = (days > 0).then(|| Duration::from_secs(days * 86_400));
        }
        engine.node_id = self.node_id.clone();
        engine.validate().map_err(ConfigError::Invalid)?;
        if let Some(rps) = self.railway_rps.or(file.railway_rps) {
            if !(rps.is_finite() && rps > 0.0) {
                return Err(ConfigError::Invalid(format!("--railway-rps: {rps} is not a positive number")));
            }
            engine.railway_rps = rps;
        }

        let metrics_token = match self.metrics_token.clone().or(file.metrics_token) {
            Some(t) if t.trim().is_empty() => {
                return Err(ConfigError::Invalid("--metrics-token: the token is empty".to_string()));
            }
            t => t.map(|t| sluice_domain::SecretToken::new(t.trim())),
        };
        let read_cache_mib = self.read_cache_mib.or(file.read_cache_mib).unwrap_or(READ_CACHE_MIB);
        if read_cache_mib > 4096 {
            return Err(ConfigError::Invalid(format!(
                "--read-cache-mib: {read_cache_mib} is more than 4096; use 0 to turn the read cache off"
            )));
        }
        let metrics = crate::metrics::MetricsSettings {
            enabled: self.dev || self.metrics || file.metrics.unwrap_or(false) || metrics_token.is_some(),
            token: metrics_token,
        };

        Ok(Settings {
            listen,
            database_url,
            data_dir,
            root_key,
            railway_api_url: self
                .railway_api_url
                .clone()
                .or(file.railway_api_url)
                .unwrap_or_else(|| RAILWAY_API_URL.to_string()),
            log_format,
            engine,
            notify,
            login,
            dev: self.dev,
            metrics,
            edge,
            read_cache_bytes: (read_cache_mib * 1024 * 1024) as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_root_keys_are_the_same_key() {
        let hex = "00".repeat(32);
        let b64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let a = parse_root_key(&hex, "x").expect("hex");
        let b = parse_root_key(b64, "x").expect("b64");
        assert_eq!(a.to_base64(), b.to_base64());
        assert!(parse_root_key("short", "SLUICE_ROOT_KEY").is_err());
    }

    #[test]
    fn metrics_are_on_with_dev_a_flag_or_a_token_and_an_empty_token_is_refused() {
        let key = Some(RootKey::generate().to_base64());
        let resolve = |args: ServerArgs| args.resolve(None, None).map(|s| s.metrics);
        let base = ServerArgs { root_key: key.clone(), ..Default::default() };
        assert!(!resolve(base.clone()).expect("resolve").enabled, "off by default");
        assert!(resolve(ServerArgs { dev: true, ..base.clone() }).expect("resolve").enabled);
        assert!(resolve(ServerArgs { metrics: true, ..base.clone() }).expect("resolve").enabled);
        let with_token = resolve(ServerArgs { metrics_token: Some(" t0k ".into()), ..base.clone() }).expect("resolve");
        assert!(with_token.enabled);
        assert_eq!(with_token.token.as_ref().map(|t| t.expose()), Some("t0k"));
        let err = resolve(ServerArgs { metrics_token: Some("  ".into()), ..base }).expect_err("empty token");
        assert!(err.to_string().contains("--metrics-token"), "{err}");
    }

    #[test]
    fn config_file_fills_gaps_and_flags_win() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("sluice.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9999\"\nrailway_api_url = \"http://fake\"\n").expect("write");
        let args = ServerArgs {
            config: Some(path.clone()),
            root_key: Some(RootKey::generate().to_base64()),
            ..Default::default()
        };
        let s = args.resolve(None, None).expect("resolve");
        assert_eq!(s.listen.port(), 9999);
        assert_eq!(s.railway_api_url, "http://fake");
        let args = ServerArgs { listen: Some("127.0.0.1:7000".into()), ..args };
        assert_eq!(args.resolve(None, None).expect("resolve").listen.port(), 7000);
        std::fs::write(&path, "nope = 1\n").expect("write");
        let err = args.resolve(None, None).expect_err("unknown key");
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn edge_settings_come_from_flags_and_file_keys() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: ServerArgs,
        }
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("sluice.toml");
        std::fs::write(&path, "idle_timeout_ms = 5000\nhsts_max_age = 600\ntrusted_proxies = [\"10.0.0.0/8\"]\n")
            .expect("write");
        let key = RootKey::generate().to_base64();
        let cli = Cli::parse_from(["sluice", "--root-key", &key, "--config", path.to_str().expect("utf-8")]);
        let edge = cli.args.resolve(None, None).expect("resolve").edge;
        assert_eq!(edge.idle_timeout, Duration::from_secs(5));
        assert_eq!(edge.hsts_max_age, Some(600));
        assert_eq!(edge.trusted_proxies.len(), 1);
        let cli = Cli::parse_from([
            "sluice",
            "--root-key",
            &key,
            "--trusted-proxies",
            "127.0.0.1,::1",
            "--max-connections",
            "50",
            "--header-read-timeout-ms",
            "2500",
        ]);
        let edge = cli.args.resolve(None, None).expect("resolve").edge;
        assert_eq!(edge.trusted_proxies.len(), 2);
        assert_eq!(edge.max_connections, 50);
        assert_eq!(edge.header_read_timeout, Duration::from_millis(2500));
    }
}
