//! How the sync engine runs: workers, polling, leases, coalescing, per-connection
//! concurrency, call timeouts and retry backoff. Read from the server's configuration.

use std::time::Duration;

/// How the sync engine runs.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Concurrent jobs this process runs (0 = no workers).
    pub workers: usize,
    /// Poll the queue at least this often, whatever the wake-ups say.
    pub poll_interval: Duration,
    /// How long a claimed job is ours before another node may take it over.
    pub lease: Duration,
    /// Delay before a queued auto-sync runs.
    pub coalesce_delay: Duration,
    /// Most syncs running at once against one app connection.
    pub per_connection_limit: usize,
    /// Timeout of each Railway read.
    pub railway_timeout: Duration,
    /// Requests per second each Railway token may make, shared by every sync and node.
    pub railway_rps: f64,
    /// Timeout of each Railway change (Railway's CLI gives every request 90 s).
    pub railway_mutation_timeout: Duration,
    /// How often a run comes back to follow a deploy it is waiting for.
    pub deploy_poll: Duration,
    /// How long a sync waits for its deploys before it fails.
    pub deploy_wait: Duration,
    /// Backoff of sync retries.
    pub retry: sluice_domain::RetryPolicy,
    /// This node's name in leases; default `HOSTNAME:PORT`, stable across restarts so a
    /// restarted node resumes its own unfinished jobs at once.
    pub node_id: Option<String>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            workers: 4,
            poll_interval: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            coalesce_delay: Duration::ZERO,
            per_connection_limit: 5,
            railway_timeout: Duration::from_secs(30),
            railway_mutation_timeout: Duration::from_secs(90),
            railway_rps: 10.0,
            deploy_poll: Duration::from_secs(15),
            deploy_wait: Duration::from_secs(30 * 60),
            retry: sluice_domain::RetryPolicy::default(),
            node_id: None,
        }
    }
}
