//! Start-up, bootstrap, errors, status.

use serde_json::json;
use sluice_testkit::{TestApp, TestDatabase, test_settings};

#[tokio::test]
async fn status_reports_the_backend() {
    let app = TestApp::spawn().await;
    let body = app.anonymous().get("/api/status").await.expect(200);
    assert_eq!(body["message"], "Ok");
    assert_eq!(body["database"], app.db.backend);
    app.shutdown().await;
}

#[tokio::test]
async fn bootstrap_works_once_and_returns_infisicals_shape() {
    let db = TestDatabase::fresh().await;
    let server = sluice_server::start(test_settings(&db, sluice_crypto::RootKey::generate())).await.expect("start");
    let api = sluice_testkit::ApiClient::new(server.url(), None);
    let body = api
        .post(
            "/api/v1/admin/bootstrap",
            json!({"email": "Ops@Example.com", "password": "a long password", "organization": "Acme Inc"}),
        )
        .await
        .expect(200);
    assert_eq!(body["user"]["email"], "ops@example.com");
    assert_eq!(body["user"]["superAdmin"], true);
    assert_eq!(body["organization"]["slug"], "acme-inc");
    let token = body["identity"]["credentials"]["token"].as_str().expect("token");
    assert!(!token.starts_with("st."));
    for key in ["id", "username", "firstName", "lastName"] {
        assert!(body["user"].get(key).is_some(), "user.{key} missing");
    }
    // The token it returns works.
    api.with_token(token).get("/api/v1/projects").await;
    let again = api
        .post(
            "/api/v1/admin/bootstrap",
            json!({"email": "x@example.com", "password": "another password", "organization": "Other"}),
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.message(), "Instance has already been set up");
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_json_names_line_and_column() {
    let app = TestApp::spawn().await;
    // The seed page's own sample has a trailing comma after "serviceName".
    let body = "{\n  \"email\": \"a@b.co\",\n  \"password\": \"password1\",\n  \"organization\": \"x\",\n}";
    let resp = app.anonymous().send_raw(reqwest::Method::POST, "/api/v1/admin/bootstrap", body).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.body["error"], "BadRequest");
    assert_eq!(resp.body["statusCode"], 400);
    assert!(resp.body["reqId"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(resp.message(), "Malformed JSON in request body at line 5, column 1: trailing comma");
    app.shutdown().await;
}

#[tokio::test]
async fn validation_failures_name_the_field() {
    let app = TestApp::spawn().await;
    let resp = app.anonymous().post("/api/v1/admin/bootstrap", json!({"email": "a@b.co", "password": 5})).await;
    assert_eq!(resp.status, 422);
    assert_eq!(resp.body["error"], "ValidationFailure");
    assert!(resp.message().starts_with("body.password: invalid type"), "{}", resp.message());
    app.shutdown().await;
}

#[tokio::test]
async fn requests_without_a_token_are_refused() {
    let app = TestApp::spawn().await;
    let resp = app.anonymous().get("/api/v1/projects").await;
    assert_eq!(resp.status, 401, "{}", resp.text);
    let resp = app.client_with("sat_not-a-real-token").get("/api/v1/projects").await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.message(), "Invalid or expired access token");
    app.shutdown().await;
}

#[tokio::test]
async fn starting_with_the_wrong_root_key_fails_before_serving() {
    let mut app = TestApp::spawn().await;
    let mut settings = app.settings().clone();
    app.stop().await;
    settings.root_key = sluice_crypto::RootKey::generate();
    let err = sluice_server::start(settings).await.err().expect("must refuse to start");
    assert!(err.to_string().contains("root encryption key does not match"), "{err}");
    app.shutdown().await;
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let anon = app.anonymous();
    let doc = anon.get("/api/docs/openapi.json").await.expect(200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v3/secrets/raw",
        "/api/v1/auth/universal-auth/login",
        "/api/v1/secret-syncs/railway",
        "/api/v1/app-connections/railway",
    ] {
        assert!(paths.contains_key(path), "{path} is documented; documented: {:?}", paths.keys().collect::<Vec<_>>());
    }
    let page = anon.get("/api/docs/").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("swagger-ui"), "Swagger UI's page: {}", page.text);
    assert!(!page.text.contains("https://"), "no CDN: everything comes from the binary");
    let bundle = anon.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.text.len() > 100_000, "the Swagger UI bundle is served ({} bytes)", bundle.text.len());
    let init = anon.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    assert!(init.text.contains("\"/api/docs/openapi.json\""), "Swagger UI reads the document: {}", init.text);
    app.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_infisicals_shape_and_pages_in_the_uis() {
    let app = sluice_testkit::TestApp::spawn().await;
    let r = app.api.get("/api/v1/no-such-thing").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["statusCode"], 404);
    assert_eq!(r.body["error"], "Not Found");
    assert_eq!(r.body["message"], "Route GET:/api/v1/no-such-thing not found");
    assert!(r.body["reqId"].as_str().is_some_and(|id| !id.is_empty()), "{}", r.body);
    let kms = app.api.get("/api/v1/kms/keys").await;
    assert_eq!(kms.status, 404);
    assert_eq!(
        kms.body["message"],
        "Route GET:/api/v1/kms/keys not found: Key management (KMS) is not available in Sluice"
    );
    let dynamic = app.api.post("/api/v1/dynamic-secrets", serde_json::json!({})).await;
    assert!(dynamic.body["message"].as_str().unwrap_or_default().contains("Dynamic secrets is not available"));
    // A known path with another method: 405, same shape.
    let wrong = app.api.send(reqwest::Method::DELETE, "/api/v1/secret-syncs/options", None).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.body["statusCode"], 405);
    assert_eq!(wrong.body["error"], "Method Not Allowed");
    assert!(
        wrong.body["message"].as_str().unwrap_or_default().starts_with("Route DELETE:/api/v1/secret-syncs/options")
    );
    // A browser path: an HTML page with a way home.
    let page = reqwest::get(format!("{}/no/such/page", app.url())).await.expect("get");
    assert_eq!(page.status().as_u16(), 404);
    let html = page.text().await.expect("body");
    assert!(html.contains("There is no page at /no/such/page.") && html.contains("href=\"/projects\""), "{html}");
    app.shutdown().await;
}

#[tokio::test]
async fn the_configured_body_limit_holds_and_api_answers_are_never_cached() {
    let app = sluice_testkit::TestApp::spawn().await;
    // 3 MiB is within the configured 4 MiB (axum's own default is 2 MiB): read, then judged.
    let within = format!("{{\"padding\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let r = app.api.send_raw(reqwest::Method::POST, "/api/v3/secrets/raw/BIG", &within).await;
    assert_eq!(r.status, 422, "read and judged on its fields, not refused for its size: {}", r.body);
    // Over the limit: 413 in Infisical's shape, and nothing is written.
    let over = format!("{{\"padding\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let r = app.api.send_raw(reqwest::Method::POST, "/api/v3/secrets/raw/BIG", &over).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body["statusCode"], 413);
    assert_eq!(r.body["message"], "The request body is larger than 4 MiB, the most this server reads");
    // Answers that may carry secret values are never stored by caches or sniffed.
    let http = reqwest::Client::new();
    let status = http.get(format!("{}/api/status", app.url())).send().await.expect("status");
    assert_eq!(status.headers()["cache-control"], "no-store");
    assert_eq!(status.headers()["x-content-type-options"], "nosniff");
    app.shutdown().await;
}
