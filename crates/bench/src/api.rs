//! API benchmarks: throughput and latency of reading one secret and a list of 500,
//! idle memory, and start-to-ready on an existing SQLite database.

use crate::load;
use crate::server::{self, ms, pct, rss_kib};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn run(bin: &Path, seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let port = server::free_port();
    let (srv, first_ready) = server::start(bin, dir.path(), port, &[]).await?;
    let token = srv.creds["accessToken"].as_str().unwrap_or_default().to_string();
    let project = srv.creds["projectId"].as_str().unwrap_or_default().to_string();
    let http = reqwest::Client::new();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_fresh = rss_kib(srv.child.id());

    // 500 secrets in dev:/.
    let secrets: Vec<_> = (0..500)
        .map(|i| json!({"secretKey": format!("KEY_{i:04}"), "secretValue": format!("value-{i:04}-{}", "x".repeat(40))}))
        .collect();
    let resp = http
        .post(format!("{}/api/v3/secrets/batch/raw", srv.url))
        .bearer_auth(&token)
        .json(&json!({"workspaceId": project, "environment": "dev", "secretPath": "/", "secrets": secrets}))
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "seeding failed: {}", resp.text().await?);

    println!("\n## API (SQLite, release build)\n");
    println!("first start (bootstrap + provisioning) to ready: {}", ms(first_ready));
    let one = format!("{}/api/v3/secrets/raw/KEY_0042?workspaceId={project}&environment=dev&secretPath=/", srv.url);
    for conns in [1, 8] {
        let r = load::run(&one, &token, conns, seconds).await?;
        println!(
            "GET one secret, {conns} connection(s), keep-alive ({}): {:.0} req/s, p50 {}, p99 {}{}",
            r.tool,
            r.requests_per_sec,
            ms(r.p50),
            ms(r.p99),
            if r.errors > 0 { format!(", {} errors", r.errors) } else { String::new() }
        );
    }
    let list = format!("{}/api/v3/secrets/raw?workspaceId={project}&environment=dev&secretPath=/", srv.url);
    let mut lat = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let r = http.get(&list).bearer_auth(&token).send().await?;
        let body = r.bytes().await?;
        lat.push(t.elapsed());
        anyhow::ensure!(body.len() > 500 * 50, "list too short");
    }
    lat.sort();
    println!("list of 500 secrets, sequential: p50 {}, p99 {}", ms(pct(&lat, 0.5)), ms(pct(&lat, 0.99)));
    let r = load::run(&list, &token, 8, seconds.min(5)).await?;
    println!(
        "list of 500 secrets, 8 connections ({}): {:.0} req/s, p50 {}, p99 {}",
        r.tool,
        r.requests_per_sec,
        ms(r.p50),
        ms(r.p99)
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_after = rss_kib(srv.child.id());
    let kib = |v: Option<u64>| v.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into());
    println!("idle RSS: {} after start, {} after the load above", kib(idle_fresh), kib(idle_after));

    // Start-to-ready on the existing database.
    drop(srv);
    let mut starts = Vec::new();
    for _ in 0..7 {
        let (srv, ready) = server::start(bin, dir.path(), port, &[]).await?;
        starts.push(ready);
        drop(srv);
    }
    starts.sort();
    println!(
        "start-to-ready on an existing SQLite database (spawn → /api/status 200, 7 runs): median {}, max {}",
        ms(pct(&starts, 0.5)),
        ms(*starts.last().unwrap_or(&Duration::ZERO))
    );
    Ok(())
}
