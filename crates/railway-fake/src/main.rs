//! `sluice-railway-fake`: serves the fake Railway API until interrupted and prints its URL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use sluice_railway_fake::{Chaos, FakeConfig, FakeRailway, RateLimit, Seed};

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
    /// Chaos mode: answer this share of requests (0 to 1, e.g. 0.2) with a random fault.
    #[arg(long)]
    chaos_rate: Option<f64>,
    /// Seed of chaos mode's draws (default: a random one, printed on stderr).
    #[arg(long, requires = "chaos_rate")]
    chaos_seed: Option<u64>,
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
    if let Some(rate) = args.chaos_rate
        && !(0.0..=1.0).contains(&rate)
    {
        anyhow::bail!("--chaos-rate must be between 0 and 1, not {rate}");
    }
    let fake = FakeRailway::bind(args.listen, config, seed).await?;
    println!("sluice-railway-fake listening on {}", fake.graphql_url());
    if let Some(rate) = args.chaos_rate {
        let chaos = Chaos { rate, seed: args.chaos_seed.unwrap_or_else(rand::random), ..Chaos::default() };
        eprintln!("chaos mode: rate {rate}, seed {} (replay with --chaos-seed {})", chaos.seed, chaos.seed);
        fake.state().set_chaos(Some(chaos));
    }
    tracing::info!(url = %fake.graphql_url(), "serving; control surface at {}/__fake/", fake.base_url());
    tokio::signal::ctrl_c().await?;
    drop(fake);
    Ok(())
}
