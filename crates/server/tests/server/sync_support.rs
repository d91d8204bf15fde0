//! Helpers for the connection and sync tests: a fake Railway seeded with the example
//! seed (`examples/railway-seed.json`), a server pointed at it, other principals with
//! chosen roles, folders, and the seed page's own sample request and response.

use serde_json::{Value, json};
use sluice_domain::{FolderId, FolderPath, OrgId, OrgRole, ProjectId, ProjectRole, Slug};
use sluice_railway_fake::{FakeRailway, Seed};
use sluice_server::features::auth::service::{TokenLifetime, issue_token};
use sluice_server::features::identities::service::create_identity;
use sluice_storage::memberships::{self, Principal};
use sluice_storage::{environments, folders, now_ms, orgs, users};
use sluice_testkit::{ApiClient, TestApp};
use std::sync::{Arc, Mutex};

/// Tokens and ids of the example seed.
pub const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
pub const WORKSPACE_TOKEN: &str = "b0000000-0000-4000-8000-000000000002";
pub const PROJECT_TOKEN: &str = "c0000000-0000-4000-8000-000000000003";
pub const ALL_TOKENS: [&str; 3] = [ACCOUNT_TOKEN, WORKSPACE_TOKEN, PROJECT_TOKEN];
pub const RW_PROJECT: &str = "33333333-3333-4333-8333-333333333333";
pub const RW_PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
pub const RW_STAGING: &str = "55555555-5555-4555-8555-555555555555";
pub const RW_API: &str = "66666666-6666-4666-8666-666666666666";
pub const RW_WORKER: &str = "77777777-7777-4777-8777-777777777777";
/// A value seeded at Railway (the api service's database URL in production).
pub const SEEDED_SECRET_VALUE: &str = "postgres://shop:example-password@db.railway.internal:5432/shop";

pub const CONNECTIONS: &str = "/api/v1/app-connections/railway";
pub const SYNCS: &str = "/api/v1/secret-syncs/railway";

/// A fake Railway with the example seed, and a server using it.
pub async fn start() -> (FakeRailway, TestApp) {
    let fake = FakeRailway::start(Seed::example()).await.expect("fake Railway starts");
    let url = fake.graphql_url();
    let app = TestApp::spawn_with(Box::new(move |s| s.railway_api_url = url)).await;
    (fake, app)
}

/// Creates a Railway connection as the app's admin identity and returns it.
pub async fn connection(app: &TestApp, name: &str, method: &str, token: &str) -> Value {
    let body = json!({"name": name, "method": method, "credentials": {"apiToken": token}});
    app.api.post(CONNECTIONS, body).await.expect(200)["appConnection"].clone()
}

/// A new identity in `org` with an organization role and, when given, a role in `project`.
pub async fn identity_in(
    app: &TestApp,
    org: &str,
    org_role: OrgRole,
    project: Option<(&str, ProjectRole)>,
) -> ApiClient {
    let state = app.state();
    let mut tx = state.store.write().await.expect("tx");
    let name = format!("id-{}", uuid::Uuid::new_v4().simple());
    let ident = create_identity(&mut tx, &OrgId::from_trusted(org), &name, org_role).await.expect("identity");
    let who = Principal::Identity(ident.id.clone());
    if let Some((p, role)) = project {
        memberships::add_project_member(&mut tx, &ProjectId::from_trusted(p), &who, role).await.expect("member");
    }
    let token = issue_token(&mut tx, &who, None, TokenLifetime { ttl: 3600, max_ttl: 3600, num_uses_limit: 0 })
        .await
        .expect("token");
    tx.commit().await.expect("commit");
    app.client_with(token.access_token.expose())
}

/// An identity of the app's organization with `role` in the default project.
pub async fn project_member(app: &TestApp, role: ProjectRole) -> ApiClient {
    identity_in(app, app.org_id(), OrgRole::Member, Some((app.project_id(), role))).await
}

/// A second organization with its own project (dev/staging/prod) and an admin identity there.
pub async fn other_org(app: &TestApp) -> (String, String, ApiClient) {
    let state = app.state();
    let mut tx = state.store.write().await.expect("tx");
    let org = OrgId::new();
    let now = now_ms();
    let slug = format!("other-{}", uuid::Uuid::new_v4().simple());
    orgs::insert(
        &mut tx,
        &orgs::OrgRow { id: org.clone(), name: slug.clone(), slug: slug.clone(), created_at: now, updated_at: now },
    )
    .await
    .expect("org");
    let admin = create_identity(&mut tx, &org, "other-admin", OrgRole::Admin).await.expect("identity");
    let project = sluice_server::features::projects::service::create_project(
        &mut tx,
        state,
        &org,
        "other",
        &Slug::from_trusted("other"),
        "",
        &Principal::Identity(admin.id.clone()),
    )
    .await
    .expect("project");
    let token = issue_token(
        &mut tx,
        &Principal::Identity(admin.id.clone()),
        None,
        TokenLifetime { ttl: 3600, max_ttl: 3600, num_uses_limit: 0 },
    )
    .await
    .expect("token");
    tx.commit().await.expect("commit");
    (org.into_string(), project.id.into_string(), app.client_with(token.access_token.expose()))
}

