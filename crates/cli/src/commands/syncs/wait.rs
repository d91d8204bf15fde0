//! `--wait`: following a queued sync, import, removal or drift check to its outcome.
//!
//! Every 300 ms the run history (`GET …/{id}/runs`) is read, and every 2 s the sync
//! itself (`GET …/{id}`, which the server audits, hence less often). The job followed is
//! either the one the server named (`check-drift`, `confirm-plan` and `remove-orphans`
//! answer with its id) or, for the older triggers, the first one of its kind other than
//! the one that had last finished before the trigger ([`Awaited`]). It is done when a
//! finished run (`succeeded`, `failed` or `held`) of it appears, or when the sync's own
//! status says so. Meanwhile one progress line shows the state, the attempt, and while the
//! engine waits to retry, the last error and when the next attempt is due; on a terminal
//! it is rewritten in place, otherwise a line is printed each time it changes. Progress
//! goes to standard error; the outcome to standard output. A failed job exits 1 with
//! Railway's message; a sync the mass-deletion guard held exits 7, pointing at
//! `syncs railway confirm`.

use super::{WaitOpts, path, show};
use crate::context::Context;
use crate::error::{CliError, CliResult, Kind};
use sluice_api_types::runs::{SyncRunOut, SyncRunsOut};
use sluice_api_types::syncs::{SecretSyncOut, SecretSyncResponse};
use sluice_domain::{JobKind, RunStatus, SyncStatus};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(300);
const SYNC_EVERY: Duration = Duration::from_secs(2);

/// One lifecycle's fields of a sync (each job kind has its own).
pub struct State {
    pub status: Option<SyncStatus>,
    pub job: Option<String>,
    pub message: Option<String>,
}

/// The fields of the lifecycle `kind` of a sync.
pub fn state(kind: JobKind, s: &SecretSyncOut) -> State {
    let (status, job, message) = match kind {
        JobKind::Sync => (s.sync_status, &s.last_sync_job_id, &s.last_sync_message),
        JobKind::Import => (s.import_status, &s.last_import_job_id, &s.last_import_message),
        JobKind::Remove => (s.remove_status, &s.last_remove_job_id, &s.last_remove_message),
        JobKind::Drift => (s.drift_check_status, &None, &s.last_drift_check_message),
    };
    State { status, job: job.clone(), message: message.clone() }
}

/// Which job `--wait` follows.
#[derive(Clone, Debug)]
pub enum Awaited {
    /// The next job of the lifecycle after this one, the last that finished before the
    /// trigger (triggers that answer with the sync only).
    After(Option<String>),
    /// This job (triggers that answer with its id).
    Job(String),
}

impl Awaited {
    fn is(&self, job: Option<&str>) -> bool {
        match self {
            Awaited::After(before) => before.as_deref() != job,
            Awaited::Job(id) => job == Some(id.as_str()),
        }
    }
}

fn run_finished(status: RunStatus) -> bool {
    matches!(status, RunStatus::Succeeded | RunStatus::Failed | RunStatus::Held)
}

fn sync_finished(status: SyncStatus) -> bool {
    matches!(status, SyncStatus::Succeeded | SyncStatus::Failed | SyncStatus::Held)
}

/// The progress line (without the elapsed time, which is added on a terminal only).
fn progress(name: &str, kind: JobKind, run: Option<&SyncRunOut>) -> String {
    let verb = show::job_noun(kind);
    match run {
        None => format!("{name}: {verb} queued, waiting for a worker"),
        Some(r) if r.status == RunStatus::Running => {
            format!("{name}: {verb} running (attempt {})", r.attempt)
        }
        Some(r) if r.status == RunStatus::Deploying => {
            let services: Vec<String> = r
                .deploys
                .iter()
                .filter(|d| matches!(d.state.as_str(), "deploying" | "waiting"))
                .map(|d| {
                    let name = d.service_name.as_deref().unwrap_or(&d.service_id);
                    match &d.status {
                        Some(status) => format!("{name} {status}"),
                        None => format!("{name} waiting for a build in flight"),
                    }
                })
                .collect();
            format!("{name}: variables written; waiting for Railway to deploy ({})", services.join(", "))
        }
        Some(r) if r.status == RunStatus::Retrying => {
            let when = r.next_attempt_at.as_deref().map(show::when).unwrap_or_else(|| "soon".to_string());
            let error = r.error.as_deref().unwrap_or("failed");
            format!("{name}: {verb} attempt {} failed: {error}; attempt {} {when}", r.attempt, r.attempt + 1)
        }
        Some(r) => format!("{name}: {verb} {} (attempt {})", r.status, r.attempt),
    }
}

