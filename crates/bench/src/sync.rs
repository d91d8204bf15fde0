//! Sync benchmarks against the fake Railway (in this process) and a `sluice server`
//! process: change-to-Railway latency, Railway calls per sync, a 5,000-secret first sync,
//! one change fanned out to 1,000 syncs, and a drift sweep of 1,000 syncs.

use crate::server::{self, ms, pct};
use serde_json::{Value, json};
use sluice_railway_fake::{FakeRailway, Seed};
use std::path::Path;
use std::time::{Duration, Instant};

const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
const RW_PROJECT: &str = "33333333-3333-4333-8333-333333333333";
const PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
const API: &str = "66666666-6666-4666-8666-666666666666";

fn service_id(i: usize) -> String {
    format!("90000000-0000-4000-8000-{i:012}")
}

fn seed_with_services(n: usize) -> anyhow::Result<Seed> {
    let mut seed = Seed::example();
    let mut project = serde_json::to_value(&seed.projects[0])?;
    let mut services = project["services"].as_array().cloned().unwrap_or_default();
    services.extend((0..n).map(|i| json!({"id": service_id(i), "name": format!("svc{i}")})));
    project["services"] = Value::Array(services);
    seed.projects[0] = serde_json::from_value(project)?;
    Ok(seed)
}

/// Whether every one of `n` services holds `F_FAN = want`. Each look goes on from the
/// first service not yet seen to hold it and stops at the next one that does not: a look
/// costs a service or two, not all those left (looking at hundreds every 2 ms took a
/// good part of a core from the server), and the last service to converge is still seen
/// within one look.
fn converging(n: usize, want: &'static str) -> impl FnMut(&FakeRailway) -> bool {
    let mut next = 0;
    move |f| {
        while next < n && f.variables(PRODUCTION, Some(&service_id(next))).get("F_FAN") == Some(&Some(want.into())) {
            next += 1;
        }
        next == n
    }
}

struct Bench {
    fake: FakeRailway,
    srv: server::Server,
    /// More nodes on the same database (the PostgreSQL cluster case).
    nodes: Vec<server::Server>,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
    token: String,
    project: String,
    connection: String,
}

