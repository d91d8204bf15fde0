//! `sluice secrets list|get|set|delete`: a folder's secrets through Infisical's raw API
//! (`/api/v3/secrets/raw…`, batch writes through `/api/v3/secrets/batch/raw`).
//!
//! `list` and `get` print values (that is what they are for); `set` and `delete` print key
//! names and what happened to each, never values.

use super::{Located, Scope, effective_secrets, locate};
use crate::context::Context;
use crate::dotenv;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use serde_json::{Value, json};
use sluice_api_types::secrets::{SecretEnvelope, SecretOut, SecretsListOut, SecretsOut};
use std::collections::BTreeMap;
use std::io::Read;

const EXAMPLES: &str = "Examples:
  sluice secrets list --env dev
  sluice secrets get DATABASE_URL --env prod --plain
  sluice secrets set API_KEY=abc123 LOG_LEVEL=debug --env staging --path /apps/api
  sluice secrets set --file .env --env dev
  sluice secrets delete OLD_KEY --env dev
  sluice secrets list --env dev --output yaml";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: SecretsCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum SecretsCommand {
    /// List a folder's secrets with their values (own and imported, references expanded)
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  sluice secrets list --env dev
  sluice secrets list --env prod --path /apps/api --output json
  sluice secrets list --env dev --hide-values"
    )]
    List(ListArgs),
    /// Print one or more secrets
    #[command(after_help = "Examples:
  sluice secrets get DATABASE_URL --env prod
  sluice secrets get DATABASE_URL --env prod --plain     # the value alone, for scripts
  sluice secrets get A B C --output json")]
    Get(GetArgs),
    /// Create or update secrets from KEY=VALUE pairs or a .env file
    #[command(after_help = "Examples:
  sluice secrets set API_KEY=abc123 --env dev
  sluice secrets set 'GREETING=hello world' EMPTY= --env dev
  sluice secrets set --file .env --env staging --path /apps/api
  cat .env | sluice secrets set --file - --env dev")]
    Set(SetArgs),
    /// Delete secrets by name
    #[command(
        visible_alias = "rm",
        after_help = "Examples:
  sluice secrets delete OLD_KEY --env dev
  sluice secrets delete A B --env staging --path /apps/api"
    )]
    Delete(DeleteArgs),
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub scope: Scope,
    /// Show values as ******
    #[arg(long)]
    pub hide_values: bool,
}

#[derive(clap::Args, Debug)]
pub struct GetArgs {
    /// Secret names
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    #[command(flatten)]
    pub scope: Scope,
    /// Print only the values, one per line
    #[arg(long)]
    pub plain: bool,
}

#[derive(clap::Args, Debug)]
pub struct SetArgs {
    /// KEY=VALUE pairs (the value is everything after the first =)
    #[arg(value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
    /// Read pairs from a .env file (- for standard input)
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<String>,
    #[command(flatten)]
    pub scope: Scope,
}

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// Secret names
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    #[command(flatten)]
    pub scope: Scope,
}

pub async fn run(ctx: &Context, args: &SecretsArgs) -> CliResult<()> {
    match &args.command {
        SecretsCommand::List(a) => list(ctx, a).await,
        SecretsCommand::Get(a) => get(ctx, a).await,
        SecretsCommand::Set(a) => set(ctx, a).await,
        SecretsCommand::Delete(a) => delete(ctx, a).await,
    }
}

fn records(secrets: &[SecretOut], hide: bool) -> Value {
    let mut v = serde_json::to_value(secrets).unwrap_or(Value::Null);
    if hide && let Value::Array(items) = &mut v {
        for item in items {
            item["secretValue"] = json!("******");
        }
    }
    v
}

