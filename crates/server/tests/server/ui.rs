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

/// Each row of the Secret Syncs list has Infisical's row actions in a menu; the ones that
/// act at once (auto-sync, Remove from Railway) come back to the list, the ones that need a
/// choice or a typed confirmation lead to the sync's page at that section.
#[tokio::test]
async fn the_sync_list_has_row_actions_that_come_back_to_the_list() {
    let (fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": "v"});
    app.api.post("/api/v3/secrets/raw/ROW_KEY", body).await.expect(200);
    let created = app
        .api
        .post(SYNCS, sync_support::sync_body(&app, "row-actions", conn["id"].as_str().expect("id"), "/"))
        .await
        .expect(200);
    let id = created["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    assert!(fake.variables(RW_PRODUCTION, Some(RW_API)).contains_key("SLUICE_ROW_KEY"), "synced first");
    let b = Browser::sign_in(&app).await;
    let list_url = format!("/projects/{pid}/integrations");
    let list = b.get(&list_url).await;
    let menu_start = list.body.find(&format!(r#"data-sync-menu="{id}""#)).expect("a menu on the row");
    let menu = &list.body[menu_start..menu_start + list.body[menu_start..].find("</details>").expect("end")];
    let items = [
        format!(r#"href="/projects/{pid}/syncs/{id}">View details"#),
        format!(r#"href="/projects/{pid}/syncs/{id}/edit/source">Edit"#),
        format!(r#"href="/projects/{pid}/syncs/{id}#import">Import secrets"#),
        format!(r#"action="/projects/{pid}/syncs/{id}/auto-sync""#),
        "Disable auto-sync".to_string(),
        format!(r#"action="/projects/{pid}/syncs/{id}/remove""#),
        format!(r#"href="/projects/{pid}/syncs/{id}#delete">Delete"#),
    ];
    for item in &items {
        assert!(menu.contains(item.as_str()), "the row menu lacks {item}:\n{menu}");
    }
    list.assert_contains(r#"aria-label="More actions for row-actions""#);
    let details = b.get(&format!("/projects/{pid}/syncs/{id}")).await;
    details.assert_contains(r#"id="import""#);
    details.assert_contains(r#"id="delete""#);

    // Disable auto-sync from the menu: back on the list, which now offers to enable it.
    let off = b
        .post(
            &format!("/projects/{pid}/syncs/{id}/auto-sync"),
            &[("csrf", &list.csrf()), ("back", "list"), ("enabled", "false")],
        )
        .await;
    assert_eq!((off.status, off.location()), (303, list_url.as_str()), "{}", off.body);
    let list = b.get(&list_url).await;
    list.assert_contains("Auto-sync is off");
    list.assert_contains("Enable auto-sync");
    let got = app.api.get(&format!("{SYNCS}/{id}")).await.expect(200);
    assert_eq!(got["secretSync"]["isAutoSyncEnabled"], false);

    // Remove from Railway from the menu: back on the list, and the variable is gone.
    let removed =
        b.post(&format!("/projects/{pid}/syncs/{id}/remove"), &[("csrf", &list.csrf()), ("back", "list")]).await;
    assert_eq!((removed.status, removed.location()), (303, list_url.as_str()), "{}", removed.body);
    app.drain_all().await;
    assert!(!fake.variables(RW_PRODUCTION, Some(RW_API)).contains_key("SLUICE_ROW_KEY"), "removed from Railway");
    let list = b.get(&list_url).await;
    list.assert_contains("Removal of the synced variables from Railway queued.");
}

/// Importing with "take Railway's values" overwrites secrets, so the person first sees
/// which ones (names, never values), read from Railway just then; keeping Sluice's values
/// goes ahead at once.
#[tokio::test]
async fn taking_railways_values_on_import_shows_what_changes_first() {
    let (fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    for (k, v) in [("SAME", "same"), ("EDITED", "sluice-value")] {
        let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": v});
        app.api.post(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    let created = app
        .api
        .post(SYNCS, sync_support::sync_body(&app, "import-review", conn["id"].as_str().expect("id"), "/"))
        .await
        .expect(200);
    let id = created["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    fake.set_variable(RW_PRODUCTION, Some(RW_API), "SLUICE_EDITED", "railway-value", false);
    fake.set_variable(RW_PRODUCTION, Some(RW_API), "SLUICE_ONLY_AT_RAILWAY", "new-value", false);
    let b = Browser::sign_in(&app).await;
    let url = format!("/projects/{pid}/syncs/{id}");
    let details = b.get(&url).await;

    // Taking Railway's values: first a review, at its own URL.
    let asked = b
        .post(&format!("{url}/import"), &[("csrf", &details.csrf()), ("import_behavior", "prioritize-destination")])
        .await;
    assert_eq!((asked.status, asked.location()), (303, format!("{url}/import").as_str()), "{}", asked.body);
    app.drain_all().await;
    let secret = |k: &'static str| {
        let app = &app;
        async move {
            let path = format!("/api/v3/secrets/raw/{k}?workspaceId={}&environment=dev", app.project_id());
            app.api.get(&path).await
        }
    };
    assert_eq!(secret("EDITED").await.expect(200)["secret"]["secretValue"], "sluice-value", "nothing imported yet");
    let review = b.get(&format!("{url}/import")).await;
    assert_eq!(review.status, 200, "{}", review.body);
    review.assert_contains("1 secret in Development · / takes Railway's value.");
    review.assert_contains("1 secret is added</strong> to Development · /");
    review.assert_contains(r#"<ul class="key-list" data-import-updates><li class="key">EDITED</li></ul>"#);
    review.assert_contains(r#"<ul class="key-list" data-import-creates><li class="key">ONLY_AT_RAILWAY</li></ul>"#);
    review.assert_contains("Overwrite 1 and import");
    for value in ["railway-value", "new-value", "sluice-value"] {
        assert!(!review.body.contains(value), "no values on the review page");
    }

    // Going ahead imports.
    let go = b
        .post(
            &format!("{url}/import"),
            &[("csrf", &review.csrf()), ("import_behavior", "prioritize-destination"), ("confirmed", "true")],
        )
        .await;
    assert_eq!((go.status, go.location()), (303, url.as_str()), "{}", go.body);
    app.drain_all().await;
    assert_eq!(secret("EDITED").await.expect(200)["secret"]["secretValue"], "railway-value");
    assert_eq!(secret("ONLY_AT_RAILWAY").await.expect(200)["secret"]["secretValue"], "new-value");

    // Keeping Sluice's values changes no existing secret: no review.
    let kept =
        b.post(&format!("{url}/import"), &[("csrf", &review.csrf()), ("import_behavior", "prioritize-source")]).await;
    assert_eq!((kept.status, kept.location()), (303, url.as_str()), "{}", kept.body);
    app.drain_all().await;
    assert_eq!(secret("EDITED").await.expect(200)["secret"]["secretValue"], "railway-value");
}

/// Every page inside a project starts its breadcrumb the same way, Projects / the project,
/// and the sync pages go through Integrations; the new-project form waits behind its
/// button once a project exists, but stays open to show what was wrong.
#[tokio::test]
async fn one_breadcrumb_pattern_and_the_new_project_form_behind_its_button() {
    let (_fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    let created = app
        .api
        .post(SYNCS, sync_support::sync_body(&app, "crumbs", conn["id"].as_str().expect("id"), "/"))
        .await
        .expect(200);
    let id = created["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    let b = Browser::sign_in(&app).await;
    let start = format!(
        r#"<div class="crumbs"><a href="/projects">Projects</a><span class="sep">/</span><a href="/projects/{pid}">default</a><span class="sep">/</span>"#
    );
    let through = format!(r#"<a href="/projects/{pid}/integrations">Integrations</a>"#);
    let pages = [
        (format!("/projects/{pid}/integrations"), false),
        (format!("/projects/{pid}/syncs/{id}"), true),
        (format!("/projects/{pid}/syncs/{id}/edit/source"), true),
        (format!("/projects/{pid}/syncs/{id}/import"), true),
        (format!("/projects/{pid}/syncs/new"), true),
        (format!("/projects/{pid}/syncs/new/railway"), true),
        (format!("/projects/{pid}/secrets/dev"), false),
        (format!("/projects/{pid}/notifications"), false),
    ];
    for (path, via_integrations) in &pages {
        let page = b.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let crumbs = page.body.split(r#"<div class="crumbs">"#).count() - 1;
        assert_eq!(crumbs, 1, "{path} has one breadcrumb");
        page.assert_contains(&start);
        if *via_integrations {
            page.assert_contains(&format!("{start}{through}"));
        }
    }

    let projects = b.get("/projects").await;
    projects.assert_contains(r#"id="new-project" aria-labelledby="new-project-title" data-collapsed>"#);
    projects.assert_contains(r##"href="#new-project""##);
    let refused = b.post("/projects", &[("name", ""), ("csrf", &projects.csrf())]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains(r#"id="new-project" aria-labelledby="new-project-title">"#);
    refused.assert_contains(r#"aria-invalid="true" aria-describedby="project-name-error""#);
}

/// The source step offers the environment's folders to pick from, and the options step
/// previews the key schema: each secret's name at Railway and the Railway variables the
/// schema leaves alone (names only; the variables Railway provides are never the schema's).
#[tokio::test]
async fn the_source_step_offers_folders_and_the_options_step_previews_the_key_schema() {
    let (_fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    sync_support::folder(&app, &pid, "dev", "/api").await;
    sync_support::folder(&app, &pid, "dev", "/api/v2").await;
    sync_support::folder(&app, &pid, "staging", "/worker").await;
    for k in ["API_KEY", "DB"] {
        let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": "v"});
        app.api.post(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    let created = app
        .api
        .post(SYNCS, sync_support::sync_body(&app, "preview", conn["id"].as_str().expect("id"), "/"))
        .await
        .expect(200);
    let id = created["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    let b = Browser::sign_in(&app).await;

    let source = b.get(&format!("/projects/{pid}/syncs/{id}/edit/source")).await;
    source.assert_contains(r#"list="w-folders-dev" data-folder-picker"#);
    source.assert_contains(
        r#"<datalist id="w-folders-dev"><option value="/"></option><option value="/api"></option><option value="/api/v2"></option></datalist>"#,
    );
    source.assert_contains(
        r#"<datalist id="w-folders-staging"><option value="/"></option><option value="/worker"></option></datalist>"#,
    );

    let options = b.get(&format!("/projects/{pid}/syncs/{id}/edit/options")).await;
    assert_eq!(options.status, 200, "{}", options.body);
    options.assert_contains(
        r#"<li><code>API_KEY</code> <span aria-hidden="true">→</span><span class="sr-only">becomes</span> <code>SLUICE_API_KEY</code></li>"#,
    );
    options.assert_contains("<code>DB</code>");
    options.assert_contains("<code>SLUICE_DB</code>");
    let alone = options.body.split("data-schema-unmanaged>").nth(1).expect("the unmanaged note").split("</p>").next();
    let alone = alone.expect("note");
    assert!(alone.contains("Left alone at Railway"), "{alone}");
    for k in ["DATABASE_URL", "LOG_LEVEL"] {
        assert!(alone.contains(&format!("<code>{k}</code>")), "{k} is left alone: {alone}");
    }
    for k in ["RAILWAY_PUBLIC_DOMAIN", "SLUICE_API_KEY"] {
        assert!(!alone.contains(k), "{k} is not listed as left alone: {alone}");
    }
    options.assert_contains(r#"data-environment="dev""#);
    options.assert_contains(r#"data-source-keys="[&#34;API_KEY&#34;,&#34;DB&#34;]""#);
}

/// Submits the sign-in form as `email`.
async fn submit_sign_in(b: &Browser, email: &str, password: &str) -> Page {
    let token = hidden(&b.get("/login").await.body, "login_csrf");
    b.post("/login", &[("email", email), ("password", password), ("login_csrf", &token)]).await
}

#[tokio::test]
async fn the_instance_admin_clears_a_locked_address_and_a_member_has_no_sign_in_locks_page() {
    let app = TestApp::spawn_with(crate::login_throttle::throttled(5, 10, 2, 2)).await;
    let users = format!("/api/v1/organization/{}/users", app.org_id());
    let (email, right) = ("erin@sluice.local", "erin's long password");
    app.api.post(&users, serde_json::json!({"email": email, "password": right, "role": "member"})).await.expect(200);
    // A member of the organization is offered no sign-in locks page.
    let erin = Browser::new(&app);
    assert_eq!(submit_sign_in(&erin, email, right).await.status, 303);
    let projects = erin.get("/projects").await;
    assert_eq!(projects.status, 200, "{}", projects.body);
    assert!(!projects.body.contains("href=\"/login-locks\""), "no menu entry for a member");
    assert_eq!(erin.get("/login-locks").await.status, 403);
    // An admin of the organization who is not the instance admin has the page, without
    // the client addresses.
    let (olga, olgas) = ("olga@sluice.local", "olga's long password");
    app.api.post(&users, serde_json::json!({"email": olga, "password": olgas, "role": "admin"})).await.expect(200);
    let org_admin = Browser::new(&app);
    assert_eq!(submit_sign_in(&org_admin, olga, olgas).await.status, 303);

    // The address fails twice and is locked out of every sign-in.
    let admin = Browser::sign_in(&app).await;
    let stranger = Browser::new(&app);
    for guess in ["guess-one", "guess-two"] {
        assert_eq!(submit_sign_in(&stranger, "someone@sluice.local", guess).await.status, 401);
    }
    assert_eq!(submit_sign_in(&stranger, email, right).await.status, 429, "the address is locked");
    let theirs = org_admin.get("/login-locks").await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    theirs.assert_contains("href=\"/login-locks\" class=\"nav-item\" aria-current=\"page\"");
    assert!(!theirs.body.contains("Client addresses"), "not the instance admin's page: {}", theirs.body);
    let refused = org_admin
        .post(
            "/login-locks/clear",
            &[("csrf", &theirs.csrf()), ("org", app.org_id()), ("kind", "ip"), ("account", "127.0.0.1")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(submit_sign_in(&stranger, email, right).await.status, 429, "still locked");

    let page = admin.get("/login-locks").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("href=\"/login-locks\" class=\"nav-item\" aria-current=\"page\"");
    page.assert_contains("<h2 id=\"addresses-title\">Client addresses</h2>");
    page.assert_contains("data-address-lock=\"127.0.0.1\"");
    page.assert_contains("<td data-label=\"Failures\">2</td>");
    let posted = admin
        .post(
            "/login-locks/clear",
            &[("csrf", &page.csrf()), ("org", app.org_id()), ("kind", "ip"), ("account", "127.0.0.1")],
        )
        .await;
    let after = admin.follow(posted).await;
    after.assert_contains("The failed sign-ins from 127.0.0.1 were cleared: sign-ins from it are open now.");
    after.assert_contains("No failed sign-ins from any address.");
    assert_eq!(submit_sign_in(&stranger, email, right).await.status, 303, "signs in at once");
    app.shutdown().await;
}

/// Organization → Sign-in locks: a locked user shows with its state and when sign-in
/// reopens; "Clear" lets it sign in at once, and the page then says there is none.
#[tokio::test]
async fn an_admin_clears_a_locked_user_from_the_sign_in_locks_page() {
    let app = TestApp::spawn_with(crate::login_throttle::throttled(5, 2, 20, 50)).await;
    let users = format!("/api/v1/organization/{}/users", app.org_id());
    let (email, right) = ("dana@sluice.local", "dana's long password");
    app.api.post(&users, serde_json::json!({"email": email, "password": right, "role": "member"})).await.expect(200);
    let dana = Browser::new(&app);
    for attempt in ["guess-one", "guess-two", right] {
        let token = hidden(&dana.get("/login").await.body, "login_csrf");
        dana.post("/login", &[("email", email), ("password", attempt), ("login_csrf", &token)]).await;
    }
    let token = hidden(&dana.get("/login").await.body, "login_csrf");
    let refused = dana.post("/login", &[("email", email), ("password", right), ("login_csrf", &token)]).await;
    assert_eq!(refused.status, 429, "locked: {}", refused.body);

    let b = Browser::sign_in(&app).await;
    let page = b.get("/login-locks").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("<h1>Sign-in locks</h1>");
    page.assert_contains("href=\"/login-locks\" class=\"nav-item\" aria-current=\"page\"");
    page.assert_contains(&format!("data-lock=\"{email}\""));
    page.assert_contains("<td data-label=\"State\">Locked</td>");
    page.assert_contains("<td data-label=\"Failures\">2</td>");
    page.assert_contains("in 15 minutes");

    let posted = b
        .post(
            "/login-locks/clear",
            &[("csrf", &page.csrf()), ("org", app.org_id()), ("kind", "user"), ("account", email)],
        )
        .await;
    let after = b.follow(posted).await;
    after.assert_contains("The failed sign-ins of dana@sluice.local were cleared: it may sign in now.");
    after.assert_contains("No failed sign-ins");
    let token = hidden(&dana.get("/login").await.body, "login_csrf");
    let signed = dana.post("/login", &[("email", email), ("password", right), ("login_csrf", &token)]).await;
    assert_eq!(signed.status, 303, "signs in at once: {}", signed.body);

    // Without the session's token the form changes nothing.
    let forged = b.post("/login-locks/clear", &[("org", app.org_id()), ("kind", "user"), ("account", email)]).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    app.shutdown().await;
}
