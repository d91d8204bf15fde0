//! Authentication: universal-auth login, token renewal, revocation, expiry and use limits,
//! client secrets, trusted IPs, user login and browser sessions with CSRF protection.

use crate::access_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

#[tokio::test]
async fn universal_auth_login_answers_in_infisicals_shape() {
    let app = TestApp::spawn().await;
    let body = json!({"clientId": app.creds.client_id, "clientSecret": app.creds.client_secret});
    let out = app.anonymous().post(LOGIN, body.clone()).await.expect(200);
    let token = out["accessToken"].as_str().expect("accessToken");
    assert!(!token.starts_with("st."), "never a legacy service token prefix");
    assert_eq!(out["tokenType"], "Bearer");
    assert_eq!(out["expiresIn"], 2_592_000);
    assert_eq!(out["accessTokenMaxTTL"], 2_592_000);
    app.client_with(token).get("/api/v1/projects").await.expect(200);
    // Infisical's CLI calls the login path with a trailing slash.
    app.anonymous().post(&format!("{LOGIN}/"), body).await.expect(200);
    let me = app.client_with(token).get("/api/v2/users/me").await.expect(200);
    assert_eq!(me["actorType"], "identity");
    assert_eq!(me["identity"]["id"], app.creds.identity_id.as_str());
    app.shutdown().await;
}

#[tokio::test]
async fn wrong_client_id_and_wrong_secret_look_the_same_and_are_audited() {
    let app = TestApp::spawn().await;
    let wrong_secret = login(&app, &app.creds.client_id, "scs_this-is-not-the-secret").await;
    let wrong_id = login(&app, &uuid::Uuid::new_v4().to_string(), &app.creds.client_secret).await;
    for resp in [&wrong_secret, &wrong_id] {
        assert_eq!(resp.status, 401);
        assert_eq!(resp.message(), "Invalid credentials");
    }
    assert_eq!(error_shape(&wrong_secret), error_shape(&wrong_id));
    let missing = app.anonymous().post(LOGIN, json!({"clientId": app.creds.client_id})).await;
    assert_eq!(missing.status, 422);
    assert!(missing.message().contains("clientSecret"), "{}", missing.text);

    let logs = app.api.get("/api/v1/organization/audit-logs?eventType=login-identity-universal-auth&limit=50").await;
    let logs = logs.expect(200);
    assert!(!logs.to_string().contains("this-is-not-the-secret"), "audit entries never hold secrets");
    assert!(!logs.to_string().contains(&app.creds.client_secret));
    let failures: Vec<&Value> = logs["auditLogs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter(|e| e["event"]["metadata"]["success"] == false)
        .collect();
    assert!(!failures.is_empty(), "the failure for a known client id is in the organization's log: {logs}");
    assert_eq!(failures[0]["ipAddress"], "127.0.0.1");
    assert_eq!(failures[0]["actor"]["type"], "anonymous");
    app.shutdown().await;
}

#[tokio::test]
async fn renewal_extends_up_to_the_maximum_and_refuses_after_it() {
    let app = TestApp::spawn().await;
    let m = machine_in(&app, &app.api, app.org_id(), "member", json!({"accessTokenTTL": 60, "accessTokenMaxTTL": 90}))
        .await;
    let renewed = app.anonymous().post("/api/v1/auth/token/renew", json!({"accessToken": m.token})).await.expect(200);
    assert_eq!(renewed["accessToken"], m.token.as_str());
    assert_eq!(renewed["tokenType"], "Bearer");
    assert_eq!(renewed["accessTokenMaxTTL"], 90);
    let expires_in = renewed["expiresIn"].as_i64().expect("expiresIn");
    assert!((58..=60).contains(&expires_in), "{expires_in}");
    // Infisical's Node SDK renews with a trailing slash too.
    app.anonymous().post("/api/v1/auth/token/renew/", json!({"accessToken": m.token})).await.expect(200);

    expire_token(&app, &m.token, true).await;
    let late = app.anonymous().post("/api/v1/auth/token/renew", json!({"accessToken": m.token})).await;
    assert_eq!(late.status, 400);
    assert!(late.message().contains("maximum lifetime"), "{}", late.message());
    let unknown = app.anonymous().post("/api/v1/auth/token/renew", json!({"accessToken": "sat_unknown"})).await;
    assert_eq!(unknown.status, 401);
    app.shutdown().await;
}

#[tokio::test]
async fn revoked_tokens_stop_at_once_and_cannot_be_renewed() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "admin").await;
    m.client.get("/api/v1/projects").await.expect(200);
    let out = app.anonymous().post("/api/v1/auth/token/revoke", json!({"accessToken": m.token})).await.expect(200);
    assert_eq!(out["message"], "Successfully revoked access token");
    let after = m.client.get("/api/v1/projects").await;
    assert_eq!(after.status, 401, "the cached token was dropped: {}", after.text);
    let renew = app.anonymous().post("/api/v1/auth/token/renew", json!({"accessToken": m.token})).await;
    assert_eq!(renew.status, 400);
    assert!(renew.message().contains("revoked"), "{}", renew.message());
    app.anonymous().post("/api/v1/auth/token/revoke", json!({"accessToken": m.token})).await.expect(200);
    app.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let m =
        machine_in(&app, &app.api, app.org_id(), "admin", json!({"accessTokenTTL": 1, "accessTokenMaxTTL": 1})).await;
    assert_eq!(login(&app, &m.client_id, &m.client_secret).await.expect(200)["expiresIn"], 1);
    m.client.get("/api/v1/projects").await.expect(200);
    expire_token(&app, &m.token, false).await;
    let resp = m.client.get("/api/v1/projects").await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.message(), "Invalid or expired access token");
    let renew = app.anonymous().post("/api/v1/auth/token/renew", json!({"accessToken": m.token})).await;
    assert_eq!(renew.status, 400, "{}", renew.text);
    app.shutdown().await;
}

