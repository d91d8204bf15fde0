//! The audit-log reader: Infisical's entry shape, filters, who may read, and that entries
//! never hold secrets.

use crate::access_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn types(logs: &Value) -> Vec<String> {
    logs["auditLogs"]
        .as_array()
        .expect("logs")
        .iter()
        .map(|e| e["event"]["type"].as_str().expect("type").to_string())
        .collect()
}

#[tokio::test]
async fn project_admins_read_the_log_newest_first_in_infisicals_shape() {
    let app = TestApp::spawn().await;
    let base = format!("/api/v1/projects/{}", app.project_id());
    let env = app.api.post(&format!("{base}/environments"), json!({"name": "QA", "slug": "qa"})).await.expect(200);
    let env_id = env["environment"]["id"].as_str().expect("id").to_string();
    app.api.patch(&format!("{base}/environments/{env_id}"), json!({"slug": "qa-2"})).await.expect(200);
    app.api.patch(&base, json!({"description": "audited"})).await.expect(200);

    let logs = app.api.get(&format!("{base}/audit-logs")).await.expect(200);
    let kinds = types(&logs);
    assert_eq!(kinds[..3], ["update-project", "update-environment", "create-environment"], "{kinds:?}");
    let entry = &logs["auditLogs"][1];
    assert_eq!(entry["actor"]["type"], "identity");
    assert_eq!(entry["actor"]["metadata"]["identityId"], app.creds.identity_id.as_str());
    assert_eq!(entry["actor"]["metadata"]["name"], "dev-identity");
    assert_eq!(entry["event"]["metadata"]["oldSlug"], "qa");
    assert_eq!(entry["event"]["metadata"]["newSlug"], "qa-2");
    assert_eq!(entry["target"], json!({"type": "environment", "id": env_id}));
    assert_eq!(entry["ipAddress"], "127.0.0.1");
    assert!(entry["userAgent"].is_string() || entry["userAgent"].is_null());
    assert_eq!(entry["projectId"], app.project_id());
    assert_eq!(entry["orgId"], app.org_id());
    assert!(entry["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(uuid::Uuid::parse_str(entry["id"].as_str().expect("id")).is_ok());

    let via_org =
        app.api.get(&format!("/api/v1/organization/audit-logs?projectId={}", app.project_id())).await.expect(200);
    assert_eq!(via_org, logs, "Infisical's path reads the same log");
    app.shutdown().await;
}

#[tokio::test]
async fn filters_narrow_the_log_and_bad_ones_are_named() {
    let app = TestApp::spawn().await;
    let base = format!("/api/v1/projects/{}", app.project_id());
    let viewer = project_member(&app, "viewer").await;
    for slug in ["a1", "a2", "a3"] {
        app.api.post(&format!("{base}/environments"), json!({"name": slug, "slug": slug})).await.expect(200);
    }
    let logs = format!("{base}/audit-logs");
    let created = app.api.get(&format!("{logs}?eventType=create-environment")).await.expect(200);
    assert_eq!(types(&created), ["create-environment"; 3]);
    let two = app
        .api
        .get(&format!("{logs}?eventType=create-environment,create-identity-project-membership"))
        .await
        .expect(200);
    assert_eq!(two["auditLogs"].as_array().expect("logs").len(), 4);
    let page = app.api.get(&format!("{logs}?eventType=create-environment&limit=1&offset=1")).await.expect(200);
    assert_eq!(page["auditLogs"][0]["event"]["metadata"]["slug"], "a2");
    let by_actor = app.api.get(&format!("{logs}?actor={}", viewer.identity_id)).await.expect(200);
    assert_eq!(by_actor["auditLogs"], json!([]), "the viewer wrote nothing");
    let by_type = app.api.get(&format!("{logs}?actorType=identity&eventType=create-environment")).await.expect(200);
    assert_eq!(by_type["auditLogs"].as_array().expect("logs").len(), 3);
    let future = app.api.get(&format!("{logs}?startDate=2999-01-01T00:00:00Z")).await.expect(200);
    assert_eq!(future["auditLogs"], json!([]));
    let past = app.api.get(&format!("{logs}?endDate=2000-01-01T00:00:00.000Z")).await.expect(200);
    assert_eq!(past["auditLogs"], json!([]));
    let all_time =
        app.api.get(&format!("{logs}?startDate=2000-01-01T00:00:00Z&endDate=2999-01-01T00:00:00Z&limit=1000")).await;
    assert!(all_time.expect(200)["auditLogs"].as_array().expect("logs").len() >= 4);

    for (query, field) in [
        ("startDate=yesterday", "query.startDate"),
        ("limit=0", "query.limit"),
        ("limit=1001", "query.limit"),
        ("limit=ten", "query.limit"),
        ("offset=-3", "query.offset"),
        ("actorType=robot", "query.actorType"),
        ("startDate=2025-02-01T00:00:00Z&endDate=2025-01-01T00:00:00Z", "query.endDate"),
    ] {
        let resp = app.api.get(&format!("{logs}?{query}")).await;
        assert_eq!(resp.status, 422, "{query}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{query}: {}", resp.message());
    }
    app.shutdown().await;
}

#[tokio::test]
async fn only_project_admins_read_a_projects_log() {
    let app = TestApp::spawn().await;
    let logs = format!("/api/v1/projects/{}/audit-logs", app.project_id());
    for role in ["viewer", "member"] {
        let m = project_member(&app, role).await;
        let resp = m.client.get(&logs).await;
        assert_eq!(resp.status, 403, "{role}: {}", resp.text);
    }
    let admin = project_member(&app, "admin").await;
    admin.client.get(&logs).await.expect(200);
    // Organization-wide reading needs the organization's admin role.
    let org_member = machine(&app, "member").await;
    assert_eq!(org_member.client.get("/api/v1/organization/audit-logs").await.status, 403);
    let org_wide = app.api.get("/api/v1/organization/audit-logs?limit=1000").await.expect(200);
    let kinds = types(&org_wide);
    assert!(
        kinds.contains(&"create-identity".to_string()) && kinds.contains(&"login-identity-universal-auth".to_string()),
        "{kinds:?}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn logins_are_audited_without_secrets() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "member").await;
    let refused = reqwest::Client::new()
        .post(format!("{}{LOGIN}", app.url()))
        .header("user-agent", "InfisicalPythonSDK/1.0.18")
        .json(&json!({"clientId": m.client_id, "clientSecret": "scs_not-it"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 401);
    let entries = audit_rows(&app, "login-identity-universal-auth").await;
    let (ok, failed): (Vec<_>, Vec<_>) = entries.iter().partition(|e| e.metadata["success"] == true);
    assert_eq!(ok.len(), 1, "the machine's one login: {entries:?}");
    assert_eq!(ok[0].actor_id.as_deref(), Some(m.identity_id.as_str()));
    assert_eq!(ok[0].metadata["clientId"], m.client_id.as_str());
    assert!(ok[0].metadata["identityAccessTokenId"].is_string());
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(failed[0].user_agent.as_deref(), Some("InfisicalPythonSDK/1.0.18"));
    let read = app
        .api
        .get("/api/v1/organization/audit-logs?eventType=login-identity-universal-auth&actorType=anonymous")
        .await;
    let read = read.expect(200);
    assert_eq!(read["auditLogs"][0]["userAgentType"], "InfisicalPythonSDK");
    assert_eq!(read["auditLogs"][0]["event"]["metadata"]["success"], false);
    let text = format!("{entries:?}");
    assert!(!text.contains(&m.client_secret) && !text.contains("scs_not-it") && !text.contains(&m.token));
    app.shutdown().await;
}
