//! Schema fuzzing of every operation (issue 16 §2): schemathesis, from PyPI, generates
//! requests for each operation of the served OpenAPI document (valid and invalid ones,
//! boundary values, wrong types, missing credentials) against a real server whose data
//! was seeded with canary values, and holds every answer to the document.
//!
//! The test seeds (here), `fuzz/schema_fuzz.py` drives schemathesis (document validity
//! first, then two runs: deletions last), `fuzz/sluice_fuzz_hooks.py` steers the generated
//! ids toward the seeded rows and checks every error answer for canaries, and
//! `fuzz/schemathesis.toml` holds the settings. The test then asserts: schemathesis found
//! nothing (no 5xx, every status documented, content type and body schema as documented, no
//! canary in any error), every operation was called, no leak was recorded, the server still
//! answers `/api/status`, and the jobs the fuzzed requests queued run through.
//!
//! Skipped with a message unless `SLUICE_TEST_PYTHON` has schemathesis (`scripts/test.sh`
//! installs it); failing instead when `SLUICE_REQUIRE_EXTERNAL_TOOLS` is set, as in CI.
//! Examples per operation: 25 (`SLUICE_FUZZ_EXAMPLES`), 100 with `SLUICE_PROOF_LONG=1`;
//! `SLUICE_FUZZ_SEED` replays a run. See docs/reliability.md.

use crate::access_support::{Machine, machine};
use crate::notify_support::webhook;
use crate::sync_support::{ACCOUNT_TOKEN, CONNECTIONS, SYNCS, sync_body};
use serde_json::{Value, json};
use sluice_railway_fake::{FakeRailway, Seed};
use sluice_testkit::{ApiClient, TestApp};
use std::collections::BTreeMap;
use std::time::Instant;

const FUZZ_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/server/fuzz");
const CI_EXAMPLES: u32 = 25;
const LONG_EXAMPLES: u32 = 100;

