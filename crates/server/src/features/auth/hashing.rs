//! Bounded password hashing: every Argon2id hash and verification (user passwords, client
//! secrets) runs on a blocking thread after taking one of a fixed number of permits, one
//! per core. A storm of logins then queues here instead of filling tokio's blocking pool
//! and starving the rest of the API (secret reads keep their latency).

use crate::error::{ApiError, ApiResult};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The permits of password hashing. Cheap to clone; lives in the server's state.
#[derive(Clone, Debug)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
    size: usize,
}

impl PasswordHashing {
    /// At most `size` hashes at once (at least 1).
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self { permits: Arc::new(Semaphore::new(size)), size }
    }

    /// One permit per core (`std::thread::available_parallelism`).
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map(usize::from).unwrap_or(1))
    }

    /// How many hashes may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Hashes currently running (permits taken).
    pub fn running(&self) -> usize {
        self.size - self.permits.available_permits()
    }

    /// Runs `work` (Argon2: deliberately slow) on a blocking thread once a permit is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        let permit = self.permits.clone().acquire_owned().await.map_err(ApiError::internal)?;
        let out = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(ApiError::internal)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_permits_run_at_once() {
        let pool = PasswordHashing::new(2);
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (pool, now, peak) = (pool.clone(), now.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                pool.run(move || {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    // Real work, long enough for the tasks to overlap.
                    let _ = sluice_crypto::passwords::hash_password("storm");
                    now.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("hashed");
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "two permits, at most two at once: {peak}");
        assert_eq!(pool.running(), 0);
        assert_eq!(PasswordHashing::new(0).size(), 1);
    }
}
