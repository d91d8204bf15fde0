//! What keeps a sync right unattended (the server's `features/syncs/trust.rs`): `drift`
//! (the latest drift report, or a check now), `confirm` (release a run the mass-deletion
//! guard held, for exactly the plan shown), `remove-orphans` (delete the keys the sync
//! wrote that its configuration no longer manages) and `keys` (its ownership ledger).
//! Their triggers answer with the job queued, which `--wait` follows ([`super::wait`]).

use super::wait::{self, Awaited, Ended};
use super::{Target, WaitOpts, WaitTarget, find, path, report};
use crate::context::Context;
use crate::error::{CliError, CliResult, Kind};
use serde_json::json;
use sluice_api_types::runs::{SyncRunOut, SyncRunsOut};
use sluice_api_types::syncs::{ConfirmPlanIn, DriftResponse, OwnedKeysResponse, QueuedJobResponse};
use sluice_domain::{JobKind, RunStatus, SyncStatus};
use std::io::{BufRead, IsTerminal, Write};

#[derive(clap::Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: Target,
    /// Check now (one read of Railway) instead of showing the latest report
    #[arg(long)]
    pub check: bool,
    /// Follow the check to its end, then print its report (exit 1 when the check failed)
    #[arg(long, requires = "check")]
    pub wait: bool,
    /// Stop waiting after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", requires = "wait")]
    pub timeout: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct ConfirmArgs {
    #[command(flatten)]
    pub target: Target,
    /// Confirm this plan fingerprint (a `plan`'s planHash) instead of the held one; refused
    /// when the held plan is another
    #[arg(long, value_name = "HASH")]
    pub plan_hash: Option<String>,
    /// Don't ask (needed when standard input is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub wait: WaitOpts,
}

/// `drift`: the latest report, or (`--check`) a check queued and, with `--wait`, its
/// report. Exits 6 when the report says drifted.
pub async fn drift(ctx: &Context, args: &DriftArgs) -> CliResult<()> {
    let mut sync = find(ctx, &args.target.sync).await?;
    if args.check {
        let q: QueuedJobResponse = ctx.client.post(&path(&[sync.id.as_str(), "check-drift"]), &json!({})).await?;
        if !args.wait {
            let text = format!(
                "Queued a drift check of {}: see its report with `sluice syncs railway drift {}` once it ran, \
                 or use --wait.",
                q.secret_sync.name, q.secret_sync.name
            );
            return report::queued_job(ctx, &q, &text);
        }
        let opts = WaitOpts { wait: true, timeout: args.timeout };
        let awaited = Awaited::Job(q.job_id.clone());
        if let Ended::Ran { sync: after, run, took } =
            wait::until_done(ctx, &q.secret_sync, JobKind::Drift, awaited, opts, false).await?
        {
            if run.as_ref().is_some_and(|r| r.status == RunStatus::Failed) {
                return wait::outcome(ctx, &after, JobKind::Drift, run.as_deref(), took);
            }
            sync = *after;
        }
    }
    let out: DriftResponse = ctx.client.get(&path(&[sync.id.as_str(), "drift"]), &[]).await?;
    report::print_drift(ctx, &sync, out.drift.as_ref())?;
    if out.drift.as_ref().is_some_and(report::drifted) {
        // The report says it all; the status is for scripts.
        return Err(CliError::new(Kind::Drifted, ""));
    }
    Ok(())
}

/// The run a held sync waits on: its last sync job's held run.
fn held_run<'a>(runs: &'a [SyncRunOut], job: Option<&str>) -> Option<&'a SyncRunOut> {
    runs.iter().find(|r| r.status == RunStatus::Held && Some(r.job_id.as_str()) == job)
}

/// Asks on the terminal whether to go ahead; refuses without one.
fn ask(name: &str, deletes: Option<u64>) -> CliResult<()> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "not confirming the held plan of {name}: standard input is not a terminal to ask on"
        ))
        .with_hint("review the plan above, then run again with --yes to confirm it"));
    }
    let what = match deletes {
        Some(n) => {
            format!("Go ahead with this plan, deleting {n} variable{} at Railway?", if n == 1 { "" } else { "s" })
        }
        None => "Go ahead with the held plan?".to_string(),
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{what} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(CliError::failed(format!("not confirmed: nothing changed, {name} stays held"))),
    }
}

