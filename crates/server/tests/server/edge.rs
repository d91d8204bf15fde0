//! The HTTP edge under abuse: slow and idle connections are closed on the configured
//! timeouts, the connection cap keeps the server answering, a slow request answers 408 in
//! Infisical's shape, Swagger UI's CSP and frame protection, HSTS, and forwarded headers
//! that count only from trusted proxies. Raw TCP where the test is about the connection.

use crate::access_support::{machine, ua_path};
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};
use sluice_server::auth::trusted_ips::TrustedIp;
use sluice_testkit::TestApp;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// Longest any test here waits for the server to do something.
const PATIENCE: Duration = Duration::from_secs(10);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.server().addr).await.expect("connect")
}

/// Reads until the server closes the connection (end of stream or reset), within
/// [`PATIENCE`]; returns everything read. Panics when the server keeps it open.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(PATIENCE, read_all).await.expect("the server closes the connection");
    got
}

/// Reads one small answer (headers and a body that arrive together).
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut buf = vec![0u8; 16 * 1024];
    let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await.expect("an answer").expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn with_edge(f: impl FnOnce(&mut sluice_server::config_edge::EdgeSettings) + Send + 'static) -> sluice_testkit::Tweak {
    Box::new(move |s| f(&mut s.edge))
}

fn loopback_is_a_proxy() -> sluice_testkit::Tweak {
    with_edge(|e| e.trusted_proxies = vec![TrustedIp::parse("127.0.0.1").expect("ip")])
}

#[tokio::test]
async fn slow_clients_beyond_the_connection_cap_do_not_stop_the_server() {
    let app = TestApp::spawn_with(with_edge(|e| {
        e.max_connections = 10;
        e.header_read_timeout = Duration::from_millis(400);
    }))
    .await;
    // Three times the cap, each starting a request and trickling a header byte every
    // 100 ms, as a slowloris client does to keep a connection busy.
    let mut slow = JoinSet::new();
    for _ in 0..30 {
        let mut stream = connect(&app).await;
        slow.spawn(async move {
            let _ = stream.write_all(b"GET /api/status HTTP/1.1\r\nHost: sluice\r\nX-Slow: ").await;
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut buf = [0u8; 64];
            tokio::time::timeout(PATIENCE, async {
                loop {
                    tokio::select! {
                        read = stream.read(&mut buf) => if matches!(read, Ok(0) | Err(_)) { return },
                        _ = tick.tick() => if stream.write_all(b"a").await.is_err() { return },
                    }
                }
            })
            .await
            .is_ok()
        });
    }
    let started = Instant::now();
    let status = reqwest::Client::new()
        .get(format!("{}/api/status", app.url()))
        .timeout(PATIENCE)
        .send()
        .await
        .expect("/api/status answers while slow clients hold every connection");
    assert_eq!(status.status(), 200);
    assert!(started.elapsed() < PATIENCE);
    let mut closed = 0;
    while let Some(done) = slow.join_next().await {
        assert!(done.expect("slow client"), "a slow client was never closed by the server");
        closed += 1;
    }
    assert_eq!(closed, 30);
    app.shutdown().await;
}