/// A token for the bootstrap admin user (a user, not an identity).
pub async fn admin_user(app: &TestApp) -> (Principal, ApiClient) {
    let state = app.state();
    let mut tx = state.store.write().await.expect("tx");
    let user = users::get_by_email(&mut tx, &app.creds.admin_email).await.expect("query").expect("admin user");
    let who = Principal::User(user.id.clone());
    let token = issue_token(&mut tx, &who, None, TokenLifetime { ttl: 3600, max_ttl: 3600, num_uses_limit: 0 })
        .await
        .expect("token");
    tx.commit().await.expect("commit");
    (who, app.client_with(token.access_token.expose()))
}

/// Adds a principal to an organization.
pub async fn join_org(app: &TestApp, org: &str, who: &Principal, role: OrgRole) {
    let mut tx = app.state().store.write().await.expect("tx");
    memberships::add_org_member(&mut tx, &OrgId::from_trusted(org), who, role).await.expect("join");
    tx.commit().await.expect("commit");
}

/// Creates the folder `path` (and its parents) in an environment of a project.
pub async fn folder(app: &TestApp, project: &str, env: &str, path: &str) -> String {
    let mut tx = app.state().store.write().await.expect("tx");
    let env =
        environments::get_by_slug(&mut tx, &ProjectId::from_trusted(project), env).await.expect("q").expect("env");
    let env_id = env.id.clone();
    let target = FolderPath::parse(path).expect("path");
    let mut parent = folders::get_by_path(&mut tx, &env_id, &FolderPath::root()).await.expect("q").expect("root");
    let mut at = FolderPath::root();
    for name in target.segments().map(str::to_string).collect::<Vec<_>>() {
        at = at.join(&name);
        parent = match folders::get_by_path(&mut tx, &env_id, &at).await.expect("q") {
            Some(f) => f,
            None => {
                let row = folders::FolderRow {
                    id: FolderId::new(),
                    project_id: ProjectId::from_trusted(project),
                    environment_id: env.id.clone(),
                    parent_id: Some(parent.id.clone()),
                    name: name.clone(),
                    path: at.clone(),
                    description: String::new(),
                    created_at: now_ms(),
                    updated_at: now_ms(),
                };
                folders::insert(&mut tx, &row).await.expect("folder");
                row
            }
        };
    }
    tx.commit().await.expect("commit");
    parent.id.into_string()
}

/// Deletes a folder directly (the folders API belongs to another feature): syncs keep
/// existing with their folder set to null.
pub async fn delete_folder(app: &TestApp, folder_id: &str) {
    let mut tx = app.state().store.write().await.expect("tx");
    sqlx::query("DELETE FROM folders WHERE id = $1").bind(folder_id).execute(&mut *tx).await.expect("delete folder");
    tx.commit().await.expect("commit");
}

/// Audit entries of an organization and of a project, as one text (to search for leaks).
pub async fn audit_text(app: &TestApp, org: &str, project: &str) -> String {
    let mut conn = app.state().store.read().await.expect("conn");
    let q = sluice_storage::audit::AuditQuery { limit: 1000, ..Default::default() };
    let mut rows = sluice_storage::audit::list_for_org(&mut conn, &OrgId::from_trusted(org), &q).await.expect("audit");
    rows.extend(
        sluice_storage::audit::list_for_project(&mut conn, &ProjectId::from_trusted(project), &q).await.expect("audit"),
    );
    rows.iter().map(|r| format!("{} {} {}\n", r.action, r.target_id.clone().unwrap_or_default(), r.metadata)).collect()
}

/// Metadata of an organization's audit entries with `action`, newest first.
pub async fn audit_entries(app: &TestApp, org: &str, action: &str) -> Vec<Value> {
    let mut conn = app.state().store.read().await.expect("conn");
    let q = sluice_storage::audit::AuditQuery { actions: vec![action.to_string()], limit: 1000, ..Default::default() };
    let rows = sluice_storage::audit::list_for_org(&mut conn, &OrgId::from_trusted(org), &q).await.expect("audit");
    rows.iter().map(|r| serde_json::from_str(&r.metadata).expect("metadata json")).collect()
}

