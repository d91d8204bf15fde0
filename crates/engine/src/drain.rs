//! Draining the queue inline, for tests and benchmarks: dispatch every pending change and
//! run every runnable job in the calling task until nothing is left, with no sleeping.

use super::{dispatch, run, worker};
use crate::Engine;
use sluice_storage::{StorageError, jobs};

#[derive(Clone, Copy, Debug, Default)]
pub struct DrainOptions {
    /// Also run jobs scheduled for later (retries waiting out their backoff).
    pub run_delayed: bool,
    /// Stop after this many runs (0 = no limit), to test what happens between attempts.
    pub max_runs: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub events: usize,
    pub runs: usize,
}

pub async fn drain(engine: &Engine, opts: DrainOptions) -> Result<DrainReport, StorageError> {
    let mut report = DrainReport::default();
    let due_by = opts.run_delayed.then_some(i64::MAX / 4);
    loop {
        report.events += dispatch::dispatch_all(engine).await?;
        if opts.max_runs > 0 && report.runs >= opts.max_runs {
            return Ok(report);
        }
        match worker::claim(engine, due_by).await? {
            Some(job) => {
                run::execute(engine, job).await;
                report.runs += 1;
            }
            None => {
                if dispatch::dispatch_all(engine).await? == 0 {
                    return Ok(report);
                }
            }
        }
    }
}

/// (queued, running) jobs left.
pub async fn outstanding(engine: &Engine) -> Result<(i64, i64), StorageError> {
    let mut conn = engine.store().read().await?;
    jobs::outstanding(&mut conn).await
}