#[tokio::test]
async fn connections_that_do_not_finish_their_headers_are_closed_after_the_header_timeout() {
    let app = TestApp::spawn_with(with_edge(|e| e.header_read_timeout = Duration::from_millis(300))).await;
    let mut partial = connect(&app).await;
    let mut silent = connect(&app).await;
    let started = Instant::now();
    partial.write_all(b"GET /api/status HTTP/1.1\r\nHost: sluice\r\n").await.expect("write");
    assert!(read_until_closed(&mut partial).await.is_empty(), "no answer to half a request");
    assert!(read_until_closed(&mut silent).await.is_empty(), "a connection that sends nothing is closed too");
    assert!(started.elapsed() >= Duration::from_millis(250), "closed after the timeout, not at once");

    // A complete request on a fresh connection is answered as before.
    let mut ok = connect(&app).await;
    ok.write_all(b"GET /api/status HTTP/1.1\r\nHost: sluice\r\n\r\n").await.expect("write");
    assert!(read_answer(&mut ok).await.starts_with("HTTP/1.1 200"));
    app.shutdown().await;
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    // The header timeout is long: what closes the connection is the idle timeout.
    let app = TestApp::spawn_with(with_edge(|e| {
        e.header_read_timeout = Duration::from_secs(30);
        e.idle_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut conn = connect(&app).await;
    conn.write_all(b"GET /api/status HTTP/1.1\r\nHost: sluice\r\n\r\n").await.expect("write");
    assert!(read_answer(&mut conn).await.starts_with("HTTP/1.1 200"));
    let answered = Instant::now();
    // Kept alive: a second request on the same connection is answered.
    conn.write_all(b"GET /api/status HTTP/1.1\r\nHost: sluice\r\n\r\n").await.expect("write");
    assert!(read_answer(&mut conn).await.starts_with("HTTP/1.1 200"));
    assert!(read_until_closed(&mut conn).await.is_empty());
    assert!(answered.elapsed() >= Duration::from_millis(250), "kept for the idle timeout");
    app.shutdown().await;
}

#[tokio::test]
async fn a_request_not_answered_in_time_answers_408_in_infisicals_shape_and_changes_nothing() {
    // Long enough for the other requests of this test on a loaded machine.
    let app = TestApp::spawn_with(with_edge(|e| e.request_timeout = Duration::from_millis(1_000))).await;
    let mut conn = connect(&app).await;
    let head = format!(
        "POST /api/v3/secrets/raw/SLOW HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 500\r\n\r\n",
        app.creds.access_token
    );
    conn.write_all(head.as_bytes()).await.expect("write");
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": "never-sent"}).to_string();
    // Most of the body, never all of it: the server waits for the rest until the timeout.
    conn.write_all(&body.as_bytes()[..body.len() - 1]).await.expect("write");
    let answer = String::from_utf8(read_until_closed(&mut conn).await).expect("utf-8");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let json: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).expect("body")).expect("json body");
    assert_eq!(json["statusCode"], 408);
    assert_eq!(json["error"], "RequestTimeout");
    assert!(json["message"].as_str().is_some_and(|m| m.contains("1000 ms")), "{json}");
    assert!(json["reqId"].as_str().is_some_and(|id| !id.is_empty()), "{json}");
    assert!(!answer.contains("never-sent"));

    let path = format!("/api/v3/secrets/raw/SLOW?workspaceId={}&environment=dev", app.project_id());
    assert_eq!(app.api.get(&path).await.status, 404, "the stopped request created nothing");
    app.shutdown().await;
}

#[tokio::test]
async fn swagger_ui_is_framed_by_nobody_and_runs_under_its_csp() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/api/docs/", app.url())).send().await.expect("docs");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().expect("csp").to_string();
    for part in ["frame-ancestors 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.headers().get("strict-transport-security").is_none(), "HSTS is off unless configured");
    // `script-src 'self'` lets Swagger UI run only if it has no inline script.
    let html = page.text().await.expect("html");
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for s in scripts {
        assert!(s.trim_start().starts_with("src=\"./"), "an inline or foreign script would be blocked: <script{s}");
    }
    let init = http.get(format!("{}/api/docs/swagger-initializer.js", app.url())).send().await.expect("js");
    assert_eq!(init.status(), 200);
    assert!(init.headers()["content-security-policy"].to_str().is_ok_and(|v| v.contains("frame-ancestors 'none'")));
    app.shutdown().await;
}

#[tokio::test]
async fn hsts_when_set_is_on_every_answer() {
    let app = TestApp::spawn_with(with_edge(|e| e.hsts_max_age = Some(31_536_000))).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (path, status) in [("/api/status", 200), ("/login", 200), ("/api/v1/nope", 404), ("/api/docs/", 200)] {
        let resp = http.get(format!("{}{path}", app.url())).send().await.expect("sent");
        assert_eq!(resp.status(), status, "{path}");
        assert_eq!(resp.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains", "{path}");
    }
    app.shutdown().await;
}

/// Posts the sign-in form as a browser on `https://sluice.example` would, through a proxy
/// that says the request was for that host over HTTPS.
async fn sign_in_through_a_proxy(app: &TestApp) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = http.get(format!("{}/login", app.url())).send().await.expect("login page");
    let login_csrf = crate::ui::hidden(&login.text().await.expect("page"), "login_csrf");
    let form = serde_urlencoded::to_string([
        ("email", app.creds.admin_email.as_str()),
        ("password", app.creds.admin_password.as_str()),
        ("login_csrf", login_csrf.as_str()),
        ("next", "/projects"),
    ])
    .expect("form");
    http.post(format!("{}/login", app.url()))
        .header("origin", "https://sluice.example")
        .header("x-forwarded-host", "sluice.example")
        .header("x-forwarded-proto", "https")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn forwarded_host_and_proto_count_only_from_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let forged = sign_in_through_a_proxy(&app).await;
    assert_eq!(forged.status(), 403, "a forged X-Forwarded-Host does not make another site's form same-origin");
    assert!(forged.text().await.expect("page").contains("sent from another site"));
    let creds = json!({"email": app.creds.admin_email, "password": app.creds.admin_password});
    let session = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/session", app.url()))
        .header("x-forwarded-proto", "https")
        .json(&creds)
        .send()
        .await
        .expect("session");
    let cookie = session.headers()[SET_COOKIE].to_str().expect("cookie").to_string();
    assert!(!cookie.contains("Secure"), "X-Forwarded-Proto from anyone is ignored: {cookie}");
    app.shutdown().await;

    let app = TestApp::spawn_with(loopback_is_a_proxy()).await;
    let through_proxy = sign_in_through_a_proxy(&app).await;
    assert_eq!(through_proxy.status(), 303, "the proxy's X-Forwarded-Host counts");
    let cookie = through_proxy
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sluice_session="))
        .expect("signed in")
        .to_string();
    assert!(cookie.contains("; Secure"), "the proxy says HTTPS: {cookie}");
    app.shutdown().await;
}

/// The IP address of the newest audit entry after a project update sent with `X-Forwarded-For`.
async fn audited_ip(app: &TestApp, forwarded_for: &str) -> Value {
    let base = format!("{}/api/v1/projects/{}", app.url(), app.project_id());
    let resp = reqwest::Client::new()
        .patch(&base)
        .bearer_auth(&app.creds.access_token)
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"description": "audited"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(resp.status(), 200);
    let logs = app.api.get(&format!("/api/v1/projects/{}/audit-logs", app.project_id())).await.expect(200);
    assert_eq!(logs["auditLogs"][0]["event"]["type"], "update-project");
    logs["auditLogs"][0]["ipAddress"].clone()
}

#[tokio::test]
async fn audit_entries_record_the_forwarded_client_only_behind_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    assert_eq!(audited_ip(&app, "203.0.113.5").await, "127.0.0.1", "an untrusted peer's X-Forwarded-For is ignored");
    app.shutdown().await;

    let app = TestApp::spawn_with(loopback_is_a_proxy()).await;
    assert_eq!(
        audited_ip(&app, "6.6.6.6, 203.0.113.5").await,
        "203.0.113.5",
        "the rightmost address the trusted proxy did not write; the forged one to its left is not believed"
    );
    app.shutdown().await;
}

