//! `syncs railway create` and `update`: the request bodies, with the Railway project,
//! environment and service given as ids or names and resolved through the connection's
//! picker (`GET /api/v1/app-connections/railway/{id}/projects`), which also supplies the
//! display names the API stores. `update` merges the flags given into the sync's current
//! `syncOptions` and `destinationConfig`, since the API replaces those objects whole.

use super::wait::{self, Awaited};
use super::{WaitOpts, find, path, show};
use crate::commands::connections;
use crate::commands::{Scope, normalize_path};
use crate::context::{Context, check_environment};
use crate::error::{CliError, CliResult};
use serde_json::{Map, Value, json};
use sluice_api_types::connections::{NamedOut, RailwayProjectOut, RailwayProjectsOut};
use sluice_api_types::runs::PlanResponse;
use sluice_api_types::syncs::{
    DeletionGuardIn, RailwayDestinationIn, RailwaySyncIn, SecretSyncOut, SecretSyncResponse, SyncOptionsIn,
    SyncOptionsOut,
};
use sluice_domain::{DriftPolicy, JobKind, SyncStatus};

pub const CREATE_EXAMPLES: &str = "Examples:
  # Names are looked up through the connection; ids work too:
  sluice syncs railway create shop-api --connection railway-prod --env prod \\
      --railway-project shop --railway-environment production --railway-service api \\
      --initial-sync overwrite-destination --wait
  # Shared variables of an environment (no service), keys prefixed, deletion off:
  sluice syncs railway create shared --connection railway-prod \\
      --env prod --path /shared --railway-project shop --railway-environment production \\
      --initial-sync import-prioritize-destination \\
      --key-schema 'APP_{{secretKey}}' --disable-secret-deletion
  # Heal drift within 10 minutes; hold runs deleting over 30 % (at least 3) of the variables:
  sluice syncs railway create shop-api … --drift-policy heal --drift-interval 10 \\
      --guard-percent 30 --guard-min-keys 3
  # Preview the first run without creating anything:
  sluice syncs railway create shop-api … --dry-run";

pub const UPDATE_EXAMPLES: &str = "Examples:
  sluice syncs railway update shop-api --auto-sync false
  sluice syncs railway update shop-api --railway-service worker --wait
  sluice syncs railway update shop-api --key-schema 'SHOP_{{secretKey}}'
  sluice syncs railway update shop-api --disable-secret-deletion true
  sluice syncs railway update shop-api --drift-policy adopt --drift-interval 0
  sluice syncs railway update shop-api --deletion-guard false
  sluice syncs railway update shop-api --name shop-api-prod --description ''";

/// Infisical's initial sync behaviours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InitialSync {
    /// Make Railway match Sluice (Railway-only keys this sync manages are deleted)
    OverwriteDestination,
    /// Import Railway-only keys first; Sluice's value wins for keys in both
    ImportPrioritizeSource,
    /// Import Railway's keys first; Railway's value wins for keys in both
    ImportPrioritizeDestination,
}

impl InitialSync {
    fn as_str(self) -> &'static str {
        match self {
            InitialSync::OverwriteDestination => "overwrite-destination",
            InitialSync::ImportPrioritizeSource => "import-prioritize-source",
            InitialSync::ImportPrioritizeDestination => "import-prioritize-destination",
        }
    }
}

/// Which services a change redeploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RedeployArg {
    /// The target service and every service whose variables reference a changed one
    Affected,
    /// Write only; apps pick the values up at their next deploy
    None,
}

impl RedeployArg {
    fn as_str(self) -> &'static str {
        match self {
            RedeployArg::Affected => "affected",
            RedeployArg::None => "none",
        }
    }
}

/// What a drift check does when Railway no longer holds what the sync wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftPolicyArg {
    /// Say so (the sync shows drifted); write nothing
    Report,
    /// Queue a sync that puts Sluice's values back
    Heal,
    /// Take Railway's changed and added values into Sluice
    Adopt,
}

impl From<DriftPolicyArg> for DriftPolicy {
    fn from(p: DriftPolicyArg) -> Self {
        match p {
            DriftPolicyArg::Report => DriftPolicy::Report,
            DriftPolicyArg::Heal => DriftPolicy::Heal,
            DriftPolicyArg::Adopt => DriftPolicy::Adopt,
        }
    }
}

