//! Running the real `sluice` binary against a real server (in this process, with sync
//! workers on) and the fake Railway, each test with its own config directory and working
//! directory, and an environment holding nothing but what the test gives it.

use serde_json::{Value, json};
use sluice_railway_fake::{FakeRailway, Seed};
use sluice_testkit::TestApp;
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_sluice");

/// Tokens and ids of `examples/railway-seed.json`.
pub const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
pub const PROJECT_TOKEN: &str = "c0000000-0000-4000-8000-000000000003";
pub const RW_PROJECT: &str = "33333333-3333-4333-8333-333333333333";
pub const RW_PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
pub const RW_API: &str = "66666666-6666-4666-8666-666666666666";
pub const RW_WORKER: &str = "77777777-7777-4777-8777-777777777777";

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Panics with both streams unless the exit status is `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit status\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    #[track_caller]
    pub fn stdout_has(&self, s: &str) -> &Self {
        assert!(
            self.stdout.contains(s),
            "stdout lacks {s:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, s: &str) -> &Self {
        assert!(
            self.stderr.contains(s),
            "stderr lacks {s:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// One test's world: the server, the fake Railway, and private directories.
pub struct World {
    pub app: TestApp,
    pub fake: FakeRailway,
    pub config: TempDir,
    pub cwd: TempDir,
}

impl World {
    pub async fn start() -> World {
        let fake = FakeRailway::start(Seed::example()).await.expect("fake Railway starts");
        let url = fake.graphql_url();
        let app = TestApp::spawn_with(Box::new(move |s| {
            s.railway_api_url = url;
            s.engine.workers = 2;
            s.engine.poll_interval = Duration::from_millis(100);
            s.engine.retry.base = Duration::from_millis(700);
        }))
        .await;
        World { app, fake, config: TempDir::new().expect("tmp"), cwd: TempDir::new().expect("tmp") }
    }

    /// The binary with a clean environment: the server's URL and the test's config dir.
    pub fn command(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.config.path())
            .env("SLUICE_CONFIG_DIR", self.config.path())
            .env("SLUICE_URL", self.app.url())
            .env("NO_COLOR", "1")
            .current_dir(self.cwd.path());
        cmd
    }

    /// Runs `sluice ARGS` with the admin identity's token.
    pub async fn sluice(&self, args: &[&str]) -> Out {
        let mut cmd = self.command();
        cmd.env("SLUICE_TOKEN", &self.app.creds.access_token);
        run(cmd, args, None).await
    }

    /// Runs `sluice ARGS` with standard input.
    pub async fn sluice_stdin(&self, args: &[&str], stdin: &str) -> Out {
        let mut cmd = self.command();
        cmd.env("SLUICE_TOKEN", &self.app.creds.access_token);
        run(cmd, args, Some(stdin)).await
    }

    /// Runs a prepared command.
    pub async fn run(&self, cmd: assert_cmd::Command, args: &[&str], stdin: Option<&str>) -> Out {
        run(cmd, args, stdin).await
    }

    pub fn credentials_file(&self) -> std::path::PathBuf {
        self.config.path().join("credentials.json")
    }

    /// Sets secrets through the API (not through the CLI under test).
    pub async fn put_secrets(&self, env: &str, pairs: &[(&str, &str)]) {
        let secrets: Vec<Value> = pairs.iter().map(|(k, v)| json!({"secretKey": k, "secretValue": v})).collect();
        let body =
            json!({"workspaceId": self.app.project_id(), "environment": env, "secretPath": "/", "secrets": secrets});
        self.app.api.post("/api/v3/secrets/batch/raw", body).await.expect(200);
    }

    /// A secret's value as the server has it, or None.
    pub async fn secret(&self, env: &str, key: &str) -> Option<String> {
        let path =
            format!("/api/v3/secrets/raw/{key}?workspaceId={}&environment={env}&secretPath=/", self.app.project_id());
        let r = self.app.api.get(&path).await;
        (r.status == 200).then(|| r.body["secret"]["secretValue"].as_str().unwrap_or_default().to_string())
    }

    /// A Railway connection made through the API.
    pub async fn connection(&self, name: &str) -> String {
        let body = json!({"name": name, "method": "account-token", "credentials": {"apiToken": ACCOUNT_TOKEN}});
        let r = self.app.api.post("/api/v1/app-connections/railway", body).await.expect(200);
        r["appConnection"]["id"].as_str().expect("id").to_string()
    }

    /// Railway's variables of the api service in production.
    pub fn api_variables(&self) -> std::collections::BTreeMap<String, Option<String>> {
        self.fake.variables(RW_PRODUCTION, Some(RW_API))
    }
}

async fn run(mut cmd: assert_cmd::Command, args: &[&str], stdin: Option<&str>) -> Out {
    cmd.args(args);
    // Always a pipe, never the test runner's terminal: prompts must not wait for a person.
    cmd.write_stdin(stdin.unwrap_or("").to_string());
    // The binary blocks this thread; the server in this process goes on serving on others.
    let output = tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("sluice runs");
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The Unix permission bits of a path.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}