struct Line {
    tty: bool,
    last: String,
    spin: usize,
}

impl Line {
    fn show(&mut self, text: &str, elapsed: Duration) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            const SPIN: [char; 4] = ['|', '/', '-', '\\'];
            self.spin = (self.spin + 1) % SPIN.len();
            let _ = write!(err, "\r\x1b[2K{} {text}  {}s", SPIN[self.spin], elapsed.as_secs());
            let _ = err.flush();
        } else if text != self.last {
            let _ = writeln!(err, "{text}");
        }
        self.last = text.to_string();
    }

    fn clear(&self) {
        if self.tty {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// The newest run of the awaited job of `kind` among `runs` (which come newest first).
fn newest<'a>(runs: &'a [SyncRunOut], kind: JobKind, awaited: &Awaited) -> Option<&'a SyncRunOut> {
    match awaited {
        Awaited::After(_) => runs.iter().find(|r| r.kind == kind).filter(|r| awaited.is(Some(&r.job_id))),
        Awaited::Job(id) => runs.iter().find(|r| r.job_id == *id),
    }
}

/// The run that ended a job, with the writes of the job's earlier run that made them when
/// the last one only followed a deploy (a job that waited for Railway to deploy ends with
/// a run that wrote nothing).
fn with_its_writes(runs: &[SyncRunOut], last: &SyncRunOut) -> SyncRunOut {
    let wrote =
        |r: &SyncRunOut| r.counts.plan.create + r.counts.plan.update + r.counts.plan.delete + r.counts.imported > 0;
    if wrote(last) {
        return last.clone();
    }
    match runs.iter().find(|o| o.job_id == last.job_id && o.id != last.id && wrote(o)) {
        Some(writer) => SyncRunOut { plan: writer.plan.clone(), counts: writer.counts, ..last.clone() },
        None => last.clone(),
    }
}

/// How a followed job ended.
pub enum Ended {
    /// The sync after the job, and the job's last run (with the writes of an earlier run
    /// of the job when the last one only followed a deploy); no run when only the sync's
    /// status told.
    Ran { sync: Box<SecretSyncOut>, run: Option<Box<SyncRunOut>>, took: Duration },
    /// A removal that deletes the sync did so.
    Deleted(Box<SecretSyncOut>),
}

/// Follows the job queued for `sync` until it ends, then prints how it ended (a failure
/// or a hold is an error). `deletes` is set when success deletes the sync.
pub async fn follow(
    ctx: &Context,
    sync: &SecretSyncOut,
    kind: JobKind,
    awaited: Awaited,
    opts: WaitOpts,
    deletes: bool,
) -> CliResult<()> {
    match until_done(ctx, sync, kind, awaited, opts, deletes).await? {
        Ended::Deleted(s) => show::removed_and_deleted(ctx, &s),
        Ended::Ran { sync, run, took } => outcome(ctx, &sync, kind, run.as_deref(), took),
    }
}