/// The options that keep a sync right unattended: the ownership ledger, drift checks and
/// the mass-deletion guard. On create, the ones not given take the server's defaults; on
/// update, the sync's current values.
#[derive(clap::Args, Debug, Default)]
pub struct TrustOpts {
    /// Delete at Railway only variables this sync wrote (new syncs: true); false deletes every
    /// variable the key schema matches that the folder lacks
    #[arg(long, value_name = "BOOL")]
    pub delete_only_owned: Option<bool>,
    /// What a drift check does when Railway changed (new syncs: report)
    #[arg(long, value_enum)]
    pub drift_policy: Option<DriftPolicyArg>,
    /// Minutes between scheduled drift checks: 0 (off) or 5–10080 (new syncs: 15)
    #[arg(long, value_name = "MINUTES")]
    pub drift_interval: Option<u32>,
    /// Hold a run that deletes too many variables until it is confirmed (new syncs: true)
    #[arg(long, value_name = "BOOL")]
    pub deletion_guard: Option<bool>,
    /// The guard holds a run deleting more than this share (1–100 %) of the sync's variables… (new syncs: 50)
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(1..=100))]
    pub guard_percent: Option<u8>,
    /// …and at least this many; a run deleting all of them is always held (new syncs: 5)
    #[arg(long, value_name = "N")]
    pub guard_min_keys: Option<u32>,
}

impl TrustOpts {
    fn given(&self) -> bool {
        self.delete_only_owned.is_some()
            || self.drift_policy.is_some()
            || self.drift_interval.is_some()
            || self.deletion_guard.is_some()
            || self.guard_percent.is_some()
            || self.guard_min_keys.is_some()
    }