impl Bench {
    async fn start(bin: &Path, services: usize, extra: &[&str]) -> anyhow::Result<Bench> {
        let fake = FakeRailway::start(seed_with_services(services)?).await?;
        let dir = tempfile::tempdir()?;
        let mut args = vec!["--railway-api-url", fake.graphql_url().leak() as &str];
        args.extend_from_slice(extra);
        let (srv, _) = server::start(bin, dir.path(), server::free_port(), &args).await?;
        let token = srv.creds["accessToken"].as_str().unwrap_or_default().to_string();
        let project = srv.creds["projectId"].as_str().unwrap_or_default().to_string();
        let mut b = Bench {
            fake,
            srv,
            nodes: Vec::new(),
            _dir: dir,
            http: reqwest::Client::new(),
            token,
            project,
            connection: String::new(),
        };
        let conn = b
            .call(
                reqwest::Method::POST,
                "/api/v1/app-connections/railway",
                json!({"name": "railway", "method": "account-token", "credentials": {"apiToken": ACCOUNT_TOKEN}}),
            )
            .await?;
        b.connection = conn["appConnection"]["id"].as_str().unwrap_or_default().to_string();
        Ok(b)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let r = self
            .http
            .request(method, format!("{}{path}", self.srv.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{path}: {status} {v}");
        Ok(v)
    }

    async fn folder(&self, name: &str) -> anyhow::Result<()> {
        self.call(
            reqwest::Method::POST,
            "/api/v1/folders",
            json!({"projectId": self.project, "environment": "dev", "name": name, "path": "/"}),
        )
        .await
        .map(|_| ())
    }

    async fn batch(&self, path: &str, secrets: Vec<(String, String)>) -> anyhow::Result<()> {
        let list: Vec<Value> = secrets.into_iter().map(|(k, v)| json!({"secretKey": k, "secretValue": v})).collect();
        for chunk in list.chunks(1000) {
            self.call(
                reqwest::Method::POST,
                "/api/v3/secrets/batch/raw",
                json!({"workspaceId": self.project, "environment": "dev", "secretPath": path, "secrets": chunk}),
            )
            .await?;
        }
        Ok(())
    }

    async fn set(&self, path: &str, key: &str, value: &str) -> anyhow::Result<()> {
        self.call(
            reqwest::Method::PATCH,
            &format!("/api/v3/secrets/raw/{key}"),
            json!({"workspaceId": self.project, "environment": "dev", "secretPath": path, "secretValue": value}),
        )
        .await
        .map(|_| ())
    }

    async fn create_sync(
        &self,
        name: &str,
        path: &str,
        schema: &str,
        service: &str,
        auto: bool,
    ) -> anyhow::Result<String> {
        let body = json!({
            "name": name, "projectId": self.project, "connectionId": self.connection, "environment": "dev",
            "secretPath": path, "isAutoSyncEnabled": auto,
            "syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": schema},
            "destinationConfig": {"projectId": RW_PROJECT, "projectName": "shop", "environmentId": PRODUCTION,
                                  "environmentName": "production", "serviceId": service, "serviceName": service}
        });
        let s = self.call(reqwest::Method::POST, "/api/v1/secret-syncs/railway", body).await?;
        Ok(s["secretSync"]["id"].as_str().unwrap_or_default().to_string())
    }

    /// How many runs of the sync have finished.
    async fn finished_runs(&self, id: &str) -> anyhow::Result<usize> {
        let r =
            self.call(reqwest::Method::GET, &format!("/api/v1/secret-syncs/railway/{id}/runs"), Value::Null).await?;
        Ok(r["runs"].as_array().map(|runs| runs.iter().filter(|r| !r["finishedAt"].is_null()).count()).unwrap_or(0))
    }

    async fn status(&self, id: &str) -> anyhow::Result<String> {
        let s = self.call(reqwest::Method::GET, &format!("/api/v1/secret-syncs/railway/{id}"), Value::Null).await?;
        Ok(s["secretSync"]["syncStatus"].as_str().unwrap_or("").to_string())
    }

    async fn wait(
        &self,
        what: &str,
        timeout: Duration,
        done: impl FnMut(&FakeRailway) -> bool,
    ) -> anyhow::Result<Duration> {
        self.wait_every(what, timeout, Duration::from_micros(250), done).await
    }

    /// Like [`wait`](Self::wait), looking every `every` (long waits over many services
    /// should not take a core from the server they measure).
    async fn wait_every(
        &self,
        what: &str,
        timeout: Duration,
        every: Duration,
        mut done: impl FnMut(&FakeRailway) -> bool,
    ) -> anyhow::Result<Duration> {
        let t = Instant::now();
        while !done(&self.fake) {
            anyhow::ensure!(t.elapsed() < timeout, "timed out waiting for {what}");
            tokio::time::sleep(every).await;
        }
        Ok(t.elapsed())
    }

    fn requests_by_field(&self) -> std::collections::BTreeMap<String, usize> {
        let mut m = std::collections::BTreeMap::new();
        for r in self.fake.requests() {
            for f in r.root_fields {
                *m.entry(f).or_insert(0) += 1;
            }
        }
        m
    }
}

/// The latest run of each sync of a fan-out, in milliseconds after the change was written.
struct FanRuns {
    /// (started, finished, time in Railway calls) of each run.
    runs: Vec<(i64, i64, i64)>,
}

impl FanRuns {
    fn summary(&self) -> String {
        let pick = |mut v: Vec<i64>, q: f64| -> i64 {
            v.sort_unstable();
            v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0)
        };
        let took: Vec<i64> = self.runs.iter().map(|(s, f, _)| f - s).collect();
        let railway: Vec<i64> = self.runs.iter().map(|r| r.2).collect();
        let first = self.runs.iter().map(|r| r.0).min().unwrap_or(0);
        let last = self.runs.iter().map(|r| r.1).max().unwrap_or(0);
        format!(
            "{} runs; the first started {first} ms after the change was written, the last ended at {last} ms; \
             a run took p50 {} ms (p99 {} ms), of which Railway calls p50 {} ms",
            self.runs.len(),
            pick(took.clone(), 0.5),
            pick(took, 0.99),
            pick(railway, 0.5)
        )
    }
}

