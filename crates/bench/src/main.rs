//! `sluice-bench`: benchmarks that print figures (not timed tests). Build in release and
//! run `scripts/bench.sh`; the results are kept in `docs/benchmarks.md`.
//!
//! - `api`: GET one secret with keep-alive at 1 and 8 connections (req/s, p50, p99), list
//!   of 500 secrets, each beside `/api/status` of the same server; idle RSS; start-to-ready
//!   on an existing database. SQLite, and PostgreSQL beside it with `--database-url`.
//! - `sync`: secret change → value visible at the (fake) Railway, p50/p99; Railway calls
//!   and redeploys per sync; first sync of a 5,000-secret folder; one change fanned out
//!   to 1,000 syncs (also alone: `fanout`, with one and three nodes on PostgreSQL beside it); a
//!   drift sweep of 1,000 syncs (also alone: `drift`).

mod api;
mod cpu;
mod db;
mod load;
mod server;
mod sync;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Sluice benchmarks: print figures")]
struct Cli {
    /// The `sluice` binary to benchmark (build it with --release)
    #[arg(long, global = true, default_value = "target/release/sluice")]
    sluice: PathBuf,
    /// Seconds per throughput measurement
    #[arg(long, global = true, default_value_t = 10)]
    seconds: u64,
    /// A PostgreSQL server (`postgres://user@host:port/db`) to measure on as well; each
    /// measurement creates a database of its own there and drops it at the end
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// HTTP API throughput, latency, memory and start-up
    Api,
    /// Sync latency, Railway calls per sync, large folders, fan-out and the drift sweep
    Sync,
    /// Only the drift sweep of 1,000 syncs (unlimited, and at Railway's 50 RPS)
    Drift,
    /// Only one change fanned out to 1,000 syncs without rate limit: SQLite, and three
    /// nodes on PostgreSQL with `--database-url`
    Fanout {
        /// Only these cases (default all): `sqlite`, `sqlite-cap8`, `pg1`, `pg3`, `pg3-cap24`
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Both
    All,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(
        cli.sluice.exists(),
        "{} not found: run `cargo build --release -p sluice` first",
        cli.sluice.display()
    );
    server::describe_machine();
    match cli.what {
        What::Api => api::run(&cli.sluice, cli.seconds, cli.database_url.as_deref()).await?,
        What::Sync => sync::run(&cli.sluice).await?,
        What::Drift => sync::drift(&cli.sluice).await?,
        What::Fanout { only } => sync::fan_out_only(&cli.sluice, cli.database_url.as_deref(), &only).await?,
        What::All => {
            api::run(&cli.sluice, cli.seconds, cli.database_url.as_deref()).await?;
            sync::run(&cli.sluice).await?;
        }
    }
    Ok(())
}
