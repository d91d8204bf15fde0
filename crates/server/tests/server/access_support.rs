//! Helpers for the authentication, identity, project, membership and audit tests: machine
//! identities made through the API, logins, a second organization, and direct storage
//! edits that move token and secret clocks (instead of sleeping).

use serde_json::{Value, json};
use sluice_crypto::tokens;
use sluice_testkit::{ApiClient, Response, TestApp};

pub const LOGIN: &str = "/api/v1/auth/universal-auth/login";

pub fn ua_path(identity_id: &str) -> String {
    format!("/api/v1/auth/universal-auth/identities/{identity_id}")
}

/// A machine identity with universal auth, a client secret and a logged-in client.
pub struct Machine {
    pub identity_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub token: String,
    pub client: ApiClient,
}

/// Creates an identity in `org` (as `admin`), attaches universal auth with `ua`, creates a
/// client secret and logs in.
pub async fn machine_in(app: &TestApp, admin: &ApiClient, org: &str, org_role: &str, ua: Value) -> Machine {
    let name = format!("machine-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let identity = admin
        .post("/api/v1/identities", json!({"name": name, "organizationId": org, "role": org_role}))
        .await
        .expect(200)["identity"]
        .clone();
    let identity_id = identity["id"].as_str().expect("id").to_string();
    let attached = admin.post(&ua_path(&identity_id), ua).await.expect(200);
    let client_id = attached["identityUniversalAuth"]["clientId"].as_str().expect("clientId").to_string();
    let created = admin.post(&format!("{}/client-secrets", ua_path(&identity_id)), json!({})).await.expect(200);
    let client_secret = created["clientSecret"].as_str().expect("clientSecret").to_string();
    let token =
        login(app, &client_id, &client_secret).await.expect(200)["accessToken"].as_str().expect("token").to_string();
    Machine { identity_id, client_id, client_secret, client: app.client_with(&token), token }
}

/// A machine identity in the app's organization, made by the app's admin identity.
pub async fn machine(app: &TestApp, org_role: &str) -> Machine {
    machine_in(app, &app.api, app.org_id(), org_role, json!({})).await
}

/// A machine identity of the app's organization with a role in the default project.
pub async fn project_member(app: &TestApp, role: &str) -> Machine {
    let m = machine(app, "member").await;
    let path = format!("/api/v1/projects/{}/identity-memberships/{}", app.project_id(), m.identity_id);
    app.api.post(&path, json!({"role": role})).await.expect(200);
    m
}

pub async fn login(app: &TestApp, client_id: &str, client_secret: &str) -> Response {
    app.anonymous().post(LOGIN, json!({"clientId": client_id, "clientSecret": client_secret})).await
}

/// The bootstrap admin user, logged in with a user token.
pub async fn admin_user(app: &TestApp) -> ApiClient {
    let body = json!({"email": app.creds.admin_email, "password": app.creds.admin_password});
    let token = app.anonymous().post("/api/v1/auth/login", body).await.expect(200)["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    app.client_with(&token)
}

/// A second organization (created by the admin user) and a machine identity that
/// administers it: a token that belongs to another organization.
pub async fn other_org(app: &TestApp) -> (String, Machine) {
    let user = admin_user(app).await;
    let org = user.post("/api/v2/organizations", json!({"name": "Other Org"})).await.expect(200)["organization"]["id"]
        .as_str()
        .expect("org id")
        .to_string();
    let m = machine_in(app, &user, &org, "admin", json!({})).await;
    (org, m)
}

/// Runs one statement against the app's database (to move clocks in tests).
pub async fn exec(app: &TestApp, sql: &str, binds: &[Bind<'_>]) {
    let mut tx = app.state().store.write().await.expect("tx");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = match b {
            Bind::Int(i) => q.bind(*i),
            Bind::Text(t) => q.bind(t.to_string()),
            Bind::Bytes(b) => q.bind(b.to_vec()),
        };
    }
    q.execute(&mut *tx).await.expect("statement");
    tx.commit().await.expect("commit");
}

pub enum Bind<'a> {
    Int(i64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// One integer from the app's database.
pub async fn scalar(app: &TestApp, sql: &str, binds: &[&str]) -> i64 {
    let mut conn = app.state().store.read().await.expect("conn");
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.fetch_one(&mut *conn).await.expect("scalar")
}

/// Moves a token's expiry (and maximum expiry when `max` is set) into the past. Cached
/// copies are dropped, as another node's would be after the cache's few seconds.
pub async fn expire_token(app: &TestApp, token: &str, max: bool) {
    let past = sluice_storage::now_ms() - 1000;
    let column = if max { "max_expires_at" } else { "expires_at" };
    let sql = format!("UPDATE access_tokens SET {column} = $1 WHERE token_hash = $2");
    exec(app, &sql, &[Bind::Int(past), Bind::Text(&tokens::digest(token))]).await;
    app.state().tokens.clear();
}

/// Replaces the id in an error message so two answers can be compared byte for byte.
pub fn without(text: &str, id: &str) -> String {
    text.replace(id, "<id>")
}

/// An error body without its request id.
pub fn error_shape(resp: &Response) -> Value {
    let mut body = resp.body.clone();
    if let Some(o) = body.as_object_mut() {
        o.remove("reqId");
    }
    body
}

/// One audit entry as stored.
#[derive(Debug)]
pub struct AuditEntry {
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub project_id: Option<String>,
    pub metadata: Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Every stored audit entry with this action, oldest first (including those that belong
/// to no organization or project, which no reader shows).
pub async fn audit_rows(app: &TestApp, action: &str) -> Vec<AuditEntry> {
    use sqlx::Row;
    let mut conn = app.state().store.read().await.expect("conn");
    let rows = sqlx::query(
        "SELECT actor_type, actor_id, project_id, metadata, ip, user_agent FROM audit_log WHERE action = $1 ORDER BY created_at, id",
    )
    .bind(action)
    .fetch_all(&mut *conn)
    .await
    .expect("audit rows");
    rows.iter()
        .map(|r| AuditEntry {
            actor_type: r.get("actor_type"),
            actor_id: r.get("actor_id"),
            project_id: r.get("project_id"),
            metadata: serde_json::from_str(&r.get::<String, _>("metadata")).expect("json"),
            ip: r.get("ip"),
            user_agent: r.get("user_agent"),
        })
        .collect()
}

/// One text value from the app's database.
pub async fn scalar_text(app: &TestApp, sql: &str, bind: &str) -> String {
    let mut conn = app.state().store.read().await.expect("conn");
    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind.to_string())
        .fetch_one(&mut *conn)
        .await
        .expect("scalar")
}
