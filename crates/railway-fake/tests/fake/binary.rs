//! The `sluice-railway-fake` binary serves the example seed and prints its URL.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use super::support::*;

/// Kills the child when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_the_example_seed() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/railway-seed.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluice-railway-fake"))
        .args(["--listen", "127.0.0.1:0", "--seed", seed, "--rate-limit", "100", "--rate-window-secs", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url =
        line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no URL in {line:?}"));
    assert!(url.ends_with("/graphql/v2"), "{url}");

    let response = reqwest::Client::new()
        .post(url)
        .header("Project-Access-Token", PROJECT_TOKEN)
        .json(&json!({ "query": "{ projectToken { projectId environment { name } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-ratelimit-limit"], "100");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["projectToken"], json!({ "projectId": PROJECT, "environment": { "name": "production" } }));
    drop(running);
}