fn print_secrets(format: Format, secrets: &[SecretOut], at: &Located, hide: bool) {
    let shown = |s: &SecretOut| {
        if hide { "******".to_string() } else { s.secret_value.expose().to_string() }
    };
    match format {
        Format::Table => {
            let rows: Vec<Vec<String>> = secrets
                .iter()
                .map(|s| {
                    let from = if s.secret_path == at.path && s.environment == at.env {
                        String::new()
                    } else {
                        format!("{}:{}", s.environment, s.secret_path)
                    };
                    vec![s.secret_key.clone(), shown(s), from]
                })
                .collect();
            if rows.is_empty() {
                println!("No secrets in {}.", at.describe());
            } else {
                print!("{}", output::table(&["KEY", "VALUE", "IMPORTED FROM"], &rows));
            }
        }
        Format::Json => print!("{}", output::json(&records(secrets, hide))),
        Format::Yaml => print!("{}", output::yaml(&records(secrets, hide))),
        Format::Dotenv => {
            let values: Vec<(String, String)> = secrets.iter().map(|s| (s.secret_key.clone(), shown(s))).collect();
            print!("{}", output::dotenv(values.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        }
    }
}

async fn list(ctx: &Context, args: &ListArgs) -> CliResult<()> {
    let format = ctx.output(Format::Table);
    let at = locate(ctx, &args.scope).await?;
    let secrets = effective_secrets(ctx, &at).await?;
    print_secrets(format, &secrets, &at, args.hide_values);
    Ok(())
}

async fn get(ctx: &Context, args: &GetArgs) -> CliResult<()> {
    let format = ctx.output(Format::Table);
    let at = locate(ctx, &args.scope).await?;
    let q = at.query(&[("expandSecretReferences", "true"), ("include_imports", "true"), ("type", "shared")]);
    let mut found = Vec::with_capacity(args.names.len());
    for name in &args.names {
        let out: SecretEnvelope = ctx.client.get(&["api", "v3", "secrets", "raw", name], &q).await.map_err(|e| {
            if e.exit_code() == 4 {
                CliError::not_found(format!("no secret {name} in {}", at.describe()))
                    .with_hint(format!("see the names with `sluice secrets list --env {} --path {}`", at.env, at.path))
            } else {
                e
            }
        })?;
        found.push(out.secret);
    }
    if args.plain {
        for s in &found {
            println!("{}", s.secret_value.expose());
        }
        return Ok(());
    }
    print_secrets(format, &found, &at, false);
    Ok(())
}

/// Parses the pairs from the arguments and the file; a later pair for a key wins.
fn collect_pairs(args: &SetArgs) -> CliResult<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut put = |k: String, v: String| match pairs.iter_mut().find(|(pk, _)| *pk == k) {
        Some(slot) => slot.1 = v,
        None => pairs.push((k, v)),
    };
    if let Some(file) = &args.file {
        let text = if file == "-" {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        } else {
            std::fs::read_to_string(file).map_err(|e| CliError::flag("--file", file, e))?
        };
        let parsed = dotenv::parse(&text).map_err(|e| CliError::flag("--file", file, e))?;
        for (k, v) in parsed {
            put(k, v);
        }
    }
    for raw in &args.pairs {
        let Some((k, v)) = raw.split_once('=') else {
            return Err(CliError::usage(format!("\"{raw}\" is not KEY=VALUE"))
                .with_hint("write KEY=VALUE (quote it in the shell if the value has spaces: 'KEY=a b')"));
        };
        let k = k.trim();
        if k.is_empty() || k.chars().any(char::is_whitespace) {
            return Err(CliError::usage(format!(
                "\"{raw}\": \"{k}\" is not a valid secret name (no spaces, not empty)"
            )));
        }
        put(k.to_string(), v.to_string());
    }
    if pairs.is_empty() {
        return Err(CliError::usage("nothing to set").with_hint("give KEY=VALUE pairs, or --file .env"));
    }
    Ok(pairs)
}

async fn set(ctx: &Context, args: &SetArgs) -> CliResult<()> {
    let format = ctx.output_of(Format::Table, &[Format::Table, Format::Json, Format::Yaml])?;
    let pairs = collect_pairs(args)?;
    let at = locate(ctx, &args.scope).await?;
    let q = at.query(&[("expandSecretReferences", "false"), ("include_imports", "false")]);
    let current: SecretsListOut = ctx.client.get(&["api", "v3", "secrets", "raw"], &q).await?;
    let existing: BTreeMap<&str, &str> =
        current.secrets.iter().map(|s| (s.secret_key.as_str(), s.secret_value.expose())).collect();

    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut outcome: Vec<(String, &str)> = Vec::new();
    for (k, v) in &pairs {
        match existing.get(k.as_str()) {
            None => {
                creates.push(json!({"secretKey": k, "secretValue": v}));
                outcome.push((k.clone(), "created"));
            }
            Some(old) if *old == v.as_str() => outcome.push((k.clone(), "unchanged")),
            Some(_) => {
                updates.push(json!({"secretKey": k, "secretValue": v}));
                outcome.push((k.clone(), "updated"));
            }
        }
    }
    let batch = ["api", "v3", "secrets", "batch", "raw"];
    if !creates.is_empty() {
        let mut body = at.body();
        body.insert("secrets".into(), Value::Array(creates));
        let _: SecretsOut = ctx.client.post(&batch, &body).await?;
    }
    if !updates.is_empty() {
        let mut body = at.body();
        body.insert("secrets".into(), Value::Array(updates));
        let _: SecretsOut = ctx.client.patch(&batch, &body).await?;
    }
    print_outcome(format, &outcome, &at);
    Ok(())
}

fn print_outcome(format: Format, outcome: &[(String, &str)], at: &Located) {
    match format {
        Format::Table => {
            let rows: Vec<Vec<String>> = outcome.iter().map(|(k, a)| vec![k.clone(), a.to_string()]).collect();
            print!("{}", output::table(&["KEY", "RESULT"], &rows));
            let n = |what: &str| outcome.iter().filter(|(_, a)| *a == what).count();
            println!(
                "{} created, {} updated, {} unchanged in {}.",
                n("created"),
                n("updated"),
                n("unchanged"),
                at.describe()
            );
        }
        other => {
            let v: Vec<Value> = outcome.iter().map(|(k, a)| json!({"key": k, "result": a})).collect();
            let v = Value::Array(v);
            print!("{}", if other == Format::Json { output::json(&v) } else { output::yaml(&v) });
        }
    }
}

fn keys(outcome: &[(String, &str)]) -> String {
    outcome.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ")
}

async fn delete(ctx: &Context, args: &DeleteArgs) -> CliResult<()> {
    let format = ctx.output_of(Format::Table, &[Format::Table, Format::Json, Format::Yaml])?;
    let at = locate(ctx, &args.scope).await?;
    let mut outcome = Vec::new();
    for name in &args.names {
        let mut body = at.body();
        body.insert("type".into(), json!("shared"));
        let path = ["api", "v3", "secrets", "raw", name.as_str()];
        let r: CliResult<SecretEnvelope> = ctx.client.send(reqwest::Method::DELETE, &path, &[], Some(&body)).await;
        r.map_err(|e| {
            let e = if e.exit_code() == 4 {
                CliError::not_found(format!("no secret {name} in {}", at.describe()))
            } else {
                e
            };
            match outcome.is_empty() {
                true => e,
                false => e.context(format!("deleted {} first, then", keys(&outcome))),
            }
        })?;
        outcome.push((name.clone(), "deleted"));
    }
    match format {
        Format::Table => println!("Deleted {} from {}.", keys(&outcome), at.describe()),
        _ => print_outcome(format, &outcome, &at),
    }
    Ok(())
}