/// Follows the job queued for `sync` until it ends, showing progress; prints nothing else.
pub async fn until_done(
    ctx: &Context,
    sync: &SecretSyncOut,
    kind: JobKind,
    awaited: Awaited,
    opts: WaitOpts,
    deletes: bool,
) -> CliResult<Ended> {
    let started = Instant::now();
    let mut line = Line { tty: std::io::stderr().is_terminal(), last: String::new(), spin: 0 };
    let mut current = sync.clone();
    let mut last_sync_read = Instant::now();
    let id = sync.id.clone();
    loop {
        let runs: CliResult<SyncRunsOut> = ctx.client.get(&path(&[&id, "runs"]), &[("limit", "50")]).await;
        let runs = match runs {
            Ok(r) => r.runs,
            Err(e) if deletes && e.exit_code() == 4 => return Ok(gone(&line, &current)),
            Err(e) => return Err(e),
        };
        let run = newest(&runs, kind, &awaited);
        if let Some(r) = run.filter(|r| run_finished(r.status)) {
            line.clear();
            let r = with_its_writes(&runs, r);
            // The sync's final state (and, for a removal that deletes it, whether it is gone).
            let final_sync: CliResult<SecretSyncResponse> = ctx.client.get(&path(&[&id]), &[]).await;
            match final_sync {
                Ok(s) => current = s.secret_sync,
                Err(e) if deletes && e.exit_code() == 4 && r.status == RunStatus::Succeeded => {
                    return Ok(gone(&line, &current));
                }
                Err(e) => return Err(e),
            }
            return Ok(Ended::Ran { sync: Box::new(current), run: Some(Box::new(r)), took: started.elapsed() });
        }
        if last_sync_read.elapsed() >= SYNC_EVERY {
            last_sync_read = Instant::now();
            match ctx.client.get::<SecretSyncResponse>(&path(&[&id]), &[]).await {
                Ok(s) => current = s.secret_sync,
                Err(e) if deletes && e.exit_code() == 4 => return Ok(gone(&line, &current)),
                Err(e) => return Err(e),
            }
            let state = state(kind, &current);
            if state.status.is_some_and(sync_finished) && awaited.is(state.job.as_deref()) {
                line.clear();
                return Ok(Ended::Ran { sync: Box::new(current), run: None, took: started.elapsed() });
            }
        }
        line.show(&progress(&current.name, kind, run), started.elapsed());
        if let Some(limit) = opts.timeout.map(Duration::from_secs).filter(|l| started.elapsed() >= *l) {
            line.clear();
            let status = run.map(|r| r.status.to_string()).unwrap_or_else(|| "queued".to_string());
            return Err(CliError::failed(format!(
                "gave up waiting after {} s: the {} of {} is still {status}",
                limit.as_secs(),
                show::job_noun(kind),
                current.name
            ))
            .with_hint(format!(
                "it goes on at the server; follow it with `sluice syncs railway runs {}`",
                current.name
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn gone(line: &Line, sync: &SecretSyncOut) -> Ended {
    line.clear();
    Ended::Deleted(Box::new(sync.clone()))
}

/// Prints how a job ended; a failure is an error (exit 1) carrying Railway's message, a
/// held sync an error (exit 7) pointing at `confirm`.
pub fn outcome(
    ctx: &Context,
    sync: &SecretSyncOut,
    kind: JobKind,
    run: Option<&SyncRunOut>,
    took: Duration,
) -> CliResult<()> {
    show::outcome(ctx, sync, kind, run, took)?;
    verdict(sync, kind, run)
}

/// Whether the job's end is a success for the exit status: a failed job is an error
/// carrying Railway's message, a held sync an error pointing at `confirm`.
pub fn verdict(sync: &SecretSyncOut, kind: JobKind, run: Option<&SyncRunOut>) -> CliResult<()> {
    let state = state(kind, sync);
    let ended = run.map(|r| r.status);
    if ended == Some(RunStatus::Held) || (run.is_none() && state.status == Some(SyncStatus::Held)) {
        return Err(CliError::new(
            Kind::Held,
            format!("the sync of {} is held until its plan is confirmed", sync.name),
        )
        .with_hint(format!("review the plan and confirm it with `sluice syncs railway confirm {}`", sync.name)));
    }
    let failed = run.map(|r| r.status == RunStatus::Failed).unwrap_or(state.status == Some(SyncStatus::Failed));
    if !failed {
        return Ok(());
    }
    let message = run.and_then(|r| r.error.clone()).or(state.message).unwrap_or_else(|| "no message".to_string());
    let attempts = run.map(|r| format!(" after {} attempt{}", r.attempt, if r.attempt == 1 { "" } else { "s" }));
    Err(CliError::failed(format!(
        "the {} of {} failed{}: {message}",
        show::job_noun(kind),
        sync.name,
        attempts.unwrap_or_default()
    ))
    .with_hint(format!("see `sluice syncs railway runs {}`; fix the cause, then run it again", sync.name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(status: &str, attempt: i64, next: Option<&str>, error: Option<&str>) -> SyncRunOut {
        serde_json::from_value(json!({"id": "r", "jobId": "j", "kind": "sync", "trigger": "manual",
            "actor": {"type": "identity", "id": null, "name": null}, "attempt": attempt, "status": status,
            "startedAt": "", "finishedAt": null, "plan": [], "counts": {}, "railwayCalls": [], "redeploy": null,
            "error": error, "nextAttemptAt": next}))
        .expect("run")
    }

    #[test]
    fn progress_shows_state_attempt_and_retry() {
        assert_eq!(progress("s", JobKind::Sync, None), "s: sync queued, waiting for a worker");
        assert_eq!(progress("s", JobKind::Drift, None), "s: drift check queued, waiting for a worker");
        assert_eq!(progress("s", JobKind::Sync, Some(&run("running", 2, None, None))), "s: sync running (attempt 2)");
        let retry = run("retrying", 1, Some("2020-01-01T00:00:00.000Z"), Some("Not Authorized"));
        let line = progress("s", JobKind::Sync, Some(&retry));
        assert!(line.starts_with("s: sync attempt 1 failed: Not Authorized; attempt 2 "), "{line}");
    }
}