impl Bench {
    /// The latest run of each of the first `n` syncs (by name `fan-i`), timed from `since`.
    async fn latest_runs(&self, n: usize, since: i64) -> anyhow::Result<FanRuns> {
        let list = self
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/secret-syncs/railway?projectId={}", self.project),
                Value::Null,
            )
            .await?;
        let ids: Vec<String> = list["secretSyncs"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut runs = Vec::with_capacity(n);
        for id in ids.iter().take(n) {
            let r = self
                .call(reqwest::Method::GET, &format!("/api/v1/secret-syncs/railway/{id}/runs"), Value::Null)
                .await?;
            let Some(run) = r["runs"].as_array().and_then(|a| a.first()) else { continue };
            let at = |field: &str| run[field].as_str().and_then(|t| ms_after(t, since));
            let (Some(started), Some(finished)) = (at("startedAt"), at("finishedAt")) else { continue };
            let railway = run["railwayCalls"]
                .as_array()
                .map(|calls| calls.iter().filter_map(|c| c["durationMs"].as_i64()).sum())
                .unwrap_or(0);
            runs.push((started, finished, railway));
        }
        Ok(FanRuns { runs })
    }
}

/// Starts `more` further nodes on the database of `b` (PostgreSQL), with the same root key
/// and arguments but not `--dev`.
async fn add_nodes(bin: &Path, b: &mut Bench, database_url: &str, more: usize, extra: &[&str]) -> anyhow::Result<()> {
    let key = std::fs::read_to_string(b._dir.path().join("dev-root-key"))?;
    for _ in 0..more {
        let dir = b._dir.path().join(format!("node-{}", b.nodes.len() + 2));
        std::fs::create_dir_all(&dir)?;
        let mut args = vec!["--database-url", database_url, "--root-key", key.trim()];
        args.extend_from_slice(&["--railway-api-url", b.fake.graphql_url().leak() as &str]);
        args.extend_from_slice(extra);
        b.nodes.push(server::start_node(bin, &dir, server::free_port(), &args).await?);
    }
    Ok(())
}

/// Only the unlimited fan-out: on SQLite, and with `database_url` also on a fresh
/// PostgreSQL database, with one node (what a second and third node add on these cores)
/// and with three.
///
/// Each is measured twice: with the connection's default concurrency (5 of its syncs
/// running at once across the cluster, which bounds the time at 1,000 × a run's time ÷ 5
/// however many nodes there are), and with the connection's `syncConcurrency` at what the
/// nodes' workers can run (8 per node), as an operator whose Railway limits allow it sets it.
pub async fn fan_out_only(bin: &Path, database_url: Option<&str>, only: &[String]) -> anyhow::Result<()> {
    const WORKERS: i64 = 8;
    const CASES: [&str; 5] = ["sqlite", "sqlite-cap8", "pg1", "pg3", "pg3-cap24"];
    if let Some(unknown) = only.iter().find(|o| !CASES.contains(&o.as_str())) {
        anyhow::bail!("no fan-out case {unknown:?}: the cases are {}", CASES.join(", "));
    }
    anyhow::ensure!(
        database_url.is_some() || !only.iter().any(|o| o.starts_with("pg")),
        "the PostgreSQL cases need --database-url"
    );
    let wanted = |case: &str| only.is_empty() || only.iter().any(|o| o == case);
    if wanted("sqlite") {
        fan_out_unlimited(bin, None, 1, None).await?;
    }
    if wanted("sqlite-cap8") {
        fan_out_unlimited(bin, None, 1, Some(WORKERS)).await?;
    }
    if let Some(admin) = database_url {
        for (case, nodes, concurrency) in [("pg1", 1, None), ("pg3", 3, None), ("pg3-cap24", 3, Some(3 * WORKERS))] {
            if !wanted(case) {
                continue;
            }
            let db = crate::db::TempDatabase::create(admin).await?;
            let result = fan_out_unlimited(bin, Some(&db.url), nodes, concurrency).await;
            db.remove().await?;
            result?;
        }
    }
    Ok(())
}