/// Logs in a machine identity whose tokens may only be used from 203.0.113.0/24, and
/// calls the API with the token claiming that address in `X-Forwarded-For`.
async fn use_token_claiming_a_trusted_address(app: &TestApp, forwarded_for: Option<&str>) -> u16 {
    let m = machine(app, "admin").await;
    let narrow = json!({"accessTokenTrustedIps": [{"ipAddress": "203.0.113.0/24"}]});
    app.api.patch(&ua_path(&m.identity_id), narrow).await.expect(200);
    let login = json!({"clientId": m.client_id, "clientSecret": m.client_secret});
    let token = app.anonymous().post("/api/v1/auth/universal-auth/login", login).await.expect(200)["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/projects", app.url())).bearer_auth(token);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.expect("sent").status().as_u16()
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_pass_a_tokens_trusted_ip_check() {
    let app = TestApp::spawn().await;
    assert_eq!(use_token_claiming_a_trusted_address(&app, Some("203.0.113.5")).await, 403);
    app.shutdown().await;

    let app = TestApp::spawn_with(loopback_is_a_proxy()).await;
    assert_eq!(use_token_claiming_a_trusted_address(&app, Some("203.0.113.5")).await, 200);
    assert_eq!(use_token_claiming_a_trusted_address(&app, None).await, 403, "the proxy's own address is not trusted");
    app.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    let mut app = TestApp::spawn().await;
    let mut conn = connect(&app).await;
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": "v"}).to_string();
    let head = format!(
        "POST /api/v3/secrets/raw/IN_FLIGHT HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        app.creds.access_token,
        body.len()
    );
    conn.write_all(head.as_bytes()).await.expect("write");
    // `100 Continue` comes when the handler starts reading the body: the request is in flight.
    assert!(read_answer(&mut conn).await.starts_with("HTTP/1.1 100"));
    let mut stopping = app.state().stopping.subscribe();
    let server = app.server.take().expect("server");
    let shutdown = tokio::spawn(server.shutdown());
    tokio::time::timeout(PATIENCE, stopping.wait_for(|s| *s)).await.expect("shutdown began").expect("watch");
    assert!(!shutdown.is_finished(), "shutdown waits for the request in flight");
    conn.write_all(body.as_bytes()).await.expect("write");
    let answer = String::from_utf8(read_until_closed(&mut conn).await).expect("utf-8");
    assert!(answer.starts_with("HTTP/1.1 200"), "the request in flight is answered: {answer}");
    tokio::time::timeout(PATIENCE, shutdown).await.expect("shutdown ends once it is answered").expect("task");
    app.shutdown().await;
}

