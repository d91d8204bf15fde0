//! `sluice syncs railway …`: Railway secret syncs (`/api/v1/secret-syncs/railway`).
//!
//! Reading order: this file (the commands and their flags) → [`edit`] (create and update
//! bodies; Railway names resolved through the connection's picker) → [`actions`] (sync,
//! import, remove, delete, plan, runs) → [`trust`] (drift, confirm, remove-orphans, keys)
//! → [`wait`] (following a run to its outcome) → [`show`] (how syncs, plans and runs are
//! printed) → [`report`] (drift reports, held plans, the ownership ledger).

mod actions;
mod edit;
mod report;
mod show;
mod trust;
mod wait;

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::Format;
use sluice_api_types::syncs::{SecretSyncOut, SecretSyncResponse};
use sluice_domain::JobKind;

const EXAMPLES: &str = "Examples:
  sluice syncs railway create shop-api --connection railway-prod --env prod \\
      --railway-project shop --railway-environment production --railway-service api \\
      --initial-sync overwrite-destination --wait
  sluice syncs railway list
  sluice syncs railway plan shop-api
  sluice syncs railway sync shop-api --wait
  sluice syncs railway runs shop-api
  sluice syncs railway drift shop-api --check --wait     # exit 6 when Railway drifted
  sluice syncs railway confirm shop-api                  # release a held run (exit 7 while held)";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct SyncsArgs {
    #[command(subcommand)]
    pub app: SyncApp,
}

#[derive(clap::Subcommand, Debug)]
pub enum SyncApp {
    /// Syncs to Railway
    #[command(after_help = EXAMPLES)]
    Railway {
        #[command(subcommand)]
        command: RailwayCommand,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum RailwayCommand {
    /// Create a sync from a Sluice folder to Railway variables (Railway ids or names)
    #[command(after_help = edit::CREATE_EXAMPLES)]
    Create(Box<edit::CreateArgs>),
    /// List the project's Railway syncs with their status
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  sluice syncs railway list
  sluice syncs railway list --project shop --output json"
    )]
    List,
    /// Show one sync (by id or name)
    #[command(after_help = "Examples:
  sluice syncs railway get shop-api
  sluice syncs railway get shop-api --output yaml")]
    Get(Target),
    /// Change a sync; only the options given change
    #[command(after_help = edit::UPDATE_EXAMPLES)]
    Update(Box<edit::UpdateArgs>),
    /// Delete a sync, optionally removing its variables from Railway first
    #[command(
        visible_alias = "rm",
        after_help = "Examples:
  sluice syncs railway delete shop-api
  sluice syncs railway delete shop-api --remove-secrets --wait"
    )]
    Delete(actions::DeleteArgs),
    /// Push the source to Railway now
    #[command(after_help = "Examples:
  sluice syncs railway sync shop-api
  sluice syncs railway sync shop-api --wait            # live progress, then the outcome; exit 1 if it failed,
                                                       # 7 if held (confirm with `syncs railway confirm`)
  sluice syncs railway sync shop-api --wait --timeout 120")]
    Sync(WaitTarget),
    /// Preview what a sync would change at Railway (key names and actions, never values)
    #[command(after_help = "Examples:
  sluice syncs railway plan shop-api
  sluice syncs railway plan shop-api --all             # also the unchanged keys
  sluice syncs railway plan shop-api --output json")]
    Plan(actions::PlanArgs),
    /// Import the variables Railway has into the sync's source folder
    #[command(after_help = "Examples:
  sluice syncs railway import shop-api --behavior prioritize-destination --wait")]
    Import(actions::ImportArgs),
    /// Remove the sync's variables from Railway (the sync stays)
    #[command(after_help = "Examples:
  sluice syncs railway remove shop-api --wait")]
    Remove(WaitTarget),
    /// The sync's run history, newest first
    #[command(after_help = "Examples:
  sluice syncs railway runs shop-api
  sluice syncs railway runs shop-api --limit 5 --output json")]
    Runs(actions::RunsArgs),
    /// Whether Railway still holds what the sync wrote: the latest drift report, or a check now
    ///
    /// Exits 6 when the report says drifted (a key changed, disappeared or appeared at Railway),
    /// so scripts can act on it; 0 when in sync or never checked. The sync's --drift-policy says
    /// what a check does about drift: report it (the default), heal it, or adopt Railway's values.
    #[command(after_help = "Examples:
  sluice syncs railway drift shop-api                    # the latest report
  sluice syncs railway drift shop-api --check --wait     # check now, then print the report
  sluice syncs railway drift shop-api --output json

