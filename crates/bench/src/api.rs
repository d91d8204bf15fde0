//! API benchmarks: throughput and latency of reading one secret and a list of 500, each
//! beside the trivial `/api/status` of the same server (ratios hold on a noisy machine),
//! idle memory after each start path, and start-to-ready on an existing database. Run on
//! SQLite, and on PostgreSQL too when `--database-url` names a server (a database of its
//! own is created there), printed side by side.

use crate::db::TempDatabase;
use crate::load;
use crate::server::{self, ms, pct, rss_kib};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// One measured figure: what, and its value as printed.
type Figure = (&'static str, String);

/// The list request as Infisical's SDKs send it by default: references expanded,
/// imports included, values shown.
const LIST_QUERY: &str = "environment=dev&secretPath=/&expandSecretReferences=true&include_imports=true";

pub async fn run(bin: &Path, seconds: u64, postgres: Option<&str>) -> anyhow::Result<()> {
    println!("\n## API (release build)\n");
    println!("### SQLite");
    let sqlite = measure(bin, seconds, None).await?;
    let mut columns = vec![("SQLite", sqlite)];
    if let Some(admin) = postgres {
        println!("\n### PostgreSQL");
        let db = TempDatabase::create(admin).await?;
        let figures = measure(bin, seconds, Some(&db.url)).await;
        db.remove().await?;
        columns.push(("PostgreSQL", figures?));
    }
    println!("\n| Measurement | {} |", columns.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (i, (label, _)) in columns[0].1.iter().enumerate() {
        let cells: Vec<&str> = columns.iter().map(|(_, f)| f.get(i).map(|(_, v)| v.as_str()).unwrap_or("")).collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
    Ok(())
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into())
}

fn load_line(r: &load::LoadResult) -> String {
    let errors = if r.errors > 0 { format!(", {} errors", r.errors) } else { String::new() };
    format!("{:.0} req/s, p50 {}, p99 {}{errors} ({})", r.requests_per_sec, ms(r.p50), ms(r.p99), r.tool)
}

/// Runs every API measurement against one server (`database_url` `None`: SQLite in a
/// temporary data directory) and prints each figure as it comes.
async fn measure(bin: &Path, seconds: u64, database_url: Option<&str>) -> anyhow::Result<Vec<Figure>> {
    let mut figures: Vec<Figure> = Vec::new();
    let mut note = |label: &'static str, value: String| {
        println!("{label}: {value}");
        figures.push((label, value));
    };
    let dir = tempfile::tempdir()?;
    let port = server::free_port();
    let extra: Vec<&str> = database_url.map(|u| vec!["--database-url", u]).unwrap_or_default();
    let (srv, first_ready) = server::start(bin, dir.path(), port, &extra).await?;
    let token = srv.creds["accessToken"].as_str().unwrap_or_default().to_string();
    let project = srv.creds["projectId"].as_str().unwrap_or_default().to_string();
    let http = reqwest::Client::new();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_fresh = rss_kib(srv.child.id());

    // 500 secrets in dev:/, one in ten holding a reference to another.
    let secrets: Vec<_> = (0..500)
        .map(|i| {
            let value = if i % 10 == 5 {
                format!("${{KEY_{:04}}}-and-more", i - 5)
            } else {
                format!("value-{i:04}-{}", "x".repeat(40))
            };
            json!({"secretKey": format!("KEY_{i:04}"), "secretValue": value})
        })
        .collect();
    let resp = http
        .post(format!("{}/api/v3/secrets/batch/raw", srv.url))
        .bearer_auth(&token)
        .json(&json!({"workspaceId": project, "environment": "dev", "secretPath": "/", "secrets": secrets}))
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "seeding failed: {}", resp.text().await?);

    note("first `--dev` start (bootstrap + provisioning) to ready", ms(first_ready));
    let status = format!("{}/api/status", srv.url);
    let baseline = load::run(&status, &token, 8, seconds).await?;
    note("baseline: `/api/status`, 8 connections", load_line(&baseline));
    let one = format!("{}/api/v3/secrets/raw/KEY_0042?workspaceId={project}&environment=dev&secretPath=/", srv.url);
    let r = load::run(&one, &token, 1, seconds).await?;
    note("GET one secret, 1 connection", load_line(&r));
    let r = load::run(&one, &token, 8, seconds).await?;
    let ratio = 100.0 * r.requests_per_sec / baseline.requests_per_sec.max(1.0);
    note("GET one secret, 8 connections", format!("{} ({ratio:.0} % of the baseline)", load_line(&r)));

    let list = format!("{}/api/v3/secrets/raw?workspaceId={project}&{LIST_QUERY}", srv.url);
    let mut lat = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        let r = http.get(&list).bearer_auth(&token).send().await?;
        anyhow::ensure!(r.status().is_success(), "list failed: {}", r.status());
        let body = r.bytes().await?;
        lat.push(t.elapsed());
        anyhow::ensure!(body.len() > 500 * 50, "list too short");
    }
    lat.sort();
    note(
        "list of 500 (references expanded), sequential",
        format!("p50 {}, p99 {}", ms(pct(&lat, 0.5)), ms(pct(&lat, 0.99))),
    );
    let r = load::run(&list, &token, 8, seconds.min(5)).await?;
    note("list of 500, 8 connections", load_line(&r));
    let baseline = load::run(&status, &token, 8, seconds.min(5)).await?;
    note("baseline again after the lists: `/api/status`, 8 connections", load_line(&baseline));

    tokio::time::sleep(Duration::from_secs(2)).await;
    note("idle RSS after a fresh `--dev` start (admin password hashed)", mib(idle_fresh));
    note("RSS after the load above", mib(rss_kib(srv.child.id())));

    // Start-to-ready on the existing database, and the memory of such a start.
    drop(srv);
    let mut starts = Vec::new();
    let mut idle_restart = None;
    for i in 0..7 {
        let (srv, ready) = server::start(bin, dir.path(), port, &extra).await?;
        starts.push(ready);
        if i == 6 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            idle_restart = rss_kib(srv.child.id());
        }
        drop(srv);
    }
    starts.sort();
    note(
        "start to ready on an existing database (spawn → /api/status 200, 7 runs)",
        format!("median {}, max {}", ms(pct(&starts, 0.5)), ms(*starts.last().unwrap_or(&Duration::ZERO))),
    );
    note("idle RSS after a start on an existing database", mib(idle_restart));
    Ok(figures)
}
