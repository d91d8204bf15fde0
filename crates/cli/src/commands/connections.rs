//! `sluice connections railway create|list|get|delete|projects`: the Railway tokens syncs
//! write with (`/api/v1/app-connections/railway`).
//!
//! The Railway token is read from a prompt without echo, from standard input
//! (`--railway-token-stdin`) or from `--railway-token`; it is sent once and never printed
//! (the server keeps it sealed and shows only `credentialsHash`).

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use sluice_api_types::connections::{
    AppConnectionOut, AppConnectionResponse, AppConnectionsResponse, RailwayConnectionIn, RailwayCredentialsIn,
    RailwayProjectsOut,
};
use sluice_domain::SecretToken;
use std::io::{BufRead, IsTerminal};

const EXAMPLES: &str = "Examples:
  sluice connections railway create railway-prod --method account-token        # asks for the token
  printf '%s' \"$RAILWAY_TOKEN\" |
      sluice connections railway create ci --method project-token --railway-token-stdin
  sluice connections railway list
  sluice connections railway projects railway-prod
  sluice connections railway delete railway-prod";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct ConnectionsArgs {
    #[command(subcommand)]
    pub app: ConnectionApp,
}

#[derive(clap::Subcommand, Debug)]
pub enum ConnectionApp {
    /// Railway connections
    #[command(after_help = EXAMPLES)]
    Railway {
        #[command(subcommand)]
        command: RailwayCommand,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum RailwayCommand {
    /// Create a connection; Railway checks the token first
    #[command(after_help = "Examples:
  sluice connections railway create railway-prod --method account-token   # asks for the token
  sluice connections railway create team --method team-token --railway-token \"$RAILWAY_API_TOKEN\"
  printf '%s' \"$RAILWAY_TOKEN\" |
      sluice connections railway create ci --method project-token --railway-token-stdin")]
    Create(CreateArgs),
    /// List the organization's Railway connections
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  sluice connections railway list
  sluice connections railway list --output json"
    )]
    List,
    /// Show one connection (by id or name)
    #[command(after_help = "Examples:
  sluice connections railway get railway-prod")]
    Get(TargetArgs),
    /// Delete a connection no sync uses (by id or name)
    #[command(
        visible_alias = "rm",
        after_help = "Examples:
  sluice connections railway delete railway-prod"
    )]
    Delete(TargetArgs),
    /// List the Railway projects, environments and services the connection can write to
    #[command(after_help = "Examples:
  sluice connections railway projects railway-prod")]
    Projects(TargetArgs),
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Name: lowercase letters, digits and hyphens
    pub name: String,
    /// Which kind of Railway token it is
    #[arg(long, value_enum)]
    pub method: TokenMethod,
    /// A note for people
    #[arg(long)]
    pub description: Option<String>,
    /// The Railway token (prefer the prompt or --railway-token-stdin: flags end up in shell history)
    #[arg(long, value_name = "TOKEN", conflicts_with = "railway_token_stdin")]
    pub railway_token: Option<String>,
    /// Read the Railway token from standard input
    #[arg(long)]
    pub railway_token_stdin: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenMethod {
    #[value(name = "account-token")]
    Account,
    #[value(name = "team-token")]
    Team,
    #[value(name = "project-token")]
    Project,
}

impl TokenMethod {
    fn as_str(self) -> &'static str {
        match self {
            TokenMethod::Account => "account-token",
            TokenMethod::Team => "team-token",
            TokenMethod::Project => "project-token",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct TargetArgs {
    /// Connection id or name
    #[arg(value_name = "ID|NAME")]
    pub connection: String,
}

pub async fn run(ctx: &Context, args: &ConnectionsArgs) -> CliResult<()> {
    ctx.require_token()?;
    ctx.output_of(Format::Table, &[Format::Table, Format::Json, Format::Yaml])?;
    let ConnectionApp::Railway { command } = &args.app;
    match command {
        RailwayCommand::Create(a) => create(ctx, a).await,
        RailwayCommand::List => list(ctx).await,
        RailwayCommand::Get(a) => {
            let c = find(ctx, &a.connection).await?;
            print_one(ctx.output(Format::Table), &c)
        }
        RailwayCommand::Delete(a) => delete(ctx, a).await,
        RailwayCommand::Projects(a) => projects(ctx, a).await,
    }
}

const BASE: [&str; 4] = ["api", "v1", "app-connections", "railway"];

fn path<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    BASE.iter().copied().chain(rest.iter().copied()).collect()
}

/// The project whose organization a connection belongs to: the chosen one, or none when
/// no project is chosen (an identity belongs to one organization). A project named with
/// `--project` that cannot be found is an error.
async fn scope_project(ctx: &Context) -> CliResult<Option<String>> {
    match ctx.project().await {
        Ok(p) => Ok(Some(p.id)),
        Err(e) if ctx.global.project.is_some() => Err(e),
        Err(_) => Ok(None),
    }
}

fn read_token(args: &CreateArgs) -> CliResult<String> {
    let token = if let Some(t) = &args.railway_token {
        t.clone()
    } else if args.railway_token_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Railway token: ")
            .map_err(|e| CliError::failed(format!("cannot read the Railway token: {e}")))?
    } else {
        return Err(CliError::usage("the Railway token is missing")
            .with_hint("pipe it with --railway-token-stdin, pass --railway-token, or run in a terminal to be asked"));
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(CliError::usage("the Railway token is empty"));
    }
    Ok(token)
}

