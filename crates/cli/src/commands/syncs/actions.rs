//! What can be asked of a sync besides editing it: run it now (`sync`), `import` from
//! Railway, `remove` its variables from Railway, `delete` it, preview a run (`plan`) and
//! read its history (`runs`). The three triggers take `--wait` ([`super::wait`]).

use super::wait::{self, Awaited};
use super::{Target, WaitOpts, find, path, show};
use crate::context::Context;
use crate::error::CliResult;
use sluice_api_types::runs::{PlanResponse, SyncRunsOut};
use sluice_api_types::syncs::SecretSyncResponse;
use sluice_domain::JobKind;

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub target: Target,
    /// Remove the sync's variables from Railway first; the sync is deleted once that succeeded
    #[arg(long)]
    pub remove_secrets: bool,
    #[command(flatten)]
    pub wait: WaitOpts,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportBehavior {
    /// Keys in both keep Sluice's value
    PrioritizeSource,
    /// Keys in both take Railway's value
    PrioritizeDestination,
}

impl ImportBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportBehavior::PrioritizeSource => "prioritize-source",
            ImportBehavior::PrioritizeDestination => "prioritize-destination",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub target: Target,
    /// Which value wins for keys both sides have
    #[arg(long, value_enum)]
    pub behavior: ImportBehavior,
    #[command(flatten)]
    pub wait: WaitOpts,
}

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: Target,
    /// Also list the keys that would not change
    #[arg(long)]
    pub all: bool,
}

#[derive(clap::Args, Debug)]
pub struct RunsArgs {
    #[command(flatten)]
    pub target: Target,
    /// How many runs (1–100)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub limit: i64,
    /// Skip this many of the newest runs
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    pub offset: i64,
}

/// `sync`, `import` and `remove`: queue the job, then print its state or follow it.
pub async fn trigger(
    ctx: &Context,
    target: &Target,
    kind: JobKind,
    import_behavior: Option<&str>,
    opts: WaitOpts,
) -> CliResult<()> {
    let sync = find(ctx, &target.sync).await?;
    let before = wait::state(kind, &sync).job;
    let id = sync.id.as_str();
    let out: SecretSyncResponse = match (kind, import_behavior) {
        (JobKind::Import, Some(b)) => {
            let url = path(&[id, "import-secrets"]);
            ctx.client.send(reqwest::Method::POST, &url, &[("importBehavior", b)], None::<&()>).await?
        }
        (JobKind::Remove, _) => ctx.client.post(&path(&[id, "remove-secrets"]), &serde_json::json!({})).await?,
        _ => ctx.client.post(&path(&[id, "sync-secrets"]), &serde_json::json!({})).await?,
    };
    let sync = out.secret_sync;
    if opts.wait {
        return wait::follow(ctx, &sync, kind, Awaited::After(before), opts, false).await;
    }
    show::queued(ctx, &sync, kind)
}

pub async fn delete(ctx: &Context, args: &DeleteArgs) -> CliResult<()> {
    let sync = find(ctx, &args.target.sync).await?;
    let before = wait::state(JobKind::Remove, &sync).job;
    let flag = if args.remove_secrets { "true" } else { "false" };
    let url = path(&[sync.id.as_str()]);
    let out: SecretSyncResponse =
        ctx.client.send(reqwest::Method::DELETE, &url, &[("removeSecrets", flag)], None::<&()>).await?;
    let sync = out.secret_sync;
    if !args.remove_secrets {
        return show::deleted(ctx, &sync);
    }
    if args.wait.wait {
        return wait::follow(ctx, &sync, JobKind::Remove, Awaited::After(before), args.wait, true).await;
    }
    show::queued(ctx, &sync, JobKind::Remove)
}

pub async fn plan(ctx: &Context, args: &PlanArgs) -> CliResult<()> {
    let sync = find(ctx, &args.target.sync).await?;
    let out: PlanResponse = ctx.client.post(&path(&[sync.id.as_str(), "plan"]), &serde_json::json!({})).await?;
    show::print_plan(ctx, &sync.name, &out.plan, args.all)
}

pub async fn runs(ctx: &Context, args: &RunsArgs) -> CliResult<()> {
    let sync = find(ctx, &args.target.sync).await?;
    let (limit, offset) = (args.limit.to_string(), args.offset.to_string());
    let out: SyncRunsOut =
        ctx.client.get(&path(&[sync.id.as_str(), "runs"]), &[("limit", &limit), ("offset", &offset)]).await?;
    show::print_runs(ctx, &sync, &out)
}
