//! The seed's UI flow, end to end in Chromium (Debian's `chromium` and `chromedriver`),
//! against a real `sluice server` with syncs running in the background and the fake
//! Railway: sign in → add a Railway connection → the whole Add Sync wizard → "Synced" →
//! the fake holds the variables → edit a secret → the status cycles and the fake
//! follows → delete the sync with removal → the fake no longer holds them.
//!
//! Screenshots of every wizard step and of the list go to `target/screenshots/`.
//! Without chromedriver the test prints `skipped: …`, unless
//! `SLUICE_REQUIRE_EXTERNAL_TOOLS` is set (CI), where it fails.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use sluice_railway_fake::{FakeRailway, Fault, FaultKind, Seed};
use sluice_testkit::TestApp;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
const RW_PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
const RW_API: &str = "66666666-6666-4666-8666-666666666666";
/// How long any one UI state may take to appear.
const PATIENCE: Duration = Duration::from_secs(30);

/// chromedriver, stopped when dropped.
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Starts chromedriver and a headless Chromium session, or says why not.
pub(crate) async fn browser() -> Option<(Driver, Client, tempfile::TempDir)> {
    let (Some(driver), Some(chromium)) =
        (tool("CHROMEDRIVER", "/usr/bin/chromedriver"), tool("CHROMIUM", "/usr/bin/chromium"))
    else {
        let why = "chromedriver or chromium not found (set CHROMEDRIVER and CHROMIUM, or apt-get install chromium chromium-driver)";
        assert!(std::env::var_os("SLUICE_REQUIRE_EXTERNAL_TOOLS").is_none(), "{why}");
        println!("skipped: {why}");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let profile = tempfile::tempdir().expect("profile dir");
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.path().display()), "--window-size=1280,900",
            ]
        }
    }))
    .expect("capabilities");
    // Wait for chromedriver to listen, then open the session.
    let deadline = Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start listening on port {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"));
    Some((driver, client, profile))
}

/// `target/screenshots/` of the workspace.
fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

pub(crate) struct Ui {
    pub(crate) c: Client,
    pub(crate) base: String,
}