    /// Sets these flags in `options`, the rest from `current` (none on create).
    fn apply(&self, options: &mut SyncOptionsIn, current: Option<&SyncOptionsOut>) {
        options.delete_only_owned = self.delete_only_owned.or(current.map(|c| c.delete_only_owned));
        options.drift_policy = self
            .drift_policy
            .map(|p| DriftPolicy::from(p).as_str().to_string())
            .or_else(|| current.map(|c| c.drift_policy.clone()));
        options.drift_check_interval_minutes =
            self.drift_interval.or(current.map(|c| c.drift_check_interval_minutes)).map(i64::from);
        let guard = current.map(|c| c.mass_deletion_guard);
        if guard.is_some()
            || self.deletion_guard.is_some()
            || self.guard_percent.is_some()
            || self.guard_min_keys.is_some()
        {
            options.mass_deletion_guard = Some(DeletionGuardIn {
                enabled: self.deletion_guard.or(guard.map(|g| g.enabled)),
                percent: self.guard_percent.or(guard.map(|g| g.percent)).map(i64::from),
                min_keys: self.guard_min_keys.or(guard.map(|g| g.min_keys)).map(i64::from),
            });
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Sync name: lowercase letters, digits and hyphens
    pub name: String,
    /// Railway connection (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub connection: String,
    #[command(flatten)]
    pub scope: Scope,
    /// Railway project (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub railway_project: String,
    /// Railway environment (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub railway_environment: String,
    /// Railway service (id or name); without it, the environment's shared variables
    #[arg(long, value_name = "ID|NAME")]
    pub railway_service: Option<String>,
    /// What the first sync does with variables already at Railway
    #[arg(long, value_enum)]
    pub initial_sync: InitialSync,
    /// Name variables at Railway from a template with {{secretKey}} (and optionally {{environment}})
    #[arg(long, value_name = "TEMPLATE")]
    pub key_schema: Option<String>,
    /// Never delete variables at Railway
    #[arg(long)]
    pub disable_secret_deletion: bool,
    /// Which services a change redeploys: the ones it reaches, or none (write only)
    #[arg(long, value_enum, default_value = "affected")]
    pub redeploy: RedeployArg,
    /// Don't sync automatically when secrets change (sync with `syncs railway sync`)
    #[arg(long)]
    pub no_auto_sync: bool,
    #[command(flatten)]
    pub trust: TrustOpts,
    /// A note for people
    #[arg(long)]
    pub description: Option<String>,
    /// Print what the first run would do, and create nothing
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,
    #[command(flatten)]
    pub wait: WaitOpts,
}

#[derive(clap::Args, Debug)]
pub struct UpdateArgs {
    /// Sync id or name
    #[arg(value_name = "ID|NAME")]
    pub sync: String,
    /// New name
    #[arg(long)]
    pub name: Option<String>,
    /// New description ('' clears it)
    #[arg(long)]
    pub description: Option<String>,
    /// Another Railway connection (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub connection: Option<String>,
    /// Source environment slug
    #[arg(long, short = 'e', value_name = "SLUG")]
    pub env: Option<String>,
    /// Source folder path
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Sync automatically when secrets change
    #[arg(long, value_name = "BOOL")]
    pub auto_sync: Option<bool>,
    /// What the first sync does with variables already at Railway
    #[arg(long, value_enum)]
    pub initial_sync: Option<InitialSync>,
    /// Key template ('' removes it)
    #[arg(long, value_name = "TEMPLATE")]
    pub key_schema: Option<String>,
    /// Never delete variables at Railway
    #[arg(long, value_name = "BOOL")]
    pub disable_secret_deletion: Option<bool>,
    /// Which services a change redeploys: the ones it reaches, or none (write only)
    #[arg(long, value_enum)]
    pub redeploy: Option<RedeployArg>,
    #[command(flatten)]
    pub trust: TrustOpts,
    /// Railway project (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub railway_project: Option<String>,
    /// Railway environment (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub railway_environment: Option<String>,
    /// Railway service (id or name)
    #[arg(long, value_name = "ID|NAME", conflicts_with = "shared")]
    pub railway_service: Option<String>,
    /// Target the environment's shared variables instead of a service
    #[arg(long)]
    pub shared: bool,
    #[command(flatten)]
    pub wait: WaitOpts,
}

/// How server fields are named on the command line.
pub const FLAGS: [(&str, &str); 23] = [
    ("body.name", "NAME/--name"),
    ("body.description", "--description"),
    ("body.connectionId", "--connection"),
    ("body.environment", "--env"),
    ("body.secretPath", "--path"),
    ("body.projectId", "--project"),
    ("body.syncOptions.initialSyncBehavior", "--initial-sync"),
    ("body.syncOptions.keySchema", "--key-schema"),
    ("body.syncOptions.disableSecretDeletion", "--disable-secret-deletion"),
    ("body.syncOptions.deleteOnlyOwned", "--delete-only-owned"),
    ("body.syncOptions.driftPolicy", "--drift-policy"),
    ("body.syncOptions.driftCheckIntervalMinutes", "--drift-interval"),
    ("body.syncOptions.massDeletionGuard", "--deletion-guard"),
    ("body.syncOptions.massDeletionGuard.enabled", "--deletion-guard"),
    ("body.syncOptions.massDeletionGuard.percent", "--guard-percent"),
    ("body.syncOptions.massDeletionGuard.minKeys", "--guard-min-keys"),
    ("body.destinationConfig.projectId", "--railway-project"),
    ("body.destinationConfig.projectName", "--railway-project"),
    ("body.destinationConfig.environmentId", "--railway-environment"),
    ("body.destinationConfig.environmentName", "--railway-environment"),
    ("body.destinationConfig.serviceId", "--railway-service"),
    ("body.destinationConfig.serviceName", "--railway-service"),
    ("body.isAutoSyncEnabled", "--auto-sync"),
];

/// One of `options` by id, exact name, or name ignoring case (when that is unique).
fn pick<'a>(options: &'a [NamedOut], wanted: &str, flag: &str, within: &str) -> CliResult<&'a NamedOut> {
    if let Some(o) = options.iter().find(|o| o.id == wanted || o.name == wanted) {
        return Ok(o);
    }
    let loose: Vec<&NamedOut> = options.iter().filter(|o| o.name.eq_ignore_ascii_case(wanted)).collect();
    match loose.as_slice() {
        [one] => Ok(one),
        _ => {
            let names: Vec<String> = options.iter().map(|o| format!("{} ({})", o.name, o.id)).collect();
            let choose = if names.is_empty() {
                "there are none".to_string()
            } else {
                format!("choose one of: {}", names.join(", "))
            };
            Err(CliError::flag(flag, wanted, format!("not found in {within}")).with_hint(choose))
        }
    }
}

/// What the picker names: project, environment, service (ids and names).
pub struct Resolved {
    pub project: NamedOut,
    pub environment: NamedOut,
    pub service: Option<NamedOut>,
}

impl Resolved {
    fn destination(&self) -> RailwayDestinationIn {
        RailwayDestinationIn {
            project_id: Some(self.project.id.clone()),
            project_name: Some(self.project.name.clone()),
            environment_id: Some(self.environment.id.clone()),
            environment_name: Some(self.environment.name.clone()),
            service_id: self.service.as_ref().map(|s| s.id.clone()),
            service_name: self.service.as_ref().map(|s| s.name.clone()),
        }
    }
}

