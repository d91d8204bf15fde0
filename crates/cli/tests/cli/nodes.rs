//! `sluice server` as separate processes on one database, for the tests that kill them:
//! [`Cluster`] (a database, a root key and the fake Railway's URL shared by its nodes),
//! [`Node`] (one process, killed with SIGKILL on [`Node::kill`] or drop), [`Api`] (a JSON
//! client for one node) and the setup every such test needs. Processes are waited for by
//! polling the API with a deadline ([`wait_for`]): there is no queue to drain from here.

use serde_json::{Value, json};
use sluice_railway_fake::Seed;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_sluice");
pub const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
pub const RW_PROJECT: &str = "33333333-3333-4333-8333-333333333333";
pub const PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
pub const API: &str = "66666666-6666-4666-8666-666666666666";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The PostgreSQL server the tests run against (`SLUICE_TEST_DATABASE_URL`), if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("SLUICE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A `sluice server` process.
pub struct Node {
    child: Child,
    pub url: String,
    log: tempfile::NamedTempFile,
}

/// What the nodes of one test share: the database, the root key, the fake Railway, and
/// the engine's settings on each node's command line.
pub struct Cluster {
    pub db_url: String,
    root_key: String,
    railway_url: String,
    /// The engine's flags given to every node (workers, polling, lease, Railway timeouts).
    pub engine_args: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// A new database (on `postgres` when given, else a SQLite file) and root key.
    pub async fn new(railway_url: String, postgres: Option<&str>) -> Cluster {
        let dir = tempfile::tempdir().expect("tmp");
        let db_url = match postgres {
            Some(server) => {
                use sqlx::Connection;
                let name = format!("sluice_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(server).await.expect("connect");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create");
                let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(server.to_string());
                format!("{base}/{name}")
            }
            None => format!("sqlite://{}?mode=rwc", dir.path().join("sluice.db").display()),
        };
        let engine_args = [
            "--workers",
            "3",
            "--poll-ms",
            "200",
            "--job-lease-ms",
            "3000",
            // The lease must outlast the longest Railway call.
            "--railway-timeout-ms",
            "2000",
            "--railway-mutation-timeout-ms",
            "2000",
        ];
        Cluster {
            db_url,
            root_key: sluice_crypto::RootKey::generate().to_base64(),
            railway_url,
            engine_args: engine_args.iter().map(|a| a.to_string()).collect(),
            _dir: dir,
        }
    }

    /// Starts a node and waits until it answers.
    pub async fn node(&self, name: &str, port: u16) -> Node {
        let log = tempfile::NamedTempFile::new().expect("log");
        let child = Command::new(BIN)
            .args(["server", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &self.db_url, "--root-key", &self.root_key])
            .args(["--railway-api-url", &self.railway_url, "--node-id", name])
            .args(&self.engine_args)
            .env("SLUICE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("sluice server starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{url}/api/status")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "node {name} did not start: {}",
                std::fs::read_to_string(log.path()).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Node { child, url, log }
    }
}

impl Node {
    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the process wrote to stderr so far (its log, at `warn`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A JSON client for one node.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub url: String,
    pub token: String,
}

impl Api {
    /// Sends one request; `Err` when no answer came (the node is gone).
    pub async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), reqwest::Error> {
        let mut req = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.try_call(method, path, body).await.expect("request")
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (s, b) = self.call(reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(s, 200, "POST {path}: {b}");
        b
    }

    pub async fn get(&self, path: &str) -> Value {
        let (s, b) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(s, 200, "GET {path}: {b}");
        b
    }

    pub async fn put_secret(&self, project: &str, path: &str, key: &str, value: &str) {
        let body = json!({"workspaceId": project, "environment": "dev", "secretPath": path, "secretValue": value});
        let (s, _) = self.call(reqwest::Method::POST, &format!("/api/v3/secrets/raw/{key}"), Some(body.clone())).await;
        if s != 200 {
            let (s, b) = self.call(reqwest::Method::PATCH, &format!("/api/v3/secrets/raw/{key}"), Some(body)).await;
            assert_eq!(s, 200, "{b}");
        }
    }
}

/// Bootstraps the instance through `node`; returns an admin client, the project id and a connection id.
pub async fn setup(node: &Node) -> (Api, String, String) {
    let http = reqwest::Client::new();
    let boot: Value = http
        .post(format!("{}/api/v1/admin/bootstrap", node.url))
        .json(&json!({"email": "ops@example.com", "password": "a long password", "organization": "Ops"}))
        .send()
        .await
        .expect("bootstrap")
        .json()
        .await
        .expect("json");
    let token = boot["identity"]["credentials"]["token"].as_str().expect("token").to_string();
    let api = Api { http, url: node.url.clone(), token };
    let project = api.post("/api/v1/projects", json!({"projectName": "cluster"})).await;
    let project_id = project["project"]["id"].as_str().expect("project id").to_string();
    let conn = api
        .post(
            "/api/v1/app-connections/railway",
            json!({"name": "railway", "method": "account-token", "credentials": {"apiToken": ACCOUNT_TOKEN}}),
        )
        .await;
    (api, project_id, conn["appConnection"]["id"].as_str().expect("connection").to_string())
}

/// A sync of `path` to a service of production in the example seed's project, auto-sync on.
pub fn sync_body(project: &str, connection: &str, name: &str, path: &str, schema: &str, service: &str) -> Value {
    json!({
        "name": name, "projectId": project, "connectionId": connection, "environment": "dev", "secretPath": path,
        "isAutoSyncEnabled": true,
        "syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": schema, "disableSecretDeletion": false},
        "destinationConfig": {"projectId": RW_PROJECT, "projectName": "shop", "environmentId": PRODUCTION,
                              "environmentName": "production", "serviceId": service, "serviceName": service}
    })
}

/// Polls `done` every 100 ms until it holds; panics after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The example seed with `n` more services in project `shop` (ids `90000000-…-{i:012}`).
pub fn seed_with_services(n: usize) -> Seed {
    let mut seed = Seed::example();
    let mut project = serde_json::to_value(&seed.projects[0]).expect("project");
    let services = project["services"].as_array_mut().expect("services");
    services.extend((0..n).map(|i| json!({"id": service_id(i), "name": format!("svc{i}")})));
    seed.projects[0] = serde_json::from_value(project).expect("seed project");
    seed
}

/// The id of the `i`th service [`seed_with_services`] adds.
pub fn service_id(i: usize) -> String {
    format!("90000000-0000-4000-8000-{i:012}")
}