/// One change fanned out to 1,000 syncs, no rate limit: on SQLite (one node), or on
/// PostgreSQL at `database_url` with `nodes` nodes; `concurrency` sets the connection's
/// `syncConcurrency` (else the server's default, 5).
async fn fan_out_unlimited(
    bin: &Path,
    database_url: Option<&str>,
    nodes: usize,
    concurrency: Option<i64>,
) -> anyhow::Result<()> {
    const N: usize = 1000;
    let node_args = ["--workers", "8", "--railway-rps", "100000"];
    let mut args: Vec<&str> = node_args.to_vec();
    if let Some(url) = database_url {
        args.extend_from_slice(&["--database-url", url]);
    }
    let mut b = Bench::start(bin, N, &args).await?;
    if let Some(url) = database_url {
        add_nodes(bin, &mut b, url, nodes.saturating_sub(1), &node_args).await?;
    }
    if let Some(n) = concurrency {
        let path = format!("/api/v1/app-connections/railway/{}", b.connection);
        b.call(reqwest::Method::PATCH, &path, json!({"syncConcurrency": n})).await?;
    }
    b.folder("fan").await?;
    b.batch("/fan", vec![("FAN".into(), "v0".into())]).await?;
    for i in 0..N {
        b.create_sync(&format!("fan-{i}"), "/fan", "F_{{secretKey}}", &service_id(i), true).await?;
    }
    let every = Duration::from_millis(2);
    b.wait_every("the first syncs", Duration::from_secs(300), every, converging(N, "v0")).await?;
    let statements = match database_url {
        Some(url) => Some(crate::db::Statements::start(url).await),
        None => None,
    };
    let cpu = crate::cpu::Snapshot::take();
    // From just before the change's API call, which the figure includes.
    let written_at = wall_ms();
    let t = Instant::now();
    b.set("/fan", "FAN", "v1").await?;
    b.wait_every("1,000 syncs to converge", Duration::from_secs(300), every, converging(N, "v1")).await?;
    let converged = t.elapsed();
    let cpu = cpu.since();
    let runs = b.latest_runs(N, written_at).await?;
    let setup = match database_url {
        None => "SQLite, one node".to_string(),
        Some(_) if b.nodes.is_empty() => "PostgreSQL, one node".to_string(),
        Some(_) => format!("PostgreSQL, {} nodes", 1 + b.nodes.len()),
    };
    let cap = match concurrency {
        None => "5 concurrent syncs per connection (the default)".to_string(),
        Some(n) => format!("{n} concurrent syncs per connection (its syncConcurrency)"),
    };
    println!(
        "one change fanned out to {N} syncs ({setup}, 8 workers per node, {cap}, no rate limit, \
         --railway-rps 100000): all converged in {} (API call included)",
        ms(converged)
    );
    println!("  where the time went ({setup}): {}", runs.summary());
    println!("  {cpu}");
    if let Some(statements) = statements {
        for line in statements.top(14).await {
            println!("    {line}");
        }
    }
    Ok(())
}

/// This machine's clock in milliseconds since the epoch (the server's runs are stamped
/// with the same clock).
fn wall_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Milliseconds after `since` (ms since the epoch) of an RFC 3339 time as the API writes it
/// (`2026-12-06T13:52:49.123Z`), for times a few minutes apart within one benchmark.
fn ms_after(iso: &str, since: i64) -> Option<i64> {
    const DAY: i64 = 86_400_000;
    let time = iso.strip_suffix('Z')?.split_once('T')?.1;
    let mut parts = time.split(':');
    let (h, m, sec): (i64, i64, f64) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    let of_day = (h * 60 + m) * 60_000 + (sec * 1000.0).round() as i64;
    Some((of_day - since.rem_euclid(DAY)).rem_euclid(DAY))
}

pub async fn run(bin: &Path) -> anyhow::Result<()> {
    println!("\n## Syncs (fake Railway in-process, rate limit off, no coalescing delay)\n");
    latency(bin).await?;
    calls(bin).await?;
    big_folder(bin).await?;
    fan_out(bin).await?;
    drift(bin).await
}

/// The drift sweeps alone: unlimited, then at Railway's 50 RPS with Sluice paced to it.
pub async fn drift(bin: &Path) -> anyhow::Result<()> {
    drift_sweep(bin, 100_000.0, None).await?;
    drift_sweep(bin, 50.0, Some(50)).await
}

