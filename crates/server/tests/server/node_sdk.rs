//! Proof with a real client: Infisical's official Node SDK (`@infisical/sdk` 5.0.2) drives a
//! real server (`tests/node/infisical_sdk_flow.cjs`): universal-auth login and renewal,
//! projects (and adding a user), environments and folders, secrets CRUD with a reference, imports, and what
//! the SDK shows for a route Sluice does not have. `scripts/test.sh` installs the SDK with
//! npm into `target/node-sdk` and sets `SLUICE_TEST_NODE_SDK`; without it the test says it
//! was skipped (and fails when `SLUICE_REQUIRE_EXTERNAL_TOOLS` is set, as in CI).

use serde_json::json;
use sluice_testkit::TestApp;

#[tokio::test]
async fn infisicals_node_sdk_works_unchanged() {
    let Some(sdk_dir) = std::env::var("SLUICE_TEST_NODE_SDK").ok().filter(|p| !p.is_empty()) else {
        assert!(
            std::env::var("SLUICE_REQUIRE_EXTERNAL_TOOLS").is_err(),
            "SLUICE_TEST_NODE_SDK is not set but external tools are required"
        );
        eprintln!(
            "skipped: SLUICE_TEST_NODE_SDK is not set (scripts/test.sh installs @infisical/sdk@5.0.2 into target/node-sdk and sets it)"
        );
        return;
    };
    let node = std::env::var("SLUICE_TEST_NODE").unwrap_or_else(|_| "node".to_string());
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();

    // A machine identity of its own, with universal auth, administering the project.
    let org = app.org_id().to_string();
    let identity = app
        .api
        .post("/api/v1/identities", json!({"name": "node-sdk", "organizationId": org, "role": "member"}))
        .await
        .expect(200)["identity"]["id"]
        .as_str()
        .expect("identity id")
        .to_string();
    let ua = format!("/api/v1/auth/universal-auth/identities/{identity}");
    let client_id = app.api.post(&ua, json!({})).await.expect(200)["identityUniversalAuth"]["clientId"]
        .as_str()
        .expect("clientId")
        .to_string();
    let client_secret = app.api.post(&format!("{ua}/client-secrets"), json!({})).await.expect(200)["clientSecret"]
        .as_str()
        .expect("clientSecret")
        .to_string();
    app.api
        .post(&format!("/api/v1/projects/{pid}/identity-memberships/{identity}"), json!({"role": "admin"}))
        .await
        .expect(200);

    // staging:/shared holds SHARED_TOKEN; dev:/app imports it (the SDK cannot make imports).
    app.api
        .post("/api/v1/folders", json!({"projectId": pid, "environment": "staging", "name": "shared", "path": "/"}))
        .await
        .expect(200);
    app.api
        .post(
            "/api/v3/secrets/raw/SHARED_TOKEN",
            json!({"workspaceId": pid, "environment": "staging", "secretPath": "/shared", "secretValue": "tok-123"}),
        )
        .await
        .expect(200);
    app.api
        .post("/api/v1/folders", json!({"projectId": pid, "environment": "dev", "name": "app", "path": "/"}))
        .await
        .expect(200);
    app.api
        .post(
            "/api/v1/secret-imports",
            json!({"projectId": pid, "environment": "dev", "path": "/app", "import": {"environment": "staging", "path": "/shared"}}),
        )
        .await
        .expect(200);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/node/infisical_sdk_flow.cjs");
    let out = tokio::process::Command::new(&node)
        .arg(script)
        .env("SLUICE_TEST_NODE_SDK", &sdk_dir)
        .env("SLUICE_URL", app.url())
        .env("SLUICE_CLIENT_ID", &client_id)
        .env("SLUICE_CLIENT_SECRET", &client_secret)
        .env("SLUICE_PROJECT_ID", &pid)
        .env("SLUICE_ADMIN_EMAIL", &app.creds.admin_email)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "the Node SDK flow failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all checks passed"));
    app.shutdown().await;
}
