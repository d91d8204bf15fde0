//! Running a `sluice server --dev` process to measure, and reading its memory.

use anyhow::Context;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub url: String,
    pub creds: Value,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(18080)
}

/// Starts `sluice server --dev` on `data_dir` and waits until `/api/status` answers.
/// Returns the server and the time from spawn to ready.
pub async fn start(bin: &Path, data_dir: &Path, port: u16, extra: &[&str]) -> anyhow::Result<(Server, Duration)> {
    let out = data_dir.join("dev.json");
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["server", "--dev", "--data-dir"])
        .arg(data_dir)
        .arg("--dev-output")
        .arg(&out)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("SLUICE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{url}/api/status")).send().await
            && r.status().is_success()
        {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(30), "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let ready = started.elapsed();
    // The credentials file is written right after the server is up.
    let mut creds = Value::Null;
    for _ in 0..3000 {
        if let Ok(text) = std::fs::read_to_string(&out)
            && let Ok(v) = serde_json::from_str::<Value>(&text)
        {
            creds = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    anyhow::ensure!(!creds.is_null(), "no dev credentials written");
    Ok((Server { child, url, creds }, ready))
}

/// Starts `sluice server` (not `--dev`: `extra` gives the database and the root key) on
/// `data_dir` and waits until `/api/status` answers.
pub async fn start_node(bin: &Path, data_dir: &Path, port: u16, extra: &[&str]) -> anyhow::Result<Server> {
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["server", "--data-dir"])
        .arg(data_dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("SLUICE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{url}/api/status")).send().await
            && r.status().is_success()
        {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(30), "the node did not become ready");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(Server { child, url, creds: Value::Null })
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

pub fn describe_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().map(|l| l.to_string()))
        .unwrap_or_default();
    println!("machine: {cores} cores ({cpu}), {mem}");
}

/// Percentile of sorted durations.
pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