/// A drift check of each of 1,000 syncs (one service each, one token), asked for at once:
/// the Railway calls it costs, the time until every report is in, and (with one variable
/// edited at Railway beforehand) that exactly that sync is found drifted. With `limit`, the
/// fake refuses more than that many requests per second, as Railway does.
async fn drift_sweep(bin: &Path, rps: f64, limit: Option<u32>) -> anyhow::Result<()> {
    const N: usize = 1000;
    let rps_flag = rps.to_string();
    let b = Bench::start(bin, N, &["--workers", "8", "--railway-rps", &rps_flag]).await?;
    b.folder("fan").await?;
    b.batch("/fan", vec![("FAN".into(), "v0".into())]).await?;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        ids.push(b.create_sync(&format!("fan-{i}"), "/fan", "F_{{secretKey}}", &service_id(i), true).await?);
    }
    let every = Duration::from_millis(100);
    b.wait_every("the first syncs", Duration::from_secs(600), every, |f| {
        (0..N).all(|i| f.running(PRODUCTION, &service_id(i)).is_some_and(|r| r.variables.contains_key("F_FAN")))
    })
    .await?;
    // Someone edits one service's variable in Railway's dashboard.
    b.fake.set_variable(PRODUCTION, Some(&service_id(7)), "F_FAN", "edited-by-hand", false);
    if let Some(limit) = limit {
        b.fake.set_rate_limit(Some(
            sluice_railway_fake::RateLimit::new(1_000_000, Duration::from_secs(3600)).per_second(limit),
        ));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let list = format!("/api/v1/secret-syncs/railway?projectId={}", b.project);
    let before: std::collections::HashMap<String, String> =
        b.call(reqwest::Method::GET, &list, Value::Null).await?["secretSyncs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| (s["id"].as_str().unwrap_or("").to_string(), s["lastDriftCheckAt"].to_string()))
                    .collect()
            })
            .unwrap_or_default();
    b.fake.clear_requests();
    let t = Instant::now();
    for id in &ids {
        b.call(reqwest::Method::POST, &format!("/api/v1/secret-syncs/railway/{id}/check-drift"), json!({})).await?;
    }
    let (drifted, checked) = loop {
        let all = b.call(reqwest::Method::GET, &list, Value::Null).await?;
        let syncs = all["secretSyncs"].as_array().cloned().unwrap_or_default();
        let done = syncs
            .iter()
            .filter(|s| {
                s["driftCheckStatus"] == "succeeded"
                    && before.get(s["id"].as_str().unwrap_or("")) != Some(&s["lastDriftCheckAt"].to_string())
            })
            .count();
        if done == N {
            let drifted: Vec<String> = syncs
                .iter()
                .filter(|s| s["driftStatus"] == "drifted")
                .map(|s| s["name"].as_str().unwrap_or("").to_string())
                .collect();
            break (drifted, t.elapsed());
        }
        anyhow::ensure!(t.elapsed() < Duration::from_secs(600), "timed out: {done} of {N} drift checks done");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let calls = b.requests_by_field();
    let refused = b.fake.rate_limited_count();
    let label = match limit {
        Some(l) => format!("fake limiting at {l} RPS, Sluice --railway-rps {rps}"),
        None => format!("no rate limit, --railway-rps {rps}"),
    };
    println!(
        "drift sweep of {N} syncs on one token ({label}): every report in after {} ; Railway calls {calls:?}, \
         {refused} answers 429; drifted: {drifted:?}",
        ms(checked)
    );
    Ok(())
}

async fn latency(bin: &Path) -> anyhow::Result<()> {
    // Pacing set far above what 100 back-to-back changes need: the sync path itself.
    let b = Bench::start(bin, 0, &["--railway-rps", "10000"]).await?;
    b.batch("/", vec![("LAT".into(), "v0".into())]).await?;
    b.create_sync("latency", "/", "B_{{secretKey}}", API, true).await?;
    b.wait("the first sync", Duration::from_secs(30), |f| {
        f.variables(PRODUCTION, Some(API)).get("B_LAT") == Some(&Some("v0".into()))
    })
    .await?;
    let mut lat = Vec::new();
    for i in 1..=100 {
        let want = format!("v{i}");
        let t = Instant::now();
        b.set("/", "LAT", &want).await?;
        b.wait("a change to arrive", Duration::from_secs(30), |f| {
            f.variables(PRODUCTION, Some(API)).get("B_LAT") == Some(&Some(want.clone()))
        })
        .await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "secret change → value visible at Railway (100 back-to-back changes, API call included, --railway-rps 10000): \
         p50 {}, p99 {}, max {}",
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99)),
        ms(*lat.last().unwrap_or(&Duration::ZERO))
    );
    latency_paced(bin).await
}