#[tokio::test]
async fn use_limits_of_tokens_and_client_secrets_hold() {
    let app = TestApp::spawn().await;
    let m = machine_in(&app, &app.api, app.org_id(), "admin", json!({"accessTokenNumUsesLimit": 2})).await;
    m.client.get("/api/v1/projects").await.expect(200);
    m.client.get("/api/v1/projects").await.expect(200);
    assert_eq!(m.client.get("/api/v1/projects").await.status, 401, "third use of a two-use token");

    let secrets = format!("{}/client-secrets", ua_path(&m.identity_id));
    let once = app.api.post(&secrets, json!({"description": "one-shot", "numUsesLimit": 1})).await.expect(200);
    let secret = once["clientSecret"].as_str().expect("secret");
    login(&app, &m.client_id, secret).await.expect(200);
    let again = login(&app, &m.client_id, secret).await;
    assert_eq!((again.status, again.message()), (401, "Invalid credentials"));
    let data =
        app.api.get(&format!("{secrets}/{}", once["clientSecretData"]["id"].as_str().expect("id"))).await.expect(200);
    assert_eq!(data["clientSecretData"]["clientSecretNumUses"], 1);
    app.shutdown().await;
}

#[tokio::test]
async fn revoked_and_expired_client_secrets_cannot_log_in() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "member").await;
    let secrets = format!("{}/client-secrets", ua_path(&m.identity_id));
    let list = app.api.get(&secrets).await.expect(200);
    let id = list["clientSecretData"][0]["id"].as_str().expect("id").to_string();
    let revoked = app.api.post(&format!("{secrets}/{id}/revoke"), json!({})).await.expect(200);
    assert_eq!(revoked["clientSecretData"]["isClientSecretRevoked"], true);
    let resp = login(&app, &m.client_id, &m.client_secret).await;
    assert_eq!((resp.status, resp.message()), (401, "Invalid credentials"));

    let short = app.api.post(&secrets, json!({"ttl": 1})).await.expect(200);
    let secret = short["clientSecret"].as_str().expect("secret");
    login(&app, &m.client_id, secret).await.expect(200);
    let id = short["clientSecretData"]["id"].as_str().expect("id");
    exec(&app, "UPDATE client_secrets SET created_at = created_at - 5000 WHERE id = $1", &[Bind::Text(id)]).await;
    let resp = login(&app, &m.client_id, secret).await;
    assert_eq!((resp.status, resp.message()), (401, "Invalid credentials"));
    app.shutdown().await;
}

#[tokio::test]
async fn trusted_ip_lists_refuse_other_addresses() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "admin").await;
    let path = ua_path(&m.identity_id);
    let narrow = json!([{"ipAddress": "10.0.0.0/8"}]);
    app.api.patch(&path, json!({"clientSecretTrustedIps": narrow})).await.expect(200);
    let resp = login(&app, &m.client_id, &m.client_secret).await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.message(), "You are not allowed to access this resource from the current IP address");

    let ua = app
        .api
        .patch(&path, json!({"clientSecretTrustedIps": [{"ipAddress": "127.0.0.1"}], "accessTokenTrustedIps": narrow}))
        .await
        .expect(200);
    assert_eq!(
        ua["identityUniversalAuth"]["accessTokenTrustedIps"][0],
        json!({"ipAddress": "10.0.0.0", "type": "ipv4", "prefix": 8})
    );
    let token =
        login(&app, &m.client_id, &m.client_secret).await.expect(200)["accessToken"].as_str().expect("t").to_string();
    let used = app.client_with(&token).get("/api/v1/projects").await;
    assert_eq!(used.status, 403, "the token cannot be used from 127.0.0.1: {}", used.text);
    assert_eq!(m.client.get("/api/v1/projects").await.status, 403, "older tokens follow the new list at once");

    app.api
        .patch(&path, json!({"accessTokenTrustedIps": [{"ipAddress": "127.0.0.0/8"}, {"ipAddress": "::1"}]}))
        .await
        .expect(200);
    app.client_with(&token).get("/api/v1/projects").await.expect(200);
    app.shutdown().await;
}