/// Resolves Railway names or ids through what the connection can see.
pub async fn resolve(
    ctx: &Context,
    connection_id: &str,
    connection_name: &str,
    project: &str,
    environment: &str,
    service: Option<&str>,
) -> CliResult<Resolved> {
    let picker = ["api", "v1", "app-connections", "railway", connection_id, "projects"];
    let out: RailwayProjectsOut = ctx.client.get(&picker, &[]).await?;
    let projects: Vec<NamedOut> =
        out.projects.iter().map(|p| NamedOut { id: p.id.clone(), name: p.name.clone() }).collect();
    let within = format!("the Railway projects connection {connection_name} can write to");
    let chosen = pick(&projects, project, "--railway-project", &within)?;
    let full: &RailwayProjectOut =
        out.projects.iter().find(|p| p.id == chosen.id).ok_or_else(|| CliError::failed("picker changed"))?;
    let within = format!("Railway project {}", full.name);
    let environments: Vec<NamedOut> =
        full.environments.iter().map(|e| NamedOut { id: e.id.clone(), name: e.name.clone() }).collect();
    let environment = pick(&environments, environment, "--railway-environment", &within)?.clone();
    let deployed: Vec<NamedOut> = match full.environments.iter().find(|e| e.id == environment.id) {
        Some(e) => full.services.iter().filter(|s| e.service_ids.contains(&s.id)).cloned().collect(),
        None => full.services.clone(),
    };
    let service = match service {
        Some(s) => {
            let within = format!("the services of Railway project {} deployed to {}", full.name, environment.name);
            Some(pick(&deployed, s, "--railway-service", &within)?.clone())
        }
        None => None,
    };
    Ok(Resolved { project: chosen.clone(), environment, service })
}

pub async fn create(ctx: &Context, args: &CreateArgs) -> CliResult<()> {
    let project = ctx.project().await?;
    check_environment(&project, args.scope.env.trim(), "--env")?;
    let secret_path = normalize_path(&args.scope.path)?;
    let connection = connections::find(ctx, &args.connection).await.map_err(|e| e.context("--connection"))?;
    let railway = resolve(
        ctx,
        &connection.id,
        &connection.name,
        &args.railway_project,
        &args.railway_environment,
        args.railway_service.as_deref(),
    )
    .await?;
    let mut options = SyncOptionsIn {
        initial_sync_behavior: Some(args.initial_sync.as_str().to_string()),
        key_schema: args.key_schema.clone().filter(|k| !k.is_empty()),
        disable_secret_deletion: Some(args.disable_secret_deletion),
        redeploy_policy: Some(args.redeploy.as_str().to_string()),
        ..Default::default()
    };
    args.trust.apply(&mut options, None);
    let body = RailwaySyncIn {
        name: Some(args.name.clone()),
        project_id: Some(project.id.clone()),
        description: args.description.clone(),
        connection_id: Some(connection.id.clone()),
        environment: Some(args.scope.env.trim().to_string()),
        secret_path: Some(secret_path),
        is_auto_sync_enabled: Some(!args.no_auto_sync),
        is_enabled: None,
        sync_options: Some(options),
        destination_config: Some(railway.destination()),
    };
    if args.dry_run {
        let plan: PlanResponse = ctx.client.post(&path(&["plan"]), &body).await.map_err(|e| e.name_flags(&FLAGS))?;
        return show::print_plan(ctx, &args.name, &plan.plan, false);
    }
    let out: SecretSyncResponse = ctx.client.post(&super::BASE, &body).await.map_err(|e| e.name_flags(&FLAGS))?;
    let sync = out.secret_sync;
    if !args.wait.wait {
        return show::created(ctx, &sync, "Created");
    }
    eprintln!("Created sync {} ({}).", sync.name, sync.id);
    if sync.sync_status != Some(SyncStatus::Pending) {
        eprintln!(
            "Auto-sync is off, so no run was queued: run one with `sluice syncs railway sync {} --wait`.",
            sync.name
        );
        return show::print_sync(ctx, &sync);
    }
    wait::follow(ctx, &sync, JobKind::Sync, Awaited::After(None), args.wait, false).await
}

fn insert(m: &mut Map<String, Value>, k: &str, v: impl Into<Value>) {
    m.insert(k.to_string(), v.into());
}

