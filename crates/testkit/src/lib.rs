//! Test helpers: a real `sluice` server on a loopback port with a fresh database, and a
//! client with one helper per call.
//!
//! Backend: SQLite in a temporary directory by default. With `SLUICE_TEST_DATABASE_URL`
//! set to a PostgreSQL server URL (`.ci/run` does), each test gets its own fresh
//! database on that server instead, so the whole suite runs on both backends.

mod database;
mod http;
pub mod oidc_issuer;

pub use database::TestDatabase;
pub use http::{ApiClient, Response};

use sluice_crypto::RootKey;
use sluice_server::config::{EngineSettings, LogFormat, Settings};
use sluice_server::{RunningServer, dev::DevCredentials};
use std::net::SocketAddr;

/// A running server with a bootstrapped instance: an admin user, an organization, a
/// project `default` (dev, staging, prod) and an admin machine identity.
///
/// A test that drains the queue itself (no background workers, the default) ends with no
/// job left in it: [`shutdown`](Self::shutdown), or dropping the app, fails the test when
/// a job is still queued or running (drain with [`drain`](Self::drain) first). A test
/// about what was queued says so with [`leaves_jobs`](Self::leaves_jobs). With background
/// workers the queue is theirs and is not checked.
pub struct TestApp {
    pub server: Option<RunningServer>,
    pub db: TestDatabase,
    pub root_key: RootKey,
    pub creds: DevCredentials,
    /// Authenticated as the dev identity (organization and project admin).
    pub api: ApiClient,
    settings: Settings,
    /// Jobs may be left in the queue when the test ends.
    leaves_jobs: bool,
    /// The queue was checked already (by `shutdown`).
    checked: bool,
}

/// Adjusts settings before a test server starts.
pub type Tweak = Box<dyn FnOnce(&mut Settings) + Send>;

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Box::new(|_| {})).await
    }

    pub async fn spawn_with(tweak: Tweak) -> TestApp {
        let db = TestDatabase::fresh().await;
        let root_key = RootKey::generate();
        let mut settings = test_settings(&db, root_key.clone());
        tweak(&mut settings);
        let server = sluice_server::start(settings.clone()).await.expect("server starts");
        let creds = sluice_server::dev::provision(&server).await.expect("provision");
        let api = ApiClient::new(server.url(), Some(creds.access_token.clone()));
        TestApp { server: Some(server), db, root_key, creds, api, settings, leaves_jobs: false, checked: false }
    }

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("server running")
    }

    pub fn url(&self) -> String {
        self.server().url()
    }

    pub fn state(&self) -> &sluice_server::state::AppState {
        &self.server().state
    }

    pub fn project_id(&self) -> &str {
        &self.creds.project_id
    }

    pub fn org_id(&self) -> &str {
        &self.creds.organization_id
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> ApiClient {
        ApiClient::new(self.url(), None)
    }

    /// A client with another token.
    pub fn client_with(&self, token: &str) -> ApiClient {
        ApiClient::new(self.url(), Some(token.to_string()))
    }

    /// The settings this server was started with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stops the server; the database stays (for [`restart`](Self::restart), or a server
    /// the test starts itself).
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }

    /// Stops the server (the database stays) and starts it again on the same database.
    pub async fn restart(&mut self) {
        let addr = self.server.as_ref().map(|s| s.addr);
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        if let Some(addr) = addr {
            self.settings.listen = addr;
        }
        let server = sluice_server::start(self.settings.clone()).await.expect("server restarts");
        self.api = ApiClient::new(server.url(), Some(self.creds.access_token.clone()));
        self.server = Some(server);
    }

    /// Dispatches pending changes and runs every runnable job, inline.
    pub async fn drain(&self) -> sluice_engine::drain::DrainReport {
        sluice_engine::drain::drain(&self.state().engine, Default::default()).await.expect("drain")
    }

    /// Like [`drain`](Self::drain), also running jobs scheduled for later (retries, deploys
    /// being followed). Fails the test when the queue does not settle within 300 runs (a
    /// job that comes back forever, say a deploy that never goes live).
    pub async fn drain_all(&self) -> sluice_engine::drain::DrainReport {
        const CAP: usize = 300;
        let opts = sluice_engine::drain::DrainOptions { run_delayed: true, max_runs: CAP };
        let report = sluice_engine::drain::drain(&self.state().engine, opts).await.expect("drain");
        assert!(report.runs < CAP, "the queue did not settle after {CAP} runs");
        report
    }

    /// Runs the next job, due or scheduled for later (one attempt of a retry or a deploy
    /// being followed), and nothing else.
    pub async fn run_next(&self) -> sluice_engine::drain::DrainReport {
        let opts = sluice_engine::drain::DrainOptions { run_delayed: true, max_runs: 1 };
        sluice_engine::drain::drain(&self.state().engine, opts).await.expect("drain")
    }

    /// Panics if jobs are left in the queue.
    pub async fn assert_idle(&self) {
        let left = sluice_engine::drain::outstanding(&self.state().engine).await.expect("outstanding");
        assert_eq!(left, (0, 0), "jobs left behind (queued, running)");
    }

    /// Declares that this test leaves jobs in the queue on purpose: it looks at what was
    /// queued, not at what ran.
    pub fn leaves_jobs(&mut self) {
        self.leaves_jobs = true;
    }

    /// Whether the queue is checked when the test ends: the test drains it (no background
    /// workers) and did not say it leaves jobs.
    fn checks_jobs(&self) -> bool {
        !self.leaves_jobs && self.settings.engine.workers == 0
    }

    /// Stops the server, then fails the test when jobs were left behind.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        if self.checks_jobs() {
            let left = jobs_left(&self.settings.database_url).await;
            self.checked = true;
            assert_eq!(left, (0, 0), "{LEFT_BEHIND}");
        }
        self.checked = true;
    }
}

const LEFT_BEHIND: &str = "jobs left behind when the test ended (queued, running): drain the queue \
    (app.drain() / drain_all()) before it ends, or call app.leaves_jobs() when the queue itself is what it checks";

/// (queued, running) jobs of the database at `url`, read on a connection of its own.
async fn jobs_left(url: &str) -> (i64, i64) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect to the test database");
    sluice_storage::jobs::outstanding(&mut conn).await.expect("count jobs")
}

impl Drop for TestApp {
    /// A test that ended without `shutdown` is checked here, on a thread of its own (the
    /// test's runtime is busy dropping this app).
    fn drop(&mut self) {
        if self.checked || !self.checks_jobs() || std::thread::panicking() {
            return;
        }
        let url = self.settings.database_url.clone();
        let left = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(jobs_left(&url))
        })
        .join()
        .expect("the job check ran");
        assert_eq!(left, (0, 0), "{LEFT_BEHIND}");
    }
}

/// Settings for a test server on `db`: loopback port 0, no background polling surprises.
pub fn test_settings(db: &TestDatabase, root_key: RootKey) -> Settings {
    Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: db.url.clone(),
        data_dir: db.dir.path().to_path_buf(),
        root_key,
        railway_api_url: "http://127.0.0.1:9/graphql/v2".to_string(),
        log_format: LogFormat::Text,
        // No background workers: tests drain the queue themselves, deterministically.
        engine: EngineSettings { workers: 0, ..EngineSettings::default() },
        notify: Default::default(),
        login: Default::default(),
        dev: false,
        metrics: Default::default(),
        edge: Default::default(),
        read_cache_bytes: 16 * 1024 * 1024,
    }
}
