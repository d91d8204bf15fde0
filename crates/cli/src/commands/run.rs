//! `sluice run -- CMD ARGS…`: runs a command with a folder's secrets in its environment.
//!
//! Secrets override variables of the same name already set. On Unix the command replaces
//! this process (`exec`), so it receives signals (Ctrl-C, SIGTERM) directly and its exit
//! status is the status of `sluice run`; elsewhere the status is forwarded after it ends.
//! A command that cannot be found exits 127, one that cannot be started 126, as in shells.

use super::{Scope, effective_secrets, locate};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use std::process::Command;

const EXAMPLES: &str = "Examples:
  sluice run --env dev -- npm run dev
  sluice run --env prod --path /apps/api -- ./server --port 8080
  sluice run --env dev --command 'echo \"$DATABASE_URL\" && make migrate'";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct RunArgs {
    #[command(flatten)]
    pub scope: Scope,

    /// A shell command line to run with `sh -c` instead of CMD ARGS…
    #[arg(long = "command", short = 'c', value_name = "SHELL COMMAND", conflicts_with = "command")]
    pub shell: Option<String>,

    /// Don't print how many secrets were injected
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The command and its arguments (after --)
    #[arg(last = true, value_name = "CMD ARGS", required_unless_present = "shell")]
    pub command: Vec<String>,
}

/// Whether a name can be an environment variable (`setenv` refuses `=` and NUL).
fn valid_env_name(k: &str) -> bool {
    !k.is_empty() && !k.contains(['=', '\0'])
}

pub async fn run(ctx: &Context, args: &RunArgs) -> CliResult<()> {
    let at = locate(ctx, &args.scope).await?;
    let secrets = effective_secrets(ctx, &at).await?;

    let mut cmd = match (&args.shell, args.command.split_first()) {
        (Some(line), _) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(line);
            c
        }
        (None, Some((program, rest))) => {
            let mut c = Command::new(program);
            c.args(rest);
            c
        }
        (None, None) => {
            return Err(
                CliError::usage("no command to run").with_hint("put it after --: sluice run --env dev -- npm start")
            );
        }
    };
    let mut injected = 0;
    for s in &secrets {
        if !valid_env_name(&s.secret_key) || s.secret_value.expose().contains('\0') {
            eprintln!("warning: {} cannot be an environment variable; skipped", s.secret_key);
            continue;
        }
        for w in &s.reference_warnings {
            // The value is injected as read: the reference stays as written.
            eprintln!("warning: {}: {w}", s.secret_key);
        }
        cmd.env(&s.secret_key, s.secret_value.expose());
        injected += 1;
    }
    if !args.quiet {
        eprintln!("Injecting {injected} secrets from {}", at.describe());
    }
    let program =
        args.shell.as_ref().map(|_| "sh".to_string()).or_else(|| args.command.first().cloned()).unwrap_or_default();
    launch(cmd, &program)
}

fn start_error(program: &str, e: std::io::Error) -> CliError {
    match e.kind() {
        std::io::ErrorKind::NotFound => CliError::failed(format!("command not found: {program}"))
            .with_hint("check the name, or give its full path")
            .with_exit_code(127),
        _ => CliError::failed(format!("cannot run {program}: {e}")).with_exit_code(126),
    }
}

#[cfg(unix)]
fn launch(mut cmd: Command, program: &str) -> CliResult<()> {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // Returns only when the command could not be started.
    let e = cmd.exec();
    Err(start_error(program, e))
}

#[cfg(not(unix))]
fn launch(mut cmd: Command, program: &str) -> CliResult<()> {
    let status = cmd.status().map_err(|e| start_error(program, e))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(CliError::failed(String::new()).with_exit_code(code.clamp(1, 255) as u8)),
        None => Err(CliError::failed(format!("{program} was stopped by a signal"))),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_env_name;

    #[test]
    fn env_names_refused_by_setenv_are_skipped() {
        assert!(valid_env_name("DATABASE_URL"));
        assert!(valid_env_name("lower.dots-ok"));
        assert!(!valid_env_name(""));
        assert!(!valid_env_name("A=B"));
    }
}