#[tokio::test]
async fn users_log_in_with_email_and_password() {
    let app = TestApp::spawn().await;
    let good = json!({"email": app.creds.admin_email.to_uppercase(), "password": app.creds.admin_password});
    let out = app.anonymous().post("/api/v1/auth/login", good).await.expect(200);
    assert_eq!(out["tokenType"], "Bearer");
    let user = app.client_with(out["accessToken"].as_str().expect("token"));
    let me = user.get("/api/v1/users/me").await.expect(200);
    assert_eq!(me["actorType"], "user");
    assert_eq!(me["user"]["email"], app.creds.admin_email.as_str());
    assert!(me["user"].get("passwordHash").is_none());

    let wrong = app
        .anonymous()
        .post("/api/v1/auth/login", json!({"email": app.creds.admin_email, "password": "wrong password"}))
        .await;
    let unknown = app
        .anonymous()
        .post("/api/v1/auth/login", json!({"email": "nobody@example.com", "password": "whatever1"}))
        .await;
    for resp in [&wrong, &unknown] {
        assert_eq!((resp.status, resp.message()), (401, "Invalid email or password"));
    }
    let entries = audit_rows(&app, "user-login").await;
    let successes = entries.iter().filter(|e| e.metadata["success"] == true).count();
    let failures: Vec<_> = entries.iter().filter(|e| e.metadata["success"] == false).collect();
    assert_eq!((successes, failures.len()), (1, 2), "{entries:?}");
    assert!(failures.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1") && e.actor_type == "anonymous"));
    assert!(entries.iter().all(|e| !e.metadata.to_string().contains("wrong password")), "never the password");
    app.shutdown().await;
}

fn set_cookie(resp: &reqwest::Response) -> String {
    resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

#[tokio::test]
async fn browser_sessions_need_the_csrf_header_for_writes() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", app.url());
    let creds = json!({"email": app.creds.admin_email, "password": app.creds.admin_password});
    let resp = http.post(url("/api/v1/auth/session")).json(&creds).send().await.expect("sent");
    assert_eq!(resp.status(), 200);
    let cookie_header = set_cookie(&resp);
    for part in ["sluice_session=sss_", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie_header.contains(part), "{cookie_header}");
    }
    assert!(!cookie_header.contains("Secure"), "plain http: {cookie_header}");
    let body: Value = resp.json().await.expect("json");
    let csrf = body["csrfToken"].as_str().expect("csrf").to_string();
    assert_eq!(body["user"]["email"], app.creds.admin_email.as_str());
    let cookie = cookie_header.split(';').next().expect("pair").to_string();

    let over_https = http
        .post(url("/api/v1/auth/session"))
        .header("x-forwarded-proto", "https")
        .json(&creds)
        .send()
        .await
        .expect("sent");
    // Forwarded headers count only from a trusted proxy (none here; see edge.rs).
    assert!(!set_cookie(&over_https).contains("; Secure"), "X-Forwarded-Proto from anyone is ignored");

    let me = http.get(url("/api/v1/users/me")).header("cookie", &cookie).send().await.expect("sent");
    assert_eq!(me.status(), 200, "reads need no CSRF header");
    let project = json!({"projectName": "From the browser"});
    let refused =
        http.post(url("/api/v1/projects")).header("cookie", &cookie).json(&project).send().await.expect("sent");
    assert_eq!(refused.status(), 403);
    let wrong = http
        .post(url("/api/v1/projects"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "nope")
        .json(&project)
        .send()
        .await;
    assert_eq!(wrong.expect("sent").status(), 403);
    let ok = http
        .post(url("/api/v1/projects"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&project)
        .send()
        .await;
    assert_eq!(ok.expect("sent").status(), 200);

    let logout = http.post(url("/api/v1/auth/logout")).header("cookie", &cookie).send().await.expect("sent");
    assert_eq!(logout.status(), 403, "logging out is a write too");
    let logout = http
        .post(url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("sent");
    assert_eq!(logout.status(), 200);
    assert!(set_cookie(&logout).contains("Max-Age=0"));
    let gone = http.get(url("/api/v1/users/me")).header("cookie", &cookie).send().await.expect("sent");
    assert_eq!(gone.status(), 401);

    let bad = http
        .post(url("/api/v1/auth/session"))
        .json(&json!({"email": app.creds.admin_email, "password": "nope nope"}))
        .send()
        .await;
    let bad = bad.expect("sent");
    assert_eq!(bad.status(), 401);
    assert!(bad.headers().get("set-cookie").is_none());
    app.shutdown().await;
}