/// The PATCH body for the flags given, and whether anything is asked at all.
async fn patch_body(ctx: &Context, args: &UpdateArgs, current: &SecretSyncOut) -> CliResult<Map<String, Value>> {
    let mut body = Map::new();
    if let Some(n) = &args.name {
        insert(&mut body, "name", n.clone());
    }
    if let Some(d) = &args.description {
        insert(&mut body, "description", if d.is_empty() { Value::Null } else { json!(d) });
    }
    let mut connection = (current.connection.id.clone(), current.connection.name.clone());
    if let Some(c) = &args.connection {
        let found = connections::find(ctx, c).await.map_err(|e| e.context("--connection"))?;
        insert(&mut body, "connectionId", found.id.clone());
        connection = (found.id, found.name);
    }
    if let Some(env) = &args.env {
        let project = ctx.project().await?;
        check_environment(&project, env.trim(), "--env")?;
        insert(&mut body, "environment", env.trim());
    }
    if let Some(p) = &args.path {
        insert(&mut body, "secretPath", normalize_path(p)?);
    }
    if let Some(a) = args.auto_sync {
        insert(&mut body, "isAutoSyncEnabled", a);
    }
    if args.initial_sync.is_some()
        || args.key_schema.is_some()
        || args.disable_secret_deletion.is_some()
        || args.redeploy.is_some()
        || args.trust.given()
    {
        let o = &current.sync_options;
        let key_schema = match &args.key_schema {
            Some(k) if k.is_empty() => None,
            Some(k) => Some(k.clone()),
            None => o.key_schema.clone(),
        };
        let mut options = SyncOptionsIn {
            initial_sync_behavior: Some(
                args.initial_sync.map(|i| i.as_str().to_string()).unwrap_or_else(|| o.initial_sync_behavior.clone()),
            ),
            key_schema,
            disable_secret_deletion: Some(args.disable_secret_deletion.unwrap_or(o.disable_secret_deletion)),
            redeploy_policy: Some(
                args.redeploy.map(|r| r.as_str().to_string()).unwrap_or_else(|| o.redeploy_policy.clone()),
            ),
            ..Default::default()
        };
        args.trust.apply(&mut options, Some(o));
        insert(&mut body, "syncOptions", serde_json::to_value(options).unwrap_or_default());
    }
    let railway_changed = args.railway_project.is_some()
        || args.railway_environment.is_some()
        || args.railway_service.is_some()
        || args.shared
        || args.connection.is_some();
    if railway_changed {
        let d = &current.destination_config;
        let service = match (&args.railway_service, args.shared) {
            (Some(s), _) => Some(s.clone()),
            (None, true) => None,
            (None, false) => d.service_id.clone(),
        };
        let resolved = resolve(
            ctx,
            &connection.0,
            &connection.1,
            args.railway_project.as_deref().unwrap_or(&d.project_id),
            args.railway_environment.as_deref().unwrap_or(&d.environment_id),
            service.as_deref(),
        )
        .await?;
        insert(&mut body, "destinationConfig", serde_json::to_value(resolved.destination()).unwrap_or_default());
    }
    Ok(body)
}

pub async fn update(ctx: &Context, args: &UpdateArgs) -> CliResult<()> {
    let current = find(ctx, &args.sync).await?;
    let body = patch_body(ctx, args, &current).await?;
    if body.is_empty() {
        return Err(CliError::usage("nothing to change")
            .with_hint("give at least one option to change; see `sluice syncs railway update --help`"));
    }
    let out: SecretSyncResponse =
        ctx.client.patch(&path(&[current.id.as_str()]), &body).await.map_err(|e| e.name_flags(&FLAGS))?;
    let sync = out.secret_sync;
    if !args.wait.wait {
        return show::created(ctx, &sync, "Updated");
    }
    eprintln!("Updated sync {}.", sync.name);
    if sync.sync_status != Some(SyncStatus::Pending) {
        eprintln!("This change queued no run.");
        return show::print_sync(ctx, &sync);
    }
    let before = Awaited::After(current.last_sync_job_id.clone());
    wait::follow(ctx, &sync, JobKind::Sync, before, args.wait, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: &str, name: &str) -> NamedOut {
        NamedOut { id: id.into(), name: name.into() }
    }

    #[test]
    fn pick_takes_ids_names_and_unique_loose_names() {
        let opts = [named("1", "production"), named("2", "staging"), named("3", "Shop"), named("4", "SHOP")];
        assert_eq!(pick(&opts, "2", "--x", "p").expect("id").name, "staging");
        assert_eq!(pick(&opts, "production", "--x", "p").expect("name").id, "1");
        assert_eq!(pick(&opts, "Production", "--x", "p").expect("loose").id, "1");
        let e = pick(&opts, "shop", "--railway-project", "the projects").expect_err("ambiguous");
        assert_eq!(e.message, "--railway-project \"shop\": not found in the projects");
        assert!(e.hint.expect("hint").contains("Shop (3), SHOP (4)"));
    }
}