#[tokio::test]
async fn every_operation_survives_schema_fuzzing() {
    let Some(python) = python_with_schemathesis().await else { return };
    let started = Instant::now();
    let (_fake, app, seeded) = seeded_server().await;
    let examples = examples_per_operation();
    let out = tempfile::tempdir().expect("temp dir");
    let data = out.path().join("seed.json");
    std::fs::write(&data, serde_json::to_vec_pretty(&seeded.data).expect("json")).expect("write the seed");

    let mut command = tokio::process::Command::new(&python);
    command
        .arg(format!("{FUZZ_DIR}/schema_fuzz.py"))
        .args(["--url", &app.url(), "--examples", &examples.to_string()])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(out.path().join("run"))
        .env("SLUICE_FUZZ_TOKEN", &seeded.caller_token)
        .env("SLUICE_FUZZ_LOGOUT_TOKEN", &seeded.logout_token)
        .kill_on_drop(true);
    if let Ok(seed) = std::env::var("SLUICE_FUZZ_SEED") {
        command.args(["--seed", &seed]);
    }
    // The driver's output (schemathesis' progress and its report of each failure, by
    // operation) goes straight to the test's output.
    let status = command.status().await.expect("the schema-fuzzing driver runs");
    let stats: Value = std::fs::read(out.path().join("run/stats.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| panic!("the driver wrote no figures ({status}); its output is above"));

    // The figures first, so that a failing run shows them too.
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "schema fuzzing on {}: {} operations, {} fuzzed, {} requests ({} examples per operation and phase), \
         statuses {}, {} server errors, {} canary leaks, {:.0} s (schemathesis {} s)",
        backend(),
        stats["operations"],
        stats["operationsFuzzed"],
        stats["requests"],
        examples,
        stats["statuses"],
        stats["serverErrors"],
        stats["leaks"].as_array().map_or(0, Vec::len),
        seconds,
        stats["seconds"],
    );

    assert!(status.success(), "schemathesis found failures ({status}); they are listed above by operation");
    assert_eq!(stats["leaks"], json!([]), "error answers carried seeded secrets");
    assert_eq!(stats["serverErrors"], 0, "5xx answers");
    assert_eq!(stats["notFuzzed"], json!([]), "operations schemathesis never called");
    assert!(stats["operations"].as_u64().unwrap_or(0) > 100, "the document lists too few operations: {stats}");

    let alive = app.anonymous().get("/api/status").await;
    assert_eq!(alive.status, 200, "the server no longer answers /api/status: {}", alive.text);
    // The syncs, runs and deliveries the fuzzed requests queued run through as any would.
    let drained = app.drain_all().await;
    eprintln!("after fuzzing: {} queued jobs ran; left: {}", drained.runs, jobs_left(&app).await);
    app.shutdown().await;
}

/// The jobs still queued or running, by kind and state (`sync queued 2, …`), to say what a
/// failing end-of-run check found.
async fn jobs_left(app: &TestApp) -> String {
    let mut conn = app.state().store.read().await.expect("conn");
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, state, COUNT(*) FROM jobs WHERE state IN ('queued', 'running') GROUP BY kind, state",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("jobs left");
    let left: Vec<String> = rows.iter().map(|(kind, state, n)| format!("{kind} {state} {n}")).collect();
    if left.is_empty() { "none".to_string() } else { left.join(", ") }
}

/// The interpreter of `SLUICE_TEST_PYTHON` when it has schemathesis; `None` (the test is
/// skipped, with a message) otherwise, unless external tools are required.
async fn python_with_schemathesis() -> Option<String> {
    let required = std::env::var("SLUICE_REQUIRE_EXTERNAL_TOOLS").is_ok();
    let python = std::env::var("SLUICE_TEST_PYTHON").ok().filter(|p| !p.is_empty());
    let has_it = match &python {
        Some(p) => tokio::process::Command::new(p)
            .args(["-c", "import schemathesis"])
            .output()
            .await
            .is_ok_and(|o| o.status.success()),
        None => false,
    };
    if has_it {
        return python;
    }
    assert!(!required, "SLUICE_TEST_PYTHON ({python:?}) has no schemathesis but external tools are required");
    eprintln!(
        "skipped: SLUICE_TEST_PYTHON has no schemathesis (scripts/test.sh installs schemathesis==4.32.5 and sets it)"
    );
    None
}

fn examples_per_operation() -> u32 {
    if let Some(n) = std::env::var("SLUICE_FUZZ_EXAMPLES").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if std::env::var("SLUICE_PROOF_LONG").is_ok_and(|v| !v.is_empty() && v != "0") {
        LONG_EXAMPLES
    } else {
        CI_EXAMPLES
    }
}

fn backend() -> &'static str {
    if std::env::var("SLUICE_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// What the fuzzer gets: the seed file's content (see `fuzz/sluice_fuzz_hooks.py`), the
/// caller's token and a throwaway token for signing out.
struct Seeded {
    data: Value,
    caller_token: String,
    logout_token: String,
}

/// A fresh unique value; its name says where it was stored.
fn canary(kind: &str) -> String {
    format!("canary-{kind}-{}", uuid::Uuid::new_v4().simple())
}

/// A fake Railway that also accepts a canary account token, and a server whose default
/// project holds canary secrets, an import, a folder, an environment, a tag, a Railway
/// connection and a sync (run once), a webhook channel, a machine identity with a client
/// secret, a second user with a project membership, and a spare project for the deletions
/// of whole projects. The caller is the bootstrap admin user.
async fn seeded_server() -> (FakeRailway, TestApp, Seeded) {
    let railway_token = uuid::Uuid::new_v4().to_string();
    let mut railway_seed = Seed::example();
    let mut token = railway_seed.tokens.iter().find(|t| t.value == ACCOUNT_TOKEN).expect("account token").clone();
    token.value = railway_token.clone();
    railway_seed.tokens.push(token);
    let fake = FakeRailway::start(railway_seed).await.expect("fake Railway starts");
    let url = fake.graphql_url();
    let app = TestApp::spawn_with(Box::new(move |s| s.railway_api_url = url)).await;
    let pid = app.project_id().to_string();
    let org = app.org_id().to_string();
    let mut canaries = BTreeMap::new();
    canaries.insert("the Railway connection's token".to_string(), railway_token.clone());
    canaries.insert("the bootstrap admin's password".to_string(), app.creds.admin_password.clone());
    canaries.insert("the dev identity's client secret".to_string(), app.creds.client_secret.clone());
    canaries.insert("the dev identity's access token".to_string(), app.creds.access_token.clone());

    let caller = login(&app, &app.creds.admin_email, &app.creds.admin_password).await;
    let logout_token = login(&app, &app.creds.admin_email, &app.creds.admin_password).await;
    let api = app.client_with(&caller);

    // Secrets: canary values in dev (at the root and in /app) and staging, an import of
    // staging's into dev's /app.
    let folder_app = create_folder(&api, &pid, "dev", "app").await;
    let _ = create_folder(&api, &pid, "staging", "shared").await;
    for (env, path, key) in
        [("dev", "/", "DB_PASSWORD"), ("dev", "/app", "API_KEY"), ("staging", "/shared", "SHARED_TOKEN")]
    {
        let value = canary(&key.to_lowercase());
        let body = json!({"workspaceId": pid, "environment": env, "secretPath": path, "secretValue": value});
        api.post(&format!("/api/v3/secrets/raw/{key}"), body).await.expect(200);
        canaries.insert(format!("the secret {env}:{path}/{key}"), value);
    }
    let import = api
        .post(
            "/api/v1/secret-imports",
            json!({"projectId": pid, "environment": "dev", "path": "/app", "import": {"environment": "staging", "path": "/shared"}}),
        )
        .await
        .expect(200);
    let import_id = id(&import["secretImport"]);
    let folder_spare = create_folder(&api, &pid, "dev", "spare").await;
    let env = api
        .post(&format!("/api/v1/projects/{pid}/environments"), json!({"name": "QA", "slug": "qa"}))
        .await
        .expect(200);
    let env_id = id(&env["environment"]);
    let tag = api.post(&format!("/api/v1/projects/{pid}/tags"), json!({"slug": "fuzzed", "color": "#aabbcc"})).await;
    let tag = tag.expect(200)["tag"].clone();

    // Railway: a connection with the canary token and a sync of dev's /app, run once.
    let connection = api
        .post(
            CONNECTIONS,
            json!({"name": "fuzz-railway", "method": "account-token", "credentials": {"apiToken": railway_token}}),
        )
        .await
        .expect(200)["appConnection"]
        .clone();
    let connection_id = id(&connection);
    let sync = api.post(SYNCS, sync_body(&app, "fuzz-sync", &connection_id, "/app")).await.expect(200);
    let sync_id = id(&sync["secretSync"]);
    app.drain_all().await;

    // A webhook channel (its signing secret is a canary) to a port nothing listens on.
    let (channel, signing_secret) = webhook(&app, "fuzz-hook", "http://127.0.0.1:9/hook", None).await;
    canaries.insert("the webhook channel's signing secret".to_string(), signing_secret);

    // A machine identity with universal auth: its client secret and token are canaries.
    let Machine { identity_id, client_secret, token, .. } = machine(&app, "member").await;
    let secrets = api.get(&format!("/api/v1/auth/universal-auth/identities/{identity_id}/client-secrets")).await;
    let client_secret_id = id(&secrets.expect(200)["clientSecretData"][0]);
    canaries.insert("a machine identity's client secret".to_string(), client_secret);
    canaries.insert("a machine identity's access token".to_string(), token);
    api.post(&format!("/api/v1/projects/{pid}/identity-memberships/{identity_id}"), json!({"role": "viewer"}))
        .await
        .expect(200);

    // A second user (its password is a canary) in the organization and the project.
    let password = canary("password");
    let added = api
        .post(
            &format!("/api/v1/organization/{org}/users"),
            json!({"email": "fuzz-user@example.com", "password": password}),
        )
        .await
        .expect(200);
    canaries.insert("a second user's password".to_string(), password);
    let org_membership_id = id(&added["membership"]);
    let members = api
        .post(
            &format!("/api/v1/projects/{pid}/memberships"),
            json!({"emails": ["fuzz-user@example.com"], "roleSlugs": ["viewer"]}),
        )
        .await
        .expect(200);
    let project_membership_id = id(&members["memberships"][0]);

    // A project of its own for the deletions of whole projects.
    let spare = api.post("/api/v1/projects", json!({"projectName": "spare"})).await.expect(200);
    let spare_id = id(&spare["project"]);
    let slug = api.get(&format!("/api/v1/projects/{pid}")).await.expect(200)["project"]["slug"].clone();

    let ids = json!({
        "projectId": [pid], "workspaceId": [pid], "organizationId": [org], "slug": [slug],
        "environment": ["dev", "staging"], "secretPath": ["/", "/app"], "path": ["/", "/app"],
        "secretName": ["DB_PASSWORD", "API_KEY"], "folderId": [folder_spare, folder_app],
        "secretImportId": [import_id], "envId": [env_id], "tagId": [id(&tag)], "tagSlug": [tag["slug"]],
        "connectionId": [connection_id], "connectionName": ["fuzz-railway"],
        "syncId": [sync_id], "syncName": ["fuzz-sync"], "channelId": [id(&channel)],
        "identityId": [identity_id], "clientSecretId": [client_secret_id],
        "membershipId": [project_membership_id, org_membership_id],
    });
    let ids_for = json!({
        "DELETE /api/v1/projects/{projectId}": {"projectId": [spare_id]},
        "DELETE /api/v1/workspace/{workspaceId}": {"workspaceId": [spare_id]},
        "PATCH /api/v2/organizations/{organizationId}/memberships/{membershipId}": {"membershipId": [org_membership_id]},
    });
    let rows = json!([
        {"environment": "dev", "secretPath": "/", "path": "/", "secretName": "DB_PASSWORD"},
        {"environment": "dev", "secretPath": "/app", "path": "/app", "secretName": "API_KEY"},
        {"environment": "staging", "secretPath": "/shared", "path": "/shared", "secretName": "SHARED_TOKEN"},
    ]);
    let data =
        json!({"canaries": canaries, "inputCanary": canary("input"), "ids": ids, "rows": rows, "idsFor": ids_for});
    (fake, app, Seeded { data, caller_token: caller, logout_token })
}

async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let body = json!({"email": email, "password": password});
    let resp = app.anonymous().post("/api/v1/auth/login", body).await.expect(200);
    resp["accessToken"].as_str().expect("access token").to_string()
}

async fn create_folder(api: &ApiClient, project: &str, env: &str, name: &str) -> String {
    let body = json!({"projectId": project, "environment": env, "name": name, "path": "/"});
    id(&api.post("/api/v1/folders", body).await.expect(200)["folder"])
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}
