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
    /// How long a claimed job is ours before another node may take it over. Each write
    /// extends it to a full lease first, so it must outlast the longest Railway call
    /// ([`EngineSettings::validate`]); a dead node's jobs wait this long to be taken over.
    pub lease: Duration,
    /// Delay before a queued auto-sync runs.
    pub coalesce_delay: Duration,
    /// Most syncs running at once against one app connection, across the cluster, unless
    /// the connection sets its own (`syncConcurrency`).
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
    /// How long after a sync failed for good (its retries spent) it is tried again on its
    /// own (±10 % jitter), and again after each failure, until it succeeds; zero turns
    /// reconciliation off.
    pub reconcile_interval: Duration,
    /// Backoff of sync retries.
    pub retry: sluice_domain::RetryPolicy,
    /// This node's name in leases; default `HOSTNAME:PORT`, stable across restarts so a
    /// restarted node resumes its own unfinished jobs at once.
    pub node_id: Option<String>,
    /// What the hourly housekeeping keeps (run history, finished jobs, audit entries).
    pub retention: crate::housekeeping::Retention,
}

impl EngineSettings {
    /// Refuses settings under which a write could outlive the lease it was fenced with.
    pub fn validate(&self) -> Result<(), String> {
        let longest = self.railway_mutation_timeout.max(self.railway_timeout);
        if self.lease <= longest {
            return Err(format!(
                "the job lease ({} ms, --job-lease-ms) must be longer than the longest Railway call timeout ({} ms): \
                 a write fenced at the start of its lease must end before the lease can run out",
                self.lease.as_millis(),
                longest.as_millis()
            ));
        }
        if self.per_connection_limit == 0 {
            return Err("the per-connection sync concurrency (--sync-concurrency) must be at least 1".to_string());
        }
        Ok(())
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            workers: 4,
            poll_interval: Duration::from_secs(2),
            lease: Duration::from_secs(120),
            coalesce_delay: Duration::ZERO,
            per_connection_limit: 5,
            railway_timeout: Duration::from_secs(30),
            railway_mutation_timeout: Duration::from_secs(90),
            railway_rps: 10.0,
            deploy_poll: Duration::from_secs(15),
            deploy_wait: Duration::from_secs(30 * 60),
            reconcile_interval: Duration::from_secs(10 * 60),
            retry: sluice_domain::RetryPolicy::default(),
            node_id: None,
            retention: crate::housekeeping::Retention::default(),
        }
    }
}
