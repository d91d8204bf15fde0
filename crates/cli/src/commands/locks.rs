//! `sluice login-locks list|clear`: the failed sign-ins of the chosen project's
//! organization, and clearing one account's (`/api/v1/organization/{id}/login-locks`,
//! organization admins). A client address's lock is no organization's: instance admins list
//! and clear those (`--addresses`, `clear ip ADDRESS`; `/api/v1/admin/login-locks`).

use super::connections::print_value;
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use sluice_api_types::auth::{LoginLockKind, LoginLockOut, LoginLockState, LoginLocksOut, LoginUnlockOut};

const EXAMPLES: &str = "Examples:
  sluice login-locks list
  sluice login-locks clear user dana@example.com
  sluice login-locks clear client 6f1c…            # a machine identity's universal-auth client id
  sluice login-locks list --addresses              # client addresses (instance admins)
  sluice login-locks clear ip 203.0.113.9          # every sign-in from that address (instance admins)

The organization is the chosen project's (--project, or the stored login's).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct LocksArgs {
    #[command(subcommand)]
    pub command: LocksCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum LocksCommand {
    /// The organization's accounts with failed sign-ins remembered, locked ones first
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  sluice login-locks list
  sluice login-locks list -o json
  sluice login-locks list --addresses"
    )]
    List(ListArgs),
    /// Forget an account's failed sign-ins, so it may sign in at once (audited)
    #[command(after_help = "Examples:
  sluice login-locks clear user dana@example.com
  sluice login-locks clear identity 0b9e…
  sluice login-locks clear ip 203.0.113.9")]
    Clear(ClearArgs),
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// List the client addresses with failed sign-ins instead (every organization's; instance admins)
    #[arg(long)]
    pub addresses: bool,
}

#[derive(clap::Args, Debug)]
pub struct ClearArgs {
    /// What the account is: a user (by email), a universal-auth client id, an identity (OIDC login),
    /// or a client address (ip; instance admins)
    #[arg(value_enum)]
    pub kind: Kind,
    /// The email, client id, identity id or IP address
    pub account: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    User,
    Client,
    Identity,
    Ip,
}

impl Kind {
    fn wire(self) -> LoginLockKind {
        match self {
            Kind::User => LoginLockKind::User,
            Kind::Client => LoginLockKind::Client,
            Kind::Identity => LoginLockKind::Identity,
            Kind::Ip => LoginLockKind::Ip,
        }
    }
}

pub async fn run(ctx: &Context, args: &LocksArgs) -> CliResult<()> {
    ctx.require_token()?;
    ctx.output_of(Format::Table, &[Format::Table, Format::Json, Format::Yaml])?;
    // A client address's lock is the instance's; an account's, its organization's.
    let addresses = match &args.command {
        LocksCommand::List(a) => a.addresses,
        LocksCommand::Clear(a) => a.kind == Kind::Ip,
    };
    let org = if addresses { None } else { Some(ctx.project().await?.org_id) };
    let base: Vec<&str> = match &org {
        Some(org) => vec!["api", "v1", "organization", org.as_str(), "login-locks"],
        None => vec!["api", "v1", "admin", "login-locks"],
    };
    match &args.command {
        LocksCommand::List(_) => {
            let out: LoginLocksOut = ctx.client.get(&base, &[]).await?;
            match ctx.output(Format::Table) {
                Format::Table if out.login_locks.is_empty() => {
                    let whose = if addresses { "from any client address" } else { "in this organization" };
                    println!("No failed sign-ins remembered {whose}.");
                    Ok(())
                }
                Format::Table => {
                    let rows: Vec<Vec<String>> = out.login_locks.iter().map(row).collect();
                    let headers = ["KIND", "ACCOUNT", "STATE", "FAILURES", "LOCKS", "RETRY AT"];
                    print!("{}", output::table(&headers, &rows));
                    if out.truncated {
                        println!(
                            "More are remembered than these {}: the longest locks and most recent failures are listed.",
                            rows.len()
                        );
                    }
                    Ok(())
                }
                f => {
                    if out.truncated {
                        eprintln!("More are remembered than the {} listed.", out.login_locks.len());
                    }
                    print_value(f, &serde_json::to_value(&out.login_locks).unwrap_or_default())
                }
            }
        }
        LocksCommand::Clear(a) => {
            let kind = a.kind.wire().as_str();
            // "the failed sign-ins of user dana@…", "… from 203.0.113.9"
            let whose = match a.kind {
                Kind::Ip => "from".to_string(),
                _ => format!("of {kind}"),
            };
            let path: Vec<&str> = base.iter().copied().chain([kind, a.account.as_str()]).collect();
            let out: LoginUnlockOut =
                ctx.client.send(reqwest::Method::DELETE, &path, &[], None::<&()>).await.map_err(|e| {
                    e.name_flags(&[
                        ("params.account", "ACCOUNT"),
                        ("params.address", "ACCOUNT"),
                        ("params.kind", "KIND"),
                    ])
                })?;
            match (ctx.output(Format::Table), &out.login_lock) {
                (Format::Table, Some(lock)) => {
                    println!(
                        "Cleared the failed sign-ins {whose} {} (it was {}, {} failure{}).",
                        lock.account,
                        state(lock.state),
                        lock.failures,
                        if lock.failures == 1 { "" } else { "s" }
                    );
                    Ok(())
                }
                (Format::Table, None) => {
                    println!("No failed sign-ins remembered {whose} {}: nothing to clear.", a.account.trim());
                    Ok(())
                }
                (f, _) => print_value(f, &serde_json::to_value(&out).map_err(|e| CliError::failed(e.to_string()))?),
            }
        }
    }
}

fn state(s: LoginLockState) -> &'static str {
    match s {
        LoginLockState::Locked => "locked",
        LoginLockState::Waiting => "waiting",
        LoginLockState::Counting => "counting",
    }
}

fn row(l: &LoginLockOut) -> Vec<String> {
    vec![
        l.kind.as_str().to_string(),
        l.account.clone(),
        state(l.state).to_string(),
        l.failures.to_string(),
        l.locks.to_string(),
        l.retry_at.clone().unwrap_or_else(|| "-".to_string()),
    ]
}