impl Ui {
    pub(crate) async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub(crate) async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.expect("navigate");
    }

    pub(crate) async fn css(&self, sel: &str) -> fantoccini::elements::Element {
        self.c.wait().at_most(PATIENCE).for_element(Locator::Css(sel)).await.unwrap_or_else(|e| panic!("no {sel}: {e}"))
    }

    pub(crate) async fn fill(&self, sel: &str, text: &str) {
        let el = self.css(sel).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    pub(crate) async fn click(&self, sel: &str) {
        self.css(sel).await.click().await.unwrap_or_else(|e| panic!("click {sel}: {e}"));
    }

    pub(crate) async fn select(&self, sel: &str, value: &str) {
        self.css(sel).await.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {sel}: {e}"));
    }

    pub(crate) async fn text(&self, sel: &str) -> String {
        match self.c.find(Locator::Css(sel)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the element's text contains `needle` (bounded; fails with the page's text).
    pub(crate) async fn wait_text(&self, sel: &str, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.text(sel).await.contains(needle) {
                return;
            }
            if Instant::now() > deadline {
                self.shot("failed-wait").await;
                panic!("{sel} never showed {needle:?}; page says:\n{}", self.text("body").await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until a script returns true.
    pub(crate) async fn wait_js(&self, what: &str, script: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.c.execute(script, vec![]).await.ok().and_then(|v| v.as_bool()) == Some(true) {
                return;
            }
            if Instant::now() > deadline {
                self.shot("failed-wait").await;
                panic!("never true: {what}; page says:\n{}", self.text("body").await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a Railway variable to reach a value (`None`: absent).
    async fn wait_fake(&self, fake: &FakeRailway, key: &str, want: Option<&str>) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let vars = fake.variables(RW_PRODUCTION, Some(RW_API));
            if vars.get(key).map(|v| v.as_deref()) == want.map(Some) || (want.is_none() && !vars.contains_key(key)) {
                return;
            }
            assert!(Instant::now() < deadline, "Railway's {key} never became {want:?}: {vars:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn put_secret(app: &TestApp, key: &str, value: &str) {
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": value});
    app.api.post(&format!("/api/v3/secrets/raw/{key}"), body).await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_flow_in_chromium() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let fake = FakeRailway::start(Seed::example()).await.expect("fake Railway");
    let url = fake.graphql_url();
    let app = TestApp::spawn_with(Box::new(move |s| {
        s.railway_api_url = url;
        s.engine.workers = 2;
    }))
    .await;
    put_secret(&app, "API_KEY", "key-one").await;
    put_secret(&app, "FEATURE_FLAGS", "checkout,search").await;
    let ui = Ui { c: client, base: app.url() };
    let pid = app.project_id().to_string();

    // Sign in.
    ui.go("/projects").await;
    ui.fill("#email", &app.creds.admin_email).await;
    ui.fill("#password", &app.creds.admin_password).await;
    ui.shot("01-sign-in").await;
    ui.click("button[type=submit]").await;
    ui.wait_text("h1", "Projects").await;
    ui.shot("02-projects").await;

    // Add a Railway connection: a bad token first (Railway's message), then a good one.
    ui.go("/connections/new").await;
    ui.fill("#c-name", "railway-shop").await;
    ui.fill("#c-description", "Acme's account token").await;
    ui.fill("#c-token", "not-a-real-token").await;
    ui.click("form button.btn-primary").await;
    ui.wait_text("[role=alert]", "Failed to validate credentials").await;
    ui.shot("03-connection-refused").await;
    ui.fill("#c-token", ACCOUNT_TOKEN).await;
    ui.click("form button.btn-primary").await;
    ui.wait_text(".flash", "Railway accepted the token").await;
    ui.shot("04-connections").await;

    // The wizard, from the Secret Syncs tab.
    ui.go(&format!("/projects/{pid}/integrations")).await;
    ui.wait_text("h1", "Integrations").await;
    ui.click(".page-head-actions a.btn-primary").await;
    ui.wait_text("h1", "Add Sync").await;
    ui.shot("05-wizard-pick-railway").await;
    ui.click("a[data-destination=railway]").await;

    ui.wait_text("#step-title", "Source").await;
    ui.select("#w-env", "dev").await;
    ui.fill("#w-path", "/").await;
    ui.shot("06-wizard-source").await;
    ui.click(".card-foot button[value=next]").await;

    ui.wait_text("#step-title", "Destination").await;
    // The only connection is chosen; projects, environments and services load from Railway.
    ui.css("[data-railway-picker][data-ready]").await;
    ui.wait_js("Railway projects listed", "return document.querySelectorAll('#w-project option').length > 1").await;
    ui.select("#w-project", "33333333-3333-4333-8333-333333333333").await;
    ui.wait_js("environments listed", "return document.querySelectorAll('#w-rw-env option').length > 1").await;
    ui.select("#w-rw-env", RW_PRODUCTION).await;
    assert!(
        ui.css("[data-shared-note]").await.is_displayed().await.expect("displayed"),
        "no service: shared-variables note"
    );
    ui.select("#w-service", RW_API).await;
    ui.shot("07-wizard-destination").await;
    ui.click(".card-foot button[value=next]").await;

    ui.wait_text("#step-title", "Sync options").await;
    ui.fill("#w-schema", "SHOP_{{secretKey}}").await;
    ui.shot("08-wizard-options").await;
    ui.click(".card-foot button[value=next]").await;

    ui.wait_text("#step-title", "Details").await;
    ui.fill("#w-name", "Bad Name").await;
    ui.wait_text("#w-name-status", "lowercase").await;
    ui.fill("#w-name", "shop-api-production").await;
    ui.wait_text("#w-name-status", "is available").await;
    ui.fill("#w-description", "Development secrets for the shop's API service").await;
    ui.shot("09-wizard-details").await;
    ui.click(".card-foot button[value=next]").await;

    ui.wait_text("#step-title", "Review").await;
    ui.wait_text("[data-plan]", "SHOP_API_KEY").await;
    let plan = ui.text("[data-plan]").await;
    assert!(plan.contains("SHOP_FEATURE_FLAGS"), "{plan}");
    assert!(plan.contains("DATABASE_URL"), "Railway's own variables are listed as left alone: {plan}");
    ui.shot("10-wizard-review").await;
    // Hold Railway's answer to the write, so "Syncing" can be seen.
    fake.inject(Fault {
        kind: FaultKind::Slow { delay_ms: 1500 },
        count: 1,
        operation_name: Some("UpsertVariables".into()),
        root_field: None,
    });
    ui.click(".card-foot button[value=create]").await;

    let row = "tr[data-sync-id] [data-status-cell]";
    ui.wait_text(".flash", "created").await;
    ui.wait_text(row, "Syncing").await;
    ui.shot("11-list-syncing").await;
    ui.wait_text(row, "Synced").await;
    ui.wait_js(
        "the status filter's counts follow the live rows",
        "const n = v => (document.querySelector('#sync-status option[value=' + v + ']') || {}).textContent || ''; \
         return n('synced').endsWith('(1)') && n('syncing').endsWith('(0)');",
    )
    .await;
    ui.shot("12-list-synced").await;
    ui.wait_fake(&fake, "SHOP_API_KEY", Some("key-one")).await;
    ui.wait_fake(&fake, "SHOP_FEATURE_FLAGS", Some("checkout,search")).await;
    let vars = fake.variables(RW_PRODUCTION, Some(RW_API));
    assert!(vars.contains_key("DATABASE_URL"), "the key schema left Railway's own variables alone");

    // Edit a secret in the UI; watch the status cycle on the list (in another tab).
    ui.c.execute(
        "window.__seen = []; new MutationObserver(() => { const b = document.querySelector('tr[data-sync-id] [data-badge]'); \
         if (b) window.__seen.push(b.textContent.trim()); }).observe(document.querySelector('tbody'), {subtree: true, childList: true, characterData: true}); return true;",
        vec![],
    )
    .await
    .expect("observer");
    let list_tab = ui.c.window().await.expect("window");
    let tab = ui.c.new_window(true).await.expect("new tab");
    ui.c.switch_to_window(tab.handle).await.expect("switch");
    ui.go(&format!("/projects/{pid}/secrets/dev?path=%2F")).await;
    ui.wait_text("#secrets-table", "API_KEY").await;
    ui.click("tr[data-secret=API_KEY] a[data-reveal]").await;
    ui.wait_text("tr[data-secret=API_KEY] .revealed", "key-one").await;
    ui.click("tr[data-secret=API_KEY] a[aria-label='Edit API_KEY']").await;
    ui.fill("#edit-value", "key-two").await;
    ui.shot("13-secret-edit").await;
    fake.inject(Fault {
        kind: FaultKind::Slow { delay_ms: 1500 },
        count: 1,
        operation_name: Some("UpsertVariables".into()),
        root_field: None,
    });
    ui.click("tr.edit-row button[type=submit]").await;
    ui.wait_text(".flash", "Secret API_KEY saved").await;
    ui.shot("14-secrets").await;
    ui.c.close_window().await.expect("close tab");
    ui.c.switch_to_window(list_tab).await.expect("back to the list");
    ui.wait_fake(&fake, "SHOP_API_KEY", Some("key-two")).await;
    ui.wait_js(
        "the badge went through Syncing back to Synced",
        "const s = window.__seen || []; return s.includes('Syncing') && s[s.length - 1] === 'Synced';",
    )
    .await;
    ui.shot("15-list-after-edit").await;

    // The list on a phone.
    ui.c.set_window_size(390, 844).await.expect("resize");
    ui.shot("16-list-phone").await;
    ui.c.set_window_size(1280, 900).await.expect("resize");

    // Details, then delete with removal.
    ui.click("tr[data-sync-id] a.row-link").await;
    ui.wait_text("h1", "shop-api-production").await;
    ui.wait_text("[data-sync-panel=history]", "Sync").await;
    ui.shot("17-sync-details").await;
    ui.click("#remove-secrets").await;
    ui.fill("#confirm-name", "shop-api-production").await;
    ui.shot("18-delete-confirm").await;
    ui.click("button[data-confirm-submit]").await;
    ui.wait_text(".flash", "Removing the variables").await;
    ui.wait_fake(&fake, "SHOP_API_KEY", None).await;
    ui.wait_fake(&fake, "SHOP_FEATURE_FLAGS", None).await;
    ui.wait_js("the row is gone", "return document.querySelectorAll('tr[data-sync-id]').length === 0").await;
    ui.shot("19-list-after-delete").await;
    let vars = fake.variables(RW_PRODUCTION, Some(RW_API));
    assert!(
        vars.contains_key("DATABASE_URL") && vars.contains_key("LOG_LEVEL"),
        "only the sync's own variables went: {vars:?}"
    );
    let left = app.api.get(&format!("/api/v1/secret-syncs?projectId={pid}")).await.expect(200);
    assert_eq!(left["secretSyncs"].as_array().map(Vec::len), Some(0));

    ui.c.close().await.expect("close browser");
    app.shutdown().await;
}

/// A server with a connection, a sync and secrets to show, and the address of every page
/// (what the phone and accessibility scans visit).
pub(crate) struct Seeded {
    pub(crate) _fake: FakeRailway,
    pub(crate) app: TestApp,
    pub(crate) pid: String,
    pub(crate) connection_id: String,
    pub(crate) pages: Vec<String>,
}

pub(crate) async fn seeded() -> Seeded {
    let fake = FakeRailway::start(Seed::example()).await.expect("fake Railway");
    let url = fake.graphql_url();
    let app = TestApp::spawn_with(Box::new(move |s| s.railway_api_url = url)).await;
    put_secret(&app, "API_KEY", "key-one").await;
    put_secret(&app, "DATABASE_CONNECTION_STRING_FOR_THE_REPORTING_REPLICA", "postgres://reporting").await;
    let pid = app.project_id().to_string();
    let body = json!({"name": "railway-shop", "method": "account-token", "credentials": {"apiToken": ACCOUNT_TOKEN}});
    let conn = app.api.post("/api/v1/app-connections/railway", body).await.expect(200);
    let conn_id = conn["appConnection"]["id"].as_str().expect("id").to_string();
    let body = json!({
        "name": "shop-api-production-with-a-long-name", "projectId": pid, "connectionId": conn_id,
        "environment": "dev", "secretPath": "/", "isAutoSyncEnabled": true,
        "syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": "SHOP_{{secretKey}}"},
        "destinationConfig": {"projectId": "33333333-3333-4333-8333-333333333333", "environmentId": RW_PRODUCTION, "serviceId": RW_API}
    });
    let sync = app.api.post("/api/v1/secret-syncs/railway", body).await.expect(200);
    let sync_id = sync["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    // A user with a failed sign-in, so that the sign-in locks page has a row.
    let users = format!("/api/v1/organization/{}/users", app.org_id());
    let dana = json!({"email": "dana@sluice.local", "password": "dana's long password", "role": "member"});
    app.api.post(&users, dana).await.expect(200);
    let guess = json!({"email": "dana@sluice.local", "password": "a guess"});
    app.anonymous().post("/api/v1/auth/login", guess).await.expect(401);
    let pages = vec![
        "/projects".to_string(),
        format!("/projects/{pid}/secrets/dev"),
        format!("/projects/{pid}/secrets/dev?path=%2F&reveal=API_KEY"),
        format!("/projects/{pid}/syncs"),
        format!("/projects/{pid}/syncs/{sync_id}"),
        format!("/projects/{pid}/syncs/{sync_id}/edit/options"),
        format!("/projects/{pid}/syncs/new"),
        format!("/projects/{pid}/syncs/new/railway"),
        format!("/projects/{pid}/notifications"),
        "/connections".to_string(),
        "/connections/new".to_string(),
        format!("/connections/{conn_id}"),
        "/login-locks".to_string(),
        "/no-such-page".to_string(),
    ];
    Seeded { _fake: fake, app, pid, connection_id: conn_id, pages }
}

impl Ui {
    /// Signs in through the form.
    pub(crate) async fn sign_in(&self, app: &TestApp) {
        self.go("/login").await;
        self.fill("#email", &app.creds.admin_email).await;
        self.fill("#password", &app.creds.admin_password).await;
        self.click("button[type=submit]").await;
        self.wait_text("h1", "Projects").await;
    }
}

/// At 390 px (a phone), no page scrolls sideways: each page's width is the viewport's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_scrolls_sideways_on_a_phone() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let Seeded { _fake, app, pages, .. } = seeded().await;
    let ui = Ui { c: client, base: app.url() };
    ui.c.set_window_size(390, 844).await.expect("resize");
    ui.sign_in(&app).await;
    let mut wide = Vec::new();
    for page in &pages {
        ui.go(page).await;
        let widths =
            ui.c.execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, \
                 (() => { const w = document.documentElement.clientWidth; \
                 const over = e => e.getBoundingClientRect().right > w + 0.5; \
                 return Array.from(document.querySelectorAll('body *')).filter(e => over(e) && \
                 !Array.from(e.children).some(over)).slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + \
                 Math.round(e.getBoundingClientRect().right)).join(', '); })()];",
                vec![],
            )
            .await
            .expect("widths");
        let (scroll, client) = (widths[0].as_i64().unwrap_or(0), widths[1].as_i64().unwrap_or(0));
        if scroll > client {
            wide.push(format!("{page}: {scroll} px in {client} px ({})", widths[2].as_str().unwrap_or("")));
        }
    }
    ui.go(&pages[4]).await;
    ui.shot("phone-sync-details").await;
    ui.go(&pages[7]).await;
    ui.shot("phone-wizard-source").await;
    assert!(wide.is_empty(), "pages wider than a 390 px phone:\n{}", wide.join("\n"));
    ui.c.close().await.expect("close browser");
    app.shutdown().await;
}