Exit status: 0 in sync (or never checked), 6 drifted, 1 the check failed.")]
    Drift(trust::DriftArgs),
    /// Confirm the plan a held run waits on (a run that would delete too many variables)
    ///
    /// Shows why the sync is held and the plan (the variables it deletes), asks on a terminal
    /// unless --yes, then confirms exactly that plan; a plan that changed since needs a new
    /// confirmation. Without a terminal, --yes is required.
    #[command(after_help = "Examples:
  sluice syncs railway confirm shop-api                  # shows the held plan, then asks
  sluice syncs railway confirm shop-api --yes --wait
  sluice syncs railway confirm shop-api --plan-hash 3f2a… --yes")]
    Confirm(trust::ConfirmArgs),
    /// Delete from Railway the keys the sync wrote that its configuration no longer manages
    #[command(after_help = "Examples:
  sluice syncs railway keys shop-api                     # orphans are marked
  sluice syncs railway remove-orphans shop-api --wait")]
    RemoveOrphans(WaitTarget),
    /// The keys the sync wrote at Railway (its ownership ledger): managed or orphaned
    #[command(after_help = "Examples:
  sluice syncs railway keys shop-api
  sluice syncs railway keys shop-api --output json")]
    Keys(Target),
}

#[derive(clap::Args, Debug)]
pub struct Target {
    /// Sync id or name
    #[arg(value_name = "ID|NAME")]
    pub sync: String,
}

/// `--wait` and `--timeout`.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct WaitOpts {
    /// Follow the run: a live progress line, then the outcome (exit 1 when it failed, 7 when held)
    #[arg(long)]
    pub wait: bool,
    /// Stop waiting after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", requires = "wait")]
    pub timeout: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct WaitTarget {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub wait: WaitOpts,
}

pub async fn run(ctx: &Context, args: &SyncsArgs) -> CliResult<()> {
    ctx.require_token()?;
    ctx.output_of(Format::Table, &[Format::Table, Format::Json, Format::Yaml])?;
    let SyncApp::Railway { command } = &args.app;
    match command {
        RailwayCommand::Create(a) => edit::create(ctx, a).await,
        RailwayCommand::List => show::list(ctx).await,
        RailwayCommand::Get(t) => {
            let s = find(ctx, &t.sync).await?;
            show::print_sync(ctx, &s)
        }
        RailwayCommand::Update(a) => edit::update(ctx, a).await,
        RailwayCommand::Delete(a) => actions::delete(ctx, a).await,
        RailwayCommand::Sync(a) => actions::trigger(ctx, &a.target, JobKind::Sync, None, a.wait).await,
        RailwayCommand::Plan(a) => actions::plan(ctx, a).await,
        RailwayCommand::Import(a) => {
            let behavior = a.behavior.as_str();
            actions::trigger(ctx, &a.target, JobKind::Import, Some(behavior), a.wait).await
        }
        RailwayCommand::Remove(a) => actions::trigger(ctx, &a.target, JobKind::Remove, None, a.wait).await,
        RailwayCommand::Runs(a) => actions::runs(ctx, a).await,
        RailwayCommand::Drift(a) => trust::drift(ctx, a).await,
        RailwayCommand::Confirm(a) => trust::confirm(ctx, a).await,
        RailwayCommand::RemoveOrphans(a) => trust::remove_orphans(ctx, a).await,
        RailwayCommand::Keys(t) => trust::keys(ctx, t).await,
    }
}

pub const BASE: [&str; 4] = ["api", "v1", "secret-syncs", "railway"];

/// `BASE` followed by `rest`.
pub fn path<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    BASE.iter().copied().chain(rest.iter().copied()).collect()
}

fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A sync by id, or by name in the chosen project.
pub async fn find(ctx: &Context, wanted: &str) -> CliResult<SecretSyncOut> {
    let r: CliResult<SecretSyncResponse> = if looks_like_id(wanted) {
        ctx.client.get(&path(&[wanted]), &[]).await
    } else {
        let project = ctx.project().await?;
        ctx.client.get(&path(&["sync-name", wanted]), &[("projectId", project.id.as_str())]).await.map_err(|e| {
            if e.exit_code() == 4 {
                CliError::not_found(format!("no Railway sync \"{wanted}\" in project {}", project.slug))
                    .with_hint("see them with `sluice syncs railway list`")
            } else {
                e
            }
        })
    };
    r.map(|o| o.secret_sync)
}
