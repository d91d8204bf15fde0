//! Helpers for the folder, secret, import, reference, change-event and encryption tests:
//! one call per endpoint as the SDKs make it, identities with a given project role, a
//! token of another organization, and a look at the change outbox.

use serde_json::{Value, json};
use sluice_storage::changes::{self, ChangeEvent};
use sluice_testkit::{ApiClient, Response, TestApp};

pub const RAW: &str = "/api/v3/secrets/raw";
pub const BATCH: &str = "/api/v3/secrets/batch/raw";
pub const FOLDERS: &str = "/api/v1/folders";
pub const IMPORTS: &str = "/api/v1/secret-imports";

/// `?k=v&…`, values percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Creates a secret as the Node SDK does (no `type`); panics unless 200.
pub async fn put(api: &ApiClient, app: &TestApp, env: &str, path: &str, key: &str, value: &str) -> Value {
    let body = json!({"workspaceId": app.project_id(), "environment": env, "secretPath": path, "secretValue": value});
    api.post(&format!("{RAW}/{key}"), body).await.expect(200)["secret"].clone()
}

/// `GET /api/v3/secrets/raw/{key}` with extra query pairs.
pub async fn get(api: &ApiClient, app: &TestApp, env: &str, path: &str, key: &str, extra: &[(&str, &str)]) -> Response {
    let mut pairs = vec![("workspaceId", app.project_id()), ("environment", env), ("secretPath", path)];
    pairs.extend_from_slice(extra);
    api.get(&format!("{RAW}/{key}{}", query(&pairs))).await
}

/// `GET /api/v3/secrets/raw` with extra query pairs.
pub async fn list(api: &ApiClient, app: &TestApp, env: &str, path: &str, extra: &[(&str, &str)]) -> Response {
    let mut pairs = vec![("workspaceId", app.project_id()), ("environment", env), ("secretPath", path)];
    pairs.extend_from_slice(extra);
    api.get(&format!("{RAW}{}", query(&pairs))).await
}

/// key → value of a list response's own secrets.
pub fn values(list: &Value) -> Vec<(String, String)> {
    list["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| {
            (s["secretKey"].as_str().expect("key").to_string(), s["secretValue"].as_str().expect("value").to_string())
        })
        .collect()
}

/// Creates folder `name` under `parent`; returns it.
pub async fn folder(app: &TestApp, env: &str, parent: &str, name: &str) -> Value {
    let body = json!({"workspaceId": app.project_id(), "environment": env, "name": name, "path": parent});
    app.api.post(FOLDERS, body).await.expect(200)["folder"].clone()
}

/// Makes `env:path` import `from_env:from_path`; returns the import.
pub async fn import(app: &TestApp, env: &str, path: &str, from_env: &str, from_path: &str) -> Response {
    let body = json!({"workspaceId": app.project_id(), "environment": env, "path": path,
        "import": {"environment": from_env, "path": from_path}});
    app.api.post(IMPORTS, body).await
}

/// A client for a machine identity of the app's organization with `role` in the default
/// project, made through the identity and membership API.
pub async fn member(app: &TestApp, role: &str) -> ApiClient {
    let name = format!("m-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let org = app.org_id().to_string();
    let (identity_id, client) = identity_in(app, &app.api, &org, &name, "member").await;
    let path = format!("/api/v1/projects/{}/identity-memberships/{identity_id}", app.project_id());
    app.api.post(&path, json!({"role": role})).await.expect(200);
    client
}

/// Creates an identity with universal auth in `org` (by `admin`) and logs it in.
pub async fn identity_in(
    app: &TestApp,
    admin: &ApiClient,
    org: &str,
    name: &str,
    org_role: &str,
) -> (String, ApiClient) {
    let identity = admin
        .post("/api/v1/identities", json!({"name": name, "organizationId": org, "role": org_role}))
        .await
        .expect(200)["identity"]
        .clone();
    let id = identity["id"].as_str().expect("id").to_string();
    let ua = format!("/api/v1/auth/universal-auth/identities/{id}");
    let client_id = admin.post(&ua, json!({})).await.expect(200)["identityUniversalAuth"]["clientId"]
        .as_str()
        .expect("clientId")
        .to_string();
    let secret = admin.post(&format!("{ua}/client-secrets"), json!({})).await.expect(200)["clientSecret"]
        .as_str()
        .expect("clientSecret")
        .to_string();
    let login = app
        .anonymous()
        .post("/api/v1/auth/universal-auth/login", json!({"clientId": client_id, "clientSecret": secret}))
        .await
        .expect(200);
    let token = login["accessToken"].as_str().expect("token").to_string();
    (id, app.client_with(&token))
}

/// A token of an identity that administers another organization (and nothing here).
pub async fn outsider(app: &TestApp) -> ApiClient {
    let login = json!({"email": app.creds.admin_email, "password": app.creds.admin_password});
    let token = app.anonymous().post("/api/v1/auth/login", login).await.expect(200)["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    let user = app.client_with(&token);
    let org =
        user.post("/api/v2/organizations", json!({"name": "Elsewhere Inc"})).await.expect(200)["organization"]["id"]
            .as_str()
            .expect("org")
            .to_string();
    identity_in(app, &user, &org, "outsider", "admin").await.1
}

/// The newest change event's id (0 when none).
pub async fn last_event(app: &TestApp) -> i64 {
    let mut conn = app.state().store.read().await.expect("conn");
    changes::last_id(&mut conn).await.expect("last id")
}

/// Events written after `after`, oldest first.
pub async fn events_since(app: &TestApp, after: i64) -> Vec<ChangeEvent> {
    let mut conn = app.state().store.read().await.expect("conn");
    changes::since(&mut conn, after).await.expect("events")
}

/// (path, keys) of events written after `after`, sorted.
pub async fn changed(app: &TestApp, after: i64) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> =
        events_since(app, after).await.iter().map(|e| (e.path.to_string(), e.key_names())).collect();
    out.sort();
    out
}

/// Runs one SQL statement with text binds against the app's database.
pub async fn exec(app: &TestApp, sql: &'static str, binds: &[&str]) -> u64 {
    let mut tx = app.state().store.write().await.expect("tx");
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(b.to_string());
    }
    let done = q.execute(&mut *tx).await.expect("exec");
    tx.commit().await.expect("commit");
    done.rows_affected()
}