#[tokio::test]
async fn the_uis_live_status_stream_outlives_the_request_and_connection_timeouts() {
    // The stream's head comes at once, then events now and then: neither the request
    // timeout (the wait for the head) nor the connection's idle or header-read timeout
    // (between requests) may cut it while it is open.
    let timeout = Duration::from_millis(300);
    let app = TestApp::spawn_with(with_edge(move |e| {
        e.request_timeout = timeout;
        e.idle_timeout = timeout;
        e.header_read_timeout = timeout;
    }))
    .await;
    // A session made directly: signing in hashes a password, which a loaded machine may
    // not finish within this test's short request timeout.
    let state = app.state();
    let mut conn = state.store.read().await.expect("database");
    let admin = sluice_storage::users::get_by_email(&mut conn, &app.creds.admin_email).await.expect("read");
    drop(conn);
    let session =
        sluice_server::features::auth::users::create_session(state, &admin.expect("admin"), Default::default())
            .await
            .expect("session");
    let cookie = format!("sluice_session={}", session.cookie_value);
    let mut stream = reqwest::Client::new()
        .get(format!("{}/projects/{}/syncs/events", app.url(), app.project_id()))
        .header("cookie", cookie)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().is_ok_and(|v| v.starts_with("text/event-stream")));
    // Longer than every timeout: the passage of time is what is tested.
    tokio::time::sleep(timeout * 3).await;
    let gone = sluice_domain::SyncId::new();
    app.state().engine.notify_sync_changed(&gone);
    let chunk = tokio::time::timeout(PATIENCE, stream.chunk()).await.expect("an event").expect("read").expect("open");
    let text = String::from_utf8_lossy(&chunk);
    assert!(text.contains("event: sync") && text.contains(&gone.to_string()), "{text}");
    app.shutdown().await;
}

#[tokio::test]
async fn swagger_ui_renders_in_chromium_under_its_csp() {
    let Some((_driver, client, _profile)) = crate::browser::browser().await else { return };
    let app = TestApp::spawn().await;
    client.goto(&format!("{}/api/docs/", app.url())).await.expect("open Swagger UI");
    // Operations are drawn by Swagger UI's scripts from the fetched document: a blocked
    // script or fetch would leave the page empty.
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(fantoccini::Locator::Css(".opblock"))
        .await
        .expect("Swagger UI draws the API's operations");
    let drawn = client
        .execute("return document.querySelectorAll('.opblock').length", vec![])
        .await
        .expect("count")
        .as_u64()
        .unwrap_or(0);
    assert!(drawn > 10, "only {drawn} operations drawn");
    client.close().await.expect("close");
    app.shutdown().await;
}