/// The seed page's sample request and response (`shared/reference/seed-railway-sync.md`),
/// kept beside the tests as printed there, less the request's trailing comma. When the page
/// is at hand (`SLUICE_SHARED_DIR`, or `../shared` beside the checkout), the test also checks
/// that these copies still match it.
const SAMPLE_REQUEST: &str = include_str!("fixtures/seed-sample-request.json");
const SAMPLE_RESPONSE: &str = include_str!("fixtures/seed-sample-response.json");

fn seed_page() -> Option<String> {
    let dir = std::env::var("SLUICE_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    std::fs::read_to_string(dir.join("reference/seed-railway-sync.md")).ok()
}

/// Drops trailing commas before `}` or `]` (the page's samples have one).
fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

/// The seed page's sample request body.
pub fn seed_sample_request() -> Value {
    let kept: Value = serde_json::from_str(SAMPLE_REQUEST).expect("sample request fixture");
    if let Some(page) = seed_page() {
        let start = page.find("--data '").expect("sample request") + "--data '".len();
        let end = start + page[start..].find("}'").expect("end of sample request") + 1;
        let printed: Value =
            serde_json::from_str(&without_trailing_commas(&page[start..end])).expect("sample request parses");
        assert_eq!(printed, kept, "the seed page's sample request changed: update the fixture");
    }
    kept
}

/// The seed page's sample response.
pub fn seed_sample_response() -> Value {
    let kept: Value = serde_json::from_str(SAMPLE_RESPONSE).expect("sample response fixture");
    if let Some(page) = seed_page() {
        let marker = page.find("### Sample response").expect("sample response");
        let fence = marker + page[marker..].find("```").expect("response fence");
        let line_end = fence + page[fence..].find('\n').expect("fence line");
        let start = line_end + page[line_end..].find('{').expect("response body");
        let end = start + page[start..].find("```").expect("end of sample response");
        let printed: Value =
            serde_json::from_str(&without_trailing_commas(page[start..end].trim())).expect("sample response parses");
        assert_eq!(printed, kept, "the seed page's sample response changed: update the fixture");
    }
    kept
}

/// Every key path of `v` (objects only), e.g. `secretSync.destinationConfig.serviceId`.
pub fn key_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Value::Object(map) = v {
        for (k, child) in map {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            out.push(path.clone());
            key_paths(child, &path, out);
        }
    }
}

/// The value at a dotted key path.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// A create body for a sync in the app's default project, writing the api service's
/// production variables through `connection_id`.
pub fn sync_body(app: &TestApp, name: &str, connection_id: &str, path: &str) -> Value {
    json!({
        "name": name, "projectId": app.project_id(), "connectionId": connection_id,
        "environment": "dev", "secretPath": path,
        "syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": "SLUICE_{{secretKey}}"},
        "destinationConfig": {
            "projectId": RW_PROJECT, "projectName": "shop", "environmentId": RW_PRODUCTION,
            "environmentName": "production", "serviceId": RW_API, "serviceName": "api"
        }
    })
}

/// Captures this test's log output (the server runs on the test's thread).
pub fn capture_logs() -> (tracing::subscriber::DefaultGuard, Arc<Mutex<Vec<u8>>>) {
    #[derive(Clone)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(Mutex::new(Vec::new()));
    let writer = Buf(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("sluice_server=trace,sluice_destinations=trace,sluice_storage=trace,tower_http=trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), buf)
}

/// What was logged so far.
pub fn logged(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&buf.lock().expect("log buffer")).into_owned()
}

/// Sets a secret through the secrets API, as Infisical's SDKs do (create, else update).
pub async fn put_secret(app: &TestApp, env: &str, path: &str, key: &str, value: &str) {
    let body = json!({"workspaceId": app.project_id(), "environment": env, "secretPath": path, "secretValue": value});
    let url = format!("/api/v3/secrets/raw/{key}");
    let created = app.api.post(&url, body.clone()).await;
    if created.status != 200 {
        app.api.patch(&url, body).await.expect(200);
    }
}

/// A secret's value through the secrets API, or `None` when it does not exist.
pub async fn secret_value(app: &TestApp, env: &str, path: &str, key: &str) -> Option<String> {
    let url = format!("/api/v3/secrets/raw/{key}?workspaceId={}&environment={env}&secretPath={path}", app.project_id());
    let resp = app.api.get(&url).await;
    (resp.status == 200).then(|| resp.body["secret"]["secretValue"].as_str().expect("value").to_string())
}
