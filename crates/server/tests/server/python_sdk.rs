//! Proof with a real client: Infisical's official Python SDK (`infisicalsdk==1.0.18`)
//! drives a real server: universal-auth login, create, list (with an import and a
//! reference), get, update, delete. `scripts/test.sh` installs the SDK in a virtualenv
//! and sets `SLUICE_TEST_PYTHON`; without it the test says it was skipped (and fails
//! when `SLUICE_REQUIRE_EXTERNAL_TOOLS` is set, as in CI).

use serde_json::json;
use sluice_testkit::TestApp;

#[tokio::test]
async fn infisicals_python_sdk_works_unchanged() {
    let Some(python) = std::env::var("SLUICE_TEST_PYTHON").ok().filter(|p| !p.is_empty()) else {
        assert!(
            std::env::var("SLUICE_REQUIRE_EXTERNAL_TOOLS").is_err(),
            "SLUICE_TEST_PYTHON is not set but external tools are required"
        );
        eprintln!("skipped: SLUICE_TEST_PYTHON is not set (scripts/test.sh installs infisicalsdk==1.0.18 and sets it)");
        return;
    };
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
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
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/python/infisical_sdk_flow.py");
    let out = tokio::process::Command::new(&python)
        .arg(script)
        .env("SLUICE_URL", app.url())
        .env("SLUICE_CLIENT_ID", &app.creds.client_id)
        .env("SLUICE_CLIENT_SECRET", &app.creds.client_secret)
        .env("SLUICE_PROJECT_ID", &pid)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "the Python SDK flow failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all checks passed"));
    app.shutdown().await;
}