async fn create(ctx: &Context, args: &CreateArgs) -> CliResult<()> {
    let token = read_token(args)?;
    let body = RailwayConnectionIn {
        name: Some(args.name.clone()),
        description: args.description.clone(),
        method: Some(args.method.as_str().to_string()),
        credentials: Some(RailwayCredentialsIn { api_token: Some(SecretToken::from(token)) }),
        project_id: scope_project(ctx).await?,
        ..Default::default()
    };
    let out: AppConnectionResponse = ctx.client.post(&BASE, &body).await.map_err(|e| {
        e.name_flags(&[
            ("body.name", "NAME"),
            ("body.method", "--method"),
            ("body.description", "--description"),
            ("body.credentials.apiToken", "the Railway token"),
            ("body.credentials", "the Railway token"),
        ])
    })?;
    let c = out.app_connection;
    match ctx.output(Format::Table) {
        Format::Table => {
            println!("Created Railway connection {} ({}, {}).", c.name, c.method, c.id);
            Ok(())
        }
        f => print_one(f, &c),
    }
}

async fn list(ctx: &Context) -> CliResult<()> {
    let project = scope_project(ctx).await?;
    let q: Vec<(&str, &str)> = project.iter().map(|p| ("projectId", p.as_str())).collect();
    let out: AppConnectionsResponse = ctx.client.get(&BASE, &q).await?;
    match ctx.output(Format::Table) {
        Format::Table => {
            if out.app_connections.is_empty() {
                println!("No Railway connections yet: create one with `sluice connections railway create`.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = out
                .app_connections
                .iter()
                .map(|c| vec![c.name.clone(), c.method.clone(), c.id.clone(), c.created_at.clone()])
                .collect();
            print!("{}", output::table(&["NAME", "METHOD", "ID", "CREATED"], &rows));
            Ok(())
        }
        f => print_value(f, &serde_json::to_value(&out.app_connections).unwrap_or_default()),
    }
}

fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A connection by id or by name.
pub async fn find(ctx: &Context, wanted: &str) -> CliResult<AppConnectionOut> {
    let project = scope_project(ctx).await?;
    let q: Vec<(&str, &str)> = project.iter().map(|p| ("projectId", p.as_str())).collect();
    let r: CliResult<AppConnectionResponse> = if looks_like_id(wanted) {
        ctx.client.get(&path(&[wanted]), &[]).await
    } else {
        ctx.client.get(&path(&["connection-name", wanted]), &q).await
    };
    r.map(|o| o.app_connection).map_err(|e| {
        if e.exit_code() == 4 {
            CliError::not_found(format!("no Railway connection \"{wanted}\""))
                .with_hint("see them with `sluice connections railway list`")
        } else {
            e
        }
    })
}

async fn delete(ctx: &Context, args: &TargetArgs) -> CliResult<()> {
    let c = find(ctx, &args.connection).await?;
    let out: AppConnectionResponse =
        ctx.client.send(reqwest::Method::DELETE, &path(&[c.id.as_str()]), &[], None::<&()>).await?;
    match ctx.output(Format::Table) {
        Format::Table => {
            println!("Deleted Railway connection {} ({}).", out.app_connection.name, out.app_connection.id);
            Ok(())
        }
        f => print_one(f, &out.app_connection),
    }
}

async fn projects(ctx: &Context, args: &TargetArgs) -> CliResult<()> {
    let c = find(ctx, &args.connection).await?;
    let out: RailwayProjectsOut = ctx.client.get(&path(&[c.id.as_str(), "projects"]), &[]).await?;
    match ctx.output(Format::Table) {
        Format::Table => {
            let mut rows = Vec::new();
            for p in &out.projects {
                let names = |v: &[sluice_api_types::connections::NamedOut]| {
                    v.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ")
                };
                let environments = p.environments.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ");
                rows.push(vec![p.name.clone(), p.id.clone(), environments, names(&p.services)]);
            }
            print!("{}", output::table(&["PROJECT", "ID", "ENVIRONMENTS", "SERVICES"], &rows));
            Ok(())
        }
        f => print_value(f, &serde_json::to_value(&out).unwrap_or_default()),
    }
}

fn print_one(format: Format, c: &AppConnectionOut) -> CliResult<()> {
    match format {
        Format::Table => {
            let rows = vec![
                vec!["Name".into(), c.name.clone()],
                vec!["ID".into(), c.id.clone()],
                vec!["App".into(), c.app.clone()],
                vec!["Method".into(), c.method.clone()],
                vec!["Description".into(), c.description.clone().unwrap_or_default()],
                vec!["Organization".into(), c.org_id.clone()],
                vec!["Created".into(), c.created_at.clone()],
                vec!["Updated".into(), c.updated_at.clone()],
            ];
            print!("{}", output::table(&["FIELD", "VALUE"], &rows));
            Ok(())
        }
        f => print_value(f, &serde_json::to_value(c).unwrap_or_default()),
    }
}

/// JSON or YAML of any value; dotenv is refused naming the flag.
pub fn print_value(format: Format, v: &serde_json::Value) -> CliResult<()> {
    match format {
        Format::Json => print!("{}", output::json(v)),
        Format::Yaml => print!("{}", output::yaml(v)),
        Format::Table | Format::Dotenv => {
            return Err(CliError::flag("--output", format.name(), "this command prints table, json or yaml"));
        }
    }
    Ok(())
}