/// `confirm`: shows the held plan and why, asks (unless `--yes`), confirms it, and with
/// `--wait` follows the sync it queues.
pub async fn confirm(ctx: &Context, args: &ConfirmArgs) -> CliResult<()> {
    let sync = find(ctx, &args.target.sync).await?;
    if sync.sync_status != Some(SyncStatus::Held) {
        let status = sync.sync_status.map(|s| s.to_string()).unwrap_or_else(|| "never run".to_string());
        return Err(CliError::usage(format!(
            "{} is not held (its sync status is {status}): there is no plan to confirm",
            sync.name
        ))
        .with_hint("a run is held when it would delete too many variables; `sluice syncs railway get` shows when"));
    }
    let hash = args
        .plan_hash
        .clone()
        .or_else(|| sync.held_plan_hash.clone())
        .ok_or_else(|| CliError::failed(format!("{} is held but the server named no plan", sync.name)))?;
    let runs: SyncRunsOut = ctx.client.get(&path(&[sync.id.as_str(), "runs"]), &[("limit", "50")]).await?;
    let run = held_run(&runs.runs, sync.last_sync_job_id.as_deref());
    report::print_held_review(ctx, &sync, run, &hash);
    if !args.yes {
        ask(&sync.name, run.map(|r| r.counts.plan.delete))?;
    }
    let body = ConfirmPlanIn { plan_hash: Some(hash) };
    let q: QueuedJobResponse = ctx
        .client
        .post(&path(&[sync.id.as_str(), "confirm-plan"]), &body)
        .await
        .map_err(|e| e.name_flags(&[("body.planHash", "--plan-hash")]))?;
    if args.wait.wait {
        return wait::follow(ctx, &q.secret_sync, JobKind::Sync, Awaited::Job(q.job_id.clone()), args.wait, false)
            .await;
    }
    let text = format!(
        "Confirmed the held plan of {}: a sync is queued; follow it with `sluice syncs railway runs {}`, or use --wait.",
        sync.name, sync.name
    );
    report::queued_job(ctx, &q, &text)
}

/// `remove-orphans`: queues deleting the keys the sync wrote that it no longer manages.
pub async fn remove_orphans(ctx: &Context, args: &WaitTarget) -> CliResult<()> {
    let sync = find(ctx, &args.target.sync).await?;
    let q: QueuedJobResponse = ctx.client.post(&path(&[sync.id.as_str(), "remove-orphans"]), &json!({})).await?;
    if args.wait.wait {
        let awaited = Awaited::Job(q.job_id.clone());
        return wait::follow(ctx, &q.secret_sync, JobKind::Remove, awaited, args.wait, false).await;
    }
    let keys =
        if sync.orphaned_keys.is_empty() { String::new() } else { format!(" ({})", sync.orphaned_keys.join(", ")) };
    let text = format!(
        "Queued removing the orphaned keys of {}{keys} from Railway: follow it with `sluice syncs railway runs {}`, \
         or use --wait.",
        sync.name, sync.name
    );
    report::queued_job(ctx, &q, &text)
}

/// `keys`: the ownership ledger.
pub async fn keys(ctx: &Context, args: &Target) -> CliResult<()> {
    let sync = find(ctx, &args.sync).await?;
    let out: OwnedKeysResponse = ctx.client.get(&path(&[sync.id.as_str(), "keys"]), &[]).await?;
    report::print_keys(ctx, &sync, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(job: &str, status: &str) -> SyncRunOut {
        serde_json::from_value(json!({"id": "r", "jobId": job, "kind": "sync", "trigger": "manual",
            "actor": {"type": "identity", "id": null, "name": null}, "attempt": 1, "status": status,
            "startedAt": "", "finishedAt": null, "plan": [], "counts": {}, "railwayCalls": [], "redeploy": null,
            "error": null, "nextAttemptAt": null}))
        .expect("run")
    }

    #[test]
    fn the_held_run_is_the_last_sync_jobs() {
        let runs = [run("j3", "succeeded"), run("j2", "held"), run("j1", "held")];
        assert_eq!(held_run(&runs, Some("j2")).map(|r| r.job_id.as_str()), Some("j2"));
        assert!(held_run(&runs, Some("j3")).is_none(), "a job that was not held");
        assert!(held_run(&runs, None).is_none());
    }
}