/// The same at the default pace (10 RPS per token), one change at a time on a quiet token:
/// what a person changing a secret sees.
async fn latency_paced(bin: &Path) -> anyhow::Result<()> {
    let b = Bench::start(bin, 0, &[]).await?;
    b.batch("/", vec![("LAT".into(), "v0".into())]).await?;
    b.create_sync("latency", "/", "B_{{secretKey}}", API, true).await?;
    b.wait("the first sync", Duration::from_secs(30), |f| {
        f.variables(PRODUCTION, Some(API)).get("B_LAT") == Some(&Some("v0".into()))
    })
    .await?;
    let mut lat = Vec::new();
    for i in 1..=20 {
        // A quiet token: the previous run's requests are more than a second old.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let want = format!("v{i}");
        let t = Instant::now();
        b.set("/", "LAT", &want).await?;
        b.wait("a change to arrive", Duration::from_secs(30), |f| {
            f.variables(PRODUCTION, Some(API)).get("B_LAT") == Some(&Some(want.clone()))
        })
        .await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "secret change → value visible at Railway (20 changes on a quiet token, default 10 RPS pacing): p50 {}, max {}",
        ms(pct(&lat, 0.5)),
        ms(*lat.last().unwrap_or(&Duration::ZERO))
    );
    Ok(())
}

async fn calls(bin: &Path) -> anyhow::Result<()> {
    let b = Bench::start(bin, 0, &[]).await?;
    let secrets: Vec<(String, String)> = (0..20).map(|i| (format!("K{i:02}"), format!("v{i}"))).collect();
    b.batch("/", secrets).await?;
    let id = b.create_sync("calls", "/", "C_{{secretKey}}", API, false).await?;
    let trigger = |b: &Bench| {
        let (http, url, token) =
            (b.http.clone(), format!("{}/api/v1/secret-syncs/railway/{id}/sync-secrets", b.srv.url), b.token.clone());
        async move { http.post(url).bearer_auth(token).json(&json!({})).send().await }
    };
    // Settled: one more run finished than before the trigger, and it succeeded.
    let settle = async |b: &Bench, before: usize| -> anyhow::Result<()> {
        let t = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if b.finished_runs(&id).await? > before && b.status(&id).await? == "succeeded" {
                return Ok(());
            }
            anyhow::ensure!(t.elapsed() < Duration::from_secs(30), "sync did not finish");
        }
    };
    let before = b.finished_runs(&id).await?;
    trigger(&b).await?;
    settle(&b, before).await?;
    b.fake.clear_requests();
    b.fake.clear_deploys();
    let before = b.finished_runs(&id).await?;
    trigger(&b).await?;
    settle(&b, before).await?;
    let unchanged = b.requests_by_field();
    println!("unchanged source, one sync: Railway calls {unchanged:?}, redeploys {}", b.fake.deploys().len());

    b.fake.clear_requests();
    b.fake.clear_deploys();
    for i in 0..3 {
        b.set("/", &format!("K{i:02}"), "changed").await?;
    }
    for i in 18..20 {
        b.call(
            reqwest::Method::DELETE,
            &format!("/api/v3/secrets/raw/K{i:02}"),
            json!({"workspaceId": b.project, "environment": "dev", "secretPath": "/"}),
        )
        .await?;
    }
    let before = b.finished_runs(&id).await?;
    trigger(&b).await?;
    settle(&b, before).await?;
    let changed = b.requests_by_field();
    println!(
        "K=3 changed, D=2 removed, one sync: Railway calls {changed:?}; redeploys requested by Sluice {}, \
         deploys recorded by the fake {} (variableDelete has no skipDeploys: the fake deploys per delete)",
        changed.get("deploymentRedeploy").copied().unwrap_or(0),
        b.fake.deploys().len()
    );
    Ok(())
}

