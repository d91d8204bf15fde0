//! `sluice`: the server (`sluice server`) and its command-line client in one binary.
//!
//! Reading order: [`context`] (which server, token and project a command uses) →
//! [`client`] (HTTP and error bodies) → [`commands`] (one module per feature) →
//! [`output`] (tables, JSON, dotenv, YAML) → [`error`] (exit statuses).

mod client;
mod commands;
mod config;
mod context;
mod dotenv;
mod error;
mod memory;
mod output;

use clap::{Parser, Subcommand};
use commands::{connections, export, locks, login, notifications, run, secrets, syncs};
use context::{Context, GlobalArgs};
use error::CliResult;
use std::process::ExitCode;

const EXAMPLES: &str = "Examples:
  sluice login --url http://127.0.0.1:8080 --client-id … --client-secret …
  sluice secrets set DATABASE_URL=postgres://… --env prod
  sluice run --env dev -- npm start
  sluice connections railway create railway-prod --method account-token
  sluice syncs railway create shop-api --connection railway-prod --env prod \\
      --railway-project shop --railway-environment production --railway-service api \\
      --initial-sync overwrite-destination --wait

Exit status:
  0  success
  1  the operation failed (a sync, import or removal failed; the server or Railway failed)
  2  usage: a flag or value is wrong, or the server rejected a value
  3  authentication: not logged in, token refused, or permission denied
  4  not found: project, environment, secret, connection or sync
  5  the server cannot be reached
  6  drifted: `syncs railway drift` found Railway changed since the sync wrote it
  7  held: a sync run would delete too many variables; confirm it with `syncs railway confirm`
  `sluice run` exits with its command's status (127: command not found).";

#[derive(Parser)]
#[command(
    name = "sluice",
    version,
    about = "Sluice: a self-hosted secrets manager that keeps Railway in sync",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (HTTP API, web UI and sync workers)
    Server(Box<sluice_server::ServerArgs>),
    /// Print a new random root encryption key (base64)
    Keygen,
    /// Write a consistent copy of the SQLite database to FILE while the server runs
    Backup(sluice_server::backup::BackupArgs),
    /// Put a backup in place as the server's database (the server stopped)
    Restore(sluice_server::backup::RestoreArgs),
    /// Log in and store the access token (universal auth or email and password)
    Login(login::LoginArgs),
    /// Revoke and forget the stored login
    Logout(login::LogoutArgs),
    /// List, read, set and delete secrets
    Secrets(secrets::SecretsArgs),
    /// Run a command with secrets in its environment
    Run(run::RunArgs),
    /// Print secrets as dotenv, JSON or YAML
    Export(export::ExportArgs),
    /// App connections (Railway tokens)
    Connections(connections::ConnectionsArgs),
    /// Secret syncs to Railway
    Syncs(syncs::SyncsArgs),
    /// Notification channels: webhooks and email about failing syncs
    Notifications(notifications::NotificationsArgs),
    /// Failed sign-ins of the organization's accounts, and clearing a lock (organization admins)
    LoginLocks(locks::LocksArgs),
}

async fn client_command(global: &GlobalArgs, command: Command) -> CliResult<()> {
    match command {
        Command::Login(a) => return login::login(global, &a).await,
        Command::Logout(_) => return login::logout().await,
        Command::Server(_) | Command::Keygen | Command::Backup(_) | Command::Restore(_) => return Ok(()),
        _ => {}
    }
    let ctx = Context::connect(global).await?;
    match command {
        Command::Secrets(a) => secrets::run(&ctx, &a).await,
        Command::Run(a) => run::run(&ctx, &a).await,
        Command::Export(a) => export::run(&ctx, &a).await,
        Command::Connections(a) => connections::run(&ctx, &a).await,
        Command::Syncs(a) => syncs::run(&ctx, &a).await,
        Command::Notifications(a) => notifications::run(&ctx, &a).await,
        Command::LoginLocks(a) => locks::run(&ctx, &a).await,
        Command::Login(_)
        | Command::Logout(_)
        | Command::Server(_)
        | Command::Keygen
        | Command::Backup(_)
        | Command::Restore(_) => Ok(()),
    }
}

fn main() -> ExitCode {
    memory::tune_server_allocator(&std::env::args_os().collect::<Vec<_>>());
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Server(args) => server_result(runtime.block_on(sluice_server::run(*args))),
        Command::Keygen => {
            println!("{}", sluice_crypto::RootKey::generate().to_base64());
            ExitCode::SUCCESS
        }
        Command::Backup(args) => report(runtime.block_on(sluice_server::backup::backup(&args))),
        Command::Restore(args) => report(runtime.block_on(sluice_server::backup::restore(&args))),
        command => match runtime.block_on(client_command(&cli.global, command)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                if !e.message.is_empty() {
                    eprintln!("{e}");
                }
                ExitCode::from(e.exit_code())
            }
        },
    }
}

/// Prints what a local command (backup, restore) did, or why it refused.
fn report<E: std::fmt::Display>(result: Result<String, E>) -> ExitCode {
    match result {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => server_result::<E>(Err(e)),
    }
}

fn server_result<E: std::fmt::Display>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
