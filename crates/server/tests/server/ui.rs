//! The web UI over plain HTTP, as a browser without JavaScript uses it: redirects when
//! signed out, the sign-in form, CSRF and origin checks on every form, validation
//! messages, Railway's refusals, secret values only on request, and the live status stream.

use crate::sync_support::{self, ACCOUNT_TOKEN, CONNECTIONS, RW_API, RW_PRODUCTION, RW_PROJECT, SYNCS};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::json;
use sluice_testkit::TestApp;

/// A cookie-keeping client that does not follow redirects, like a browser's form posts.
pub(crate) struct Browser {
    base: String,
    http: reqwest::Client,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first `name="csrf"` hidden field.
    pub(crate) fn csrf(&self) -> String {
        hidden(&self.body, "csrf")
    }

    /// A header of the answer (empty when absent); every `Set-Cookie` joined by newlines.
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join("\n")
    }

    #[track_caller]
    pub(crate) fn assert_contains(&self, needle: &str) {
        assert!(self.body.contains(needle), "page lacks {needle:?} (status {}):\n{}", self.status, self.body);
    }
}

pub(crate) fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} field in:\n{body}")) + marker.len();
    body[start..].split('"').next().unwrap_or("").to_string()
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { base: app.url(), http }
    }

    async fn read(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        Page { status, headers, body: resp.text().await.expect("body") }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        Self::read(self.http.get(format!("{}{path}", self.base)).send().await.expect("get")).await
    }

    /// What a browser shows after a post: the page its redirect (303) leads to, by GET.
    pub(crate) async fn follow(&self, posted: Page) -> Page {
        assert_eq!(posted.status, 303, "a post answers with a redirect: {}", posted.body);
        self.get(posted.location()).await
    }

    /// Posts a form from one of our own pages (the browser sends `Origin`).
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_from(path, fields, &self.base.clone()).await
    }

    /// Posts a form as a browser does from one of our pages: with `Origin` and `Referer`.
    pub(crate) async fn post_from_page(&self, path: &str, fields: &[(&str, &str)], page: &str) -> Page {
        self.send(path, fields, &self.base.clone(), Some(&format!("{}{page}", self.base))).await
    }

    async fn post_from(&self, path: &str, fields: &[(&str, &str)], origin: &str) -> Page {
        self.send(path, fields, origin, None).await
    }

    async fn send(&self, path: &str, fields: &[(&str, &str)], origin: &str, referer: Option<&str>) -> Page {
        let mut req = self.http.post(format!("{}{path}", self.base));
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        let resp = req
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"))
            .send()
            .await
            .expect("post");
        Self::read(resp).await
    }

    pub(crate) async fn sign_in(app: &TestApp) -> Browser {
        let b = Browser::new(app);
        let login = b.get("/login").await;
        let token = hidden(&login.body, "login_csrf");
        let done = b
            .post(
                "/login",
                &[
                    ("email", &app.creds.admin_email),
                    ("password", &app.creds.admin_password),
                    ("login_csrf", &token),
                    ("next", "/projects"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "sign-in failed: {}", done.body);
        b
    }
}

#[tokio::test]
async fn signed_out_pages_redirect_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let b = Browser::new(&app);
    let path = format!("/projects/{}/integrations?status=failed", app.project_id());
    let page = b.get(&path).await;
    assert_eq!(page.status, 303);
    let want = format!("/login?next=%2Fprojects%2F{}%2Fintegrations%3Fstatus%3Dfailed", app.project_id());
    assert_eq!(page.location(), want);

    let login = b.get(page.location()).await;
    assert_eq!(login.status, 200);
    assert_eq!(hidden(&login.body, "next"), path);
    let token = hidden(&login.body, "login_csrf");
    let creds = &app.creds;
    let done = b
        .post(
            "/login",
            &[
                ("email", &creds.admin_email),
                ("password", &creds.admin_password),
                ("login_csrf", &token),
                ("next", &path),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location(), path);
    let cookie = done
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sluice_session="));
    let cookie = cookie.expect("session cookie set");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(b.get(&path).await.status, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn sign_in_refuses_wrong_passwords_foreign_next_and_forms_without_their_cookie() {
    let app = TestApp::spawn().await;
    let b = Browser::new(&app);
    let token = hidden(&b.get("/login").await.body, "login_csrf");
    let wrong =
        b.post("/login", &[("email", &app.creds.admin_email), ("password", "not-it"), ("login_csrf", &token)]).await;
    assert_eq!(wrong.status, 401);
    wrong.assert_contains("Invalid email or password");
    assert!(wrong.headers.get_all(SET_COOKIE).iter().all(|c| !c.to_str().unwrap_or("").starts_with("sluice_session=")));

    let token = hidden(&b.get("/login").await.body, "login_csrf");
    let creds = &app.creds;
    let evil = b
        .post(
            "/login",
            &[
                ("email", &creds.admin_email),
                ("password", &creds.admin_password),
                ("login_csrf", &token),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(evil.status, 303);
    assert_eq!(evil.location(), "/projects", "a next pointing elsewhere is ignored");

    // The sign-in form's token must match the cookie set with the form.
    let fresh = Browser::new(&app);
    let forged = fresh
        .post("/login", &[("email", &creds.admin_email), ("password", &creds.admin_password), ("login_csrf", "guess")])
        .await;
    assert_eq!(forged.status, 403);
    forged.assert_contains("expired");
    app.shutdown().await;
}

#[tokio::test]
async fn the_sign_in_form_shows_the_lock_with_how_long_it_lasts() {
    let app = TestApp::spawn_with(crate::login_throttle::throttled(5, 2, 20, 50)).await;
    let b = Browser::new(&app);
    let email = app.creds.admin_email.as_str();
    for attempt in ["not-it", "still-not-it"] {
        let token = hidden(&b.get("/login").await.body, "login_csrf");
        let page = b.post("/login", &[("email", email), ("password", attempt), ("login_csrf", &token)]).await;
        assert_eq!(page.status, 401);
    }
    let token = hidden(&b.get("/login").await.body, "login_csrf");
    let creds = &app.creds;
    let page = b.post("/login", &[("email", email), ("password", &creds.admin_password), ("login_csrf", &token)]).await;
    assert_eq!(page.status, 429, "the right password during the lock: {}", page.body);
    page.assert_contains("Too many failed sign-in attempts for this account; try again in 15 minutes");
    let retry_after = page.headers.get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    assert!(retry_after.is_some_and(|s| (895..=900).contains(&s)), "Retry-After: {retry_after:?}");
    assert!(page.location().is_empty(), "no session, no redirect");
    hidden(&page.body, "login_csrf");
    app.shutdown().await;
}

#[tokio::test]
async fn forms_need_the_sessions_csrf_token_and_a_same_site_origin() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let csrf = b.get("/projects").await.csrf();
    let before = app.api.get("/api/v1/projects").await.expect(200)["projects"].as_array().map(Vec::len);

    let missing = b.post("/projects", &[("name", "no-token")]).await;
    assert_eq!(missing.status, 403);
    missing.assert_contains("This form has expired");
    let wrong = b.post("/projects", &[("name", "wrong-token"), ("csrf", "0123456789abcdef")]).await;
    assert_eq!(wrong.status, 403);
    let cross = b.post_from("/projects", &[("name", "cross-site"), ("csrf", &csrf)], "http://evil.example").await;
    assert_eq!(cross.status, 403);
    cross.assert_contains("another site");
    let after = app.api.get("/api/v1/projects").await.expect(200)["projects"].as_array().map(Vec::len);
    assert_eq!(before, after, "refused forms change nothing");

    let made = b.post("/projects", &[("name", "Web Shop"), ("description", "From the UI"), ("csrf", &csrf)]).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let opened = b.get(made.location()).await;
    assert_eq!(opened.status, 303, "a project opens on its first environment");
    assert!(opened.location().ends_with("/secrets/dev"), "{}", opened.location());

    // Signing out ends the session: its pages redirect again.
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(b.get("/projects").await.status, 303);
    app.shutdown().await;
}

#[tokio::test]
async fn pages_are_not_cached_or_framed_and_assets_are() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let page = b.get("/projects").await;
    assert_eq!(page.status, 200);
    let h = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(h("x-frame-options"), "DENY");
    assert!(h("content-security-policy").contains("script-src 'self'"));
    let css_link =
        page.body.split("href=\"/assets/app.css?v=").nth(1).and_then(|r| r.split('"').next()).expect("css link");
    let css = b.get(&format!("/assets/app.css?v={css_link}")).await;
    assert_eq!(css.status, 200);
    assert!(css.headers.get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("").contains("immutable"));
    assert!(css.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("text/css"));
    assert_eq!(b.get("/assets/nothing-here.js").await.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn project_form_shows_the_services_validation_message() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let csrf = b.get("/projects").await.csrf();
    let page = b.post("/projects", &[("name", "   "), ("csrf", &csrf)]).await;
    assert_eq!(page.status, 422);
    page.assert_contains("name must be 1 to 64 characters");
    page.assert_contains("aria-invalid=\"true\"");
    app.shutdown().await;
}

#[tokio::test]
async fn railway_connections_are_checked_with_railway_and_kept_while_in_use() {
    let (fake, app) = sync_support::start().await;
    let b = Browser::sign_in(&app).await;
    let list = b.get("/connections").await;
    list.assert_contains("No connections yet");
    let csrf = list.csrf();
    let org = app.org_id().to_string();

    let refused = b
        .post(
            "/connections",
            &[
                ("name", "rw"),
                ("method", "account-token"),
                ("token", "not-a-railway-token"),
                ("org", &org),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    refused.assert_contains("Failed to validate credentials");
    refused.assert_contains("Create a new one in Railway");
    assert!(!refused.body.contains("not-a-railway-token"), "the token is never shown back");
    let empty = b
        .post(
            "/connections",
            &[("name", "rw"), ("method", "account-token"), ("token", ""), ("org", &org), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(empty.status, 422);
    empty.assert_contains("API Token required");
    let bad_name = b
        .post(
            "/connections",
            &[("name", "Bad Name"), ("method", "account-token"), ("token", "x"), ("org", &org), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(bad_name.status, 422);
    bad_name.assert_contains("id=\"c-name-error\"");
    let none = app.api.get(CONNECTIONS).await.expect(200);
    assert_eq!(none["appConnections"].as_array().map(Vec::len), Some(0));

    let made = b
        .post(
            "/connections",
            &[("name", "rw"), ("method", "account-token"), ("token", ACCOUNT_TOKEN), ("org", &org), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let listed = b.get(made.location()).await;
    listed.assert_contains("Railway accepted the token");
    listed.assert_contains("Account token");
    assert!(!listed.body.contains(ACCOUNT_TOKEN));

    // A sync uses it: deleting is refused with the reason, and the connection stays.
    let conn_id =
        app.api.get(CONNECTIONS).await.expect(200)["appConnections"][0]["id"].as_str().expect("id").to_string();
    let body = json!({
        "name": "uses-it", "projectId": app.project_id(), "connectionId": conn_id, "environment": "dev", "secretPath": "/",
        "isAutoSyncEnabled": false, "syncOptions": {"initialSyncBehavior": "overwrite-destination"},
        "destinationConfig": {"projectId": RW_PROJECT, "environmentId": RW_PRODUCTION, "serviceId": RW_API}
    });
    app.api.post(SYNCS, body).await.expect(200);
    let del = b.post(&format!("/connections/{conn_id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(del.status, 303);
    let shown = b.get(del.location()).await;
    shown.assert_contains("was not deleted");
    shown.assert_contains("1 secret sync uses this connection: uses-it (project ");
    // The page lists the syncs that use it, each a link to its page.
    let link = format!(r#"<li><a href="/projects/{}/syncs/"#, app.project_id());
    assert!(shown.body.contains("data-in-use") && shown.body.contains(&link), "{}", shown.body);
    shown.assert_contains(">uses-it</a>");
    app.api.get(&format!("{CONNECTIONS}/{conn_id}")).await.expect(200);
    drop(fake);
    app.shutdown().await;
}

#[tokio::test]
async fn drift_is_shown_per_key_and_a_held_sync_is_reviewed_and_confirmed() {
    let (fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    let keys = ["A", "B", "C", "D", "E", "F"];
    for k in keys {
        let body =
            json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": format!("v-{k}")});
        app.api.post(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    let sync = app
        .api
        .post(
            SYNCS,
            json!({
                "name": "ui-trust", "projectId": pid, "connectionId": conn["id"], "environment": "dev", "secretPath": "/",
                "syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": "UI_{{secretKey}}"},
                "destinationConfig": {"projectId": RW_PROJECT, "projectName": "shop", "environmentId": RW_PRODUCTION,
                    "environmentName": "production", "serviceId": RW_API, "serviceName": "api"}
            }),
        )
        .await
        .expect(200);
    let id = sync["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    let b = Browser::sign_in(&app).await;
    let url = format!("/projects/{pid}/syncs/{id}");

    // Someone edits a variable at Railway; a check from the page shows it, key by key.
    fake.set_variable(RW_PRODUCTION, Some(RW_API), "UI_A", "edited-at-railway", false);
    let page = b.get(&url).await;
    page.assert_contains("Check now");
    let queued = b.post(&format!("{url}/check-drift"), &[("csrf", &page.csrf())]).await;
    assert_eq!(queued.status, 303, "{}", queued.body);
    app.drain_all().await;
    let page = b.get(&url).await;
    page.assert_contains(r#"data-drift-status="drifted""#);
    page.assert_contains(r#"<tr data-drift-key="UI_A"><td class="key">UI_A</td><td><span class="pill pill-update">Changed at Railway</span>"#);
    page.assert_contains(
        r#"<tr data-drift-key="UI_B"><td class="key">UI_B</td><td><span class="pill pill-unchanged">In sync</span>"#,
    );
    page.assert_contains(r#"data-badge="drifted""#);
    assert!(!page.body.contains("edited-at-railway"), "no values on the page");

    // The folder is emptied: the run is held and the page asks for a review.
    for k in keys {
        let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/"});
        app.api.delete_json(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    app.drain_all().await;
    let page = b.get(&url).await;
    page.assert_contains("Review and confirm");
    page.assert_contains(r#"data-badge="held""#);
    page.assert_contains("UI_A, UI_B, UI_C, UI_D, UI_E, UI_F");
    assert_eq!(fake.variables(RW_PRODUCTION, Some(RW_API)).keys().filter(|k| k.starts_with("UI_")).count(), 6);
    let hash = hidden(&page.body, "plan_hash");
    let confirmed = b.post(&format!("{url}/confirm"), &[("csrf", &page.csrf()), ("plan_hash", &hash)]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    app.drain_all().await;
    assert_eq!(fake.variables(RW_PRODUCTION, Some(RW_API)).keys().filter(|k| k.starts_with("UI_")).count(), 0);
    let page = b.get(&url).await;
    assert!(!page.body.contains("Review and confirm"), "released");
    page.assert_contains(r#"data-badge="synced""#);
}

/// A link with a mangled id is a page not found in words, never the API's
/// `params.syncId: Invalid UUID`.
#[tokio::test]
async fn a_mangled_link_is_a_plain_not_found_page() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let pid = app.project_id().to_string();
    for path in [
        format!("/projects/{pid}/syncs/not-a-sync-id"),
        "/projects/not-a-project/syncs/also-not".to_string(),
        "/connections/nope".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        page.assert_contains("Nothing is at this address: the link is mistyped or out of date.");
        assert!(!page.body.contains("Invalid UUID") && !page.body.contains("params."), "{path}: {}", page.body);
    }
    app.shutdown().await;
}

/// No dead end without a connection: the wizard's destination step links to the
/// connection form, which comes back to the same step with the new connection selected.
#[tokio::test]
async fn a_connection_added_from_the_wizard_comes_back_selected() {
    let (_fake, app) = sync_support::start().await;
    let b = Browser::sign_in(&app).await;
    let pid = app.project_id().to_string();
    let step =
        b.get(&format!("/projects/{pid}/syncs/new/railway?step=destination&environment=dev&secret_path=%2F")).await;
    assert_eq!(step.status, 200, "{}", step.body);
    let add = step.body.split("data-add-connection").next().and_then(|s| s.rsplit("href=\"").next()).expect("link");
    let add = add.split('"').next().expect("href").replace("&amp;", "&");
    assert!(add.starts_with("/connections/new?org=") && add.contains("return_to="), "{add}");

    let form = b.get(&add).await;
    assert_eq!(form.status, 200);
    let return_to = hidden(&form.body, "return_to").replace("&amp;", "&");
    assert!(return_to.starts_with(&format!("/projects/{pid}/syncs/new/railway?step=destination")), "{return_to}");
    let org = hidden(&form.body, "org");
    let fields = [
        ("name", "rw"),
        ("method", "account-token"),
        ("token", ACCOUNT_TOKEN),
        ("org", org.as_str()),
        ("csrf", &form.csrf()),
        ("return_to", return_to.as_str()),
    ];
    let created = b.post("/connections", &fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = app.api.get(CONNECTIONS).await.expect(200)["appConnections"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(created.location(), format!("{return_to}&connection_id={id}"));

    let back = b.get(created.location()).await;
    assert_eq!(back.status, 200, "{}", back.body);
    back.assert_contains(&format!(r#"<option value="{id}" selected>rw</option>"#));
    back.assert_contains("is selected below");

    // A return address off this site is ignored: the connection list, as before.
    let form = b.get("/connections/new?return_to=https://evil.example/projects/x/syncs/new/railway").await;
    assert!(!form.body.contains("name=\"return_to\""), "{}", form.body);
    app.shutdown().await;
}