async fn big_folder(bin: &Path) -> anyhow::Result<()> {
    let b = Bench::start(bin, 0, &[]).await?;
    b.folder("big").await?;
    let secrets: Vec<(String, String)> =
        (0..5000).map(|i| (format!("S{i:05}"), format!("value-{i}-{}", "y".repeat(32)))).collect();
    b.batch("/big", secrets).await?;
    let t = Instant::now();
    let id = b.create_sync("big", "/big", "BIG_{{secretKey}}", API, true).await?;
    b.wait("5,000 keys at Railway", Duration::from_secs(60), |f| {
        f.variables(PRODUCTION, Some(API)).keys().filter(|k| k.starts_with("BIG_")).count() == 5000
    })
    .await?;
    let visible = t.elapsed();
    // The run's own record ends after the redeploy and its bookkeeping.
    let t_run = Instant::now();
    while b.finished_runs(&id).await? == 0 {
        anyhow::ensure!(t_run.elapsed() < Duration::from_secs(30), "the run never finished");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let runs = b.call(reqwest::Method::GET, &format!("/api/v1/secret-syncs/railway/{id}/runs"), Value::Null).await?;
    let run = &runs["runs"][0];
    println!(
        "first sync of a 5,000-secret folder: create request → all keys at Railway {} (run record: started {}, finished {})",
        ms(visible),
        run["startedAt"],
        run["finishedAt"]
    );
    Ok(())
}

async fn fan_out(bin: &Path) -> anyhow::Result<()> {
    const N: usize = 1000;
    let b = Bench::start(bin, N, &["--workers", "8", "--railway-rps", "100000"]).await?;
    b.folder("fan").await?;
    b.batch("/fan", vec![("FAN".into(), "v0".into())]).await?;
    for i in 0..N {
        b.create_sync(&format!("fan-{i}"), "/fan", "F_{{secretKey}}", &service_id(i), true).await?;
    }
    b.wait("the first syncs", Duration::from_secs(120), converging(N, "v0")).await?;
    let t = Instant::now();
    b.set("/fan", "FAN", "v1").await?;
    let converged = b.wait("1,000 syncs to converge", Duration::from_secs(120), converging(N, "v1")).await?;
    let _ = t;
    println!(
        "one change fanned out to {N} syncs (8 workers, 5 concurrent syncs per connection, no rate limit, \
         --railway-rps 100000): all converged in {}",
        ms(converged)
    );
    fan_out_limited(bin, 50.0, "paced at Railway's 50 RPS").await?;
    fan_out_limited(bin, 100_000.0, "baseline: pacing set far above the limit").await?;
    Ok(())
}

/// The fan-out against a fake that allows 50 requests per second per token (Railway Pro):
/// the time until every service *runs* the new value, the calls it took, and the 429s.
async fn fan_out_limited(bin: &Path, rps: f64, label: &str) -> anyhow::Result<()> {
    const N: usize = 1000;
    const LIMIT: u32 = 50;
    let rps_flag = rps.to_string();
    let b = Bench::start(bin, N, &["--workers", "8", "--railway-rps", &rps_flag]).await?;
    b.folder("fan").await?;
    b.batch("/fan", vec![("FAN".into(), "v0".into())]).await?;
    for i in 0..N {
        b.create_sync(&format!("fan-{i}"), "/fan", "F_{{secretKey}}", &service_id(i), true).await?;
    }
    let runs = |f: &FakeRailway, want: &str| {
        (0..N).all(|i| {
            f.running(PRODUCTION, &service_id(i))
                .is_some_and(|r| r.variables.get("F_FAN") == Some(&Some(want.to_string())))
        })
    };
    let every = Duration::from_millis(100);
    b.wait_every("the first syncs", Duration::from_secs(600), every, |f| runs(f, "v0")).await?;
    b.fake.set_rate_limit(Some(
        sluice_railway_fake::RateLimit::new(1_000_000, Duration::from_secs(3600)).per_second(LIMIT),
    ));
    // Let the first syncs' last polls pass, then count from a clean slate.
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.fake.clear_requests();
    let t = Instant::now();
    b.set("/fan", "FAN", "v1").await?;
    b.wait_every("1,000 services to run the change", Duration::from_secs(900), every, |f| runs(f, "v1")).await?;
    let converged = t.elapsed();
    let calls = b.fake.requests().len();
    let refused = b.fake.rate_limited_count();
    let minimum = Duration::from_secs_f64(calls as f64 / f64::from(LIMIT));
    println!(
        "one change fanned out to {N} syncs on one token, fake limiting at {LIMIT} RPS, Sluice --railway-rps {rps} \
         ({label}): every service runs the new value after {} ({calls} Railway calls, theoretical minimum \
         calls ÷ {LIMIT} RPS = {}), {refused} answers 429",
        ms(converged),
        ms(minimum)
    );
    Ok(())
}
