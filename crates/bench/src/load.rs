//! Load generation: `wrk` when installed (it costs the server little CPU), else a simple
//! keep-alive client of our own.

use std::time::{Duration, Instant};

pub struct LoadResult {
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub tool: &'static str,
    pub errors: u64,
}

/// GETs `url` with `connections` keep-alive connections for `seconds`.
pub async fn run(url: &str, token: &str, connections: usize, seconds: u64) -> anyhow::Result<LoadResult> {
    if which("wrk") { wrk(url, token, connections, seconds) } else { builtin(url, token, connections, seconds).await }
}

fn which(cmd: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

fn wrk(url: &str, token: &str, connections: usize, seconds: u64) -> anyhow::Result<LoadResult> {
    let out = std::process::Command::new("wrk")
        .args(["-t", &connections.min(2).to_string(), "-c", &connections.to_string(), "-d", &format!("{seconds}s")])
        .args(["--latency", "-H", &format!("Authorization: Bearer {token}"), url])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| anyhow::anyhow!("cannot read wrk's output:\n{text}"))?;
    let pct = |name: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(parse_wrk_duration)
            .unwrap_or(Duration::ZERO)
    };
    let errors = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses:"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(LoadResult { requests_per_sec: rps, p50: pct("50%"), p99: pct("99%"), tool: "wrk", errors })
}

fn parse_wrk_duration(s: &str) -> Duration {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
    let v: f64 = num.parse().unwrap_or(0.0);
    let secs = match unit {
        "us" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" => v * 60.0,
        _ => 0.0,
    };
    Duration::from_secs_f64(secs)
}

async fn builtin(url: &str, token: &str, connections: usize, seconds: u64) -> anyhow::Result<LoadResult> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder().pool_max_idle_per_host(1).http1_only().build()?;
        let (url, token) = (url.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match client.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                lat.push(t.elapsed());
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.extend(lat);
        errors += e;
    }
    all.sort();
    Ok(LoadResult {
        requests_per_sec: all.len() as f64 / seconds as f64,
        p50: crate::server::pct(&all, 0.50),
        p99: crate::server::pct(&all, 0.99),
        tool: "builtin",
        errors,
    })
}
