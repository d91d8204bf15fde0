//! `sluice-railway-fake`: serves the fake Railway API until interrupted and prints its URL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use sluice_railway_fake::{FakeConfig, FakeRailway, RateLimit, Seed};

/// A fake Railway GraphQL server (POST /graphql/v2) with a test control surface at /__fake/.
#[derive(Parser, Debug)]
#[command(name = "sluice-railway-fake", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seed file (JSON); default: the example seed.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Requests per window and token; rate limiting is off without it.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Rate-limit window in seconds.
    #[arg(long, default_value_t = 3600)]
    rate_window_secs: u64,
    /// Also at most this many requests per token within any one second (needs --rate-limit).
    #[arg(long, requires = "rate_limit")]
    rate_per_second: Option<u32>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let seed = match &args.seed {
        Some(path) => Seed::from_file(path)?,
        None => Seed::example(),
    };
    let config = FakeConfig {
        rate_limit: args.rate_limit.map(|limit| RateLimit {
            per_second: args.rate_per_second,
            ..RateLimit::new(limit, Duration::from_secs(args.rate_window_secs))
        }),
        ..FakeConfig::default()
    };
    let fake = FakeRailway::bind(args.listen, config, seed).await?;
    println!("sluice-railway-fake listening on {}", fake.graphql_url());
    tracing::info!(url = %fake.graphql_url(), "serving; control surface at {}/__fake/", fake.base_url());
    tokio::signal::ctrl_c().await?;
    drop(fake);
    Ok(())
}
