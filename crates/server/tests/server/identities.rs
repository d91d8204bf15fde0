//! Machine identities and their universal auth through the API: shapes, validation,
//! organization-admin checks, client secrets shown once, removal revoking tokens.

use crate::access_support::*;
use serde_json::json;
use sluice_testkit::TestApp;

#[tokio::test]
async fn identities_are_created_read_renamed_listed_and_deleted() {
    let app = TestApp::spawn().await;
    let org = app.org_id();
    let created =
        app.api.post("/api/v1/identities", json!({"name": " ci-bot ", "organizationId": org})).await.expect(200);
    let identity = &created["identity"];
    let id = identity["id"].as_str().expect("id").to_string();
    assert_eq!(identity["name"], "ci-bot");
    assert_eq!(identity["orgId"], org);
    assert_eq!(identity["role"], "member", "Infisical's default no-access reads as member");
    assert_eq!(identity["authMethods"], json!([]));
    for key in ["createdAt", "updatedAt"] {
        assert!(identity[key].as_str().is_some_and(|t| t.ends_with('Z')), "{key}");
    }

    let got = app.api.get(&format!("/api/v1/identities/{id}")).await.expect(200);
    assert_eq!(got["identity"]["id"], id.as_str());
    let patched =
        app.api.patch(&format!("/api/v1/identities/{id}"), json!({"name": "deploy-bot", "role": "admin"})).await;
    let patched = patched.expect(200);
    assert_eq!(
        (patched["identity"]["name"].as_str(), patched["identity"]["role"].as_str()),
        (Some("deploy-bot"), Some("admin"))
    );

    let listed = app.api.get(&format!("/api/v2/organizations/{org}/identity-memberships")).await.expect(200);
    let entry = listed["identityMemberships"]
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["identity"]["id"] == id.as_str())
        .expect("listed")
        .clone();
    assert_eq!(entry["role"], "admin");
    assert_eq!(entry["identityId"], id.as_str());
    assert_eq!(listed["totalCount"], listed["identityMemberships"].as_array().expect("list").len());
    let older = app.api.get(&format!("/api/v1/identities?orgId={org}")).await.expect(200);
    assert_eq!(older["identities"], listed["identityMemberships"]);

    let deleted = app.api.delete(&format!("/api/v1/identities/{id}")).await.expect(200);
    assert_eq!(deleted["identity"]["id"], id.as_str());
    let gone = app.api.get(&format!("/api/v1/identities/{id}")).await;
    assert_eq!((gone.status, gone.message().to_string()), (404, format!("Identity with ID '{id}' not found")));
    let own = app.api.delete(&format!("/api/v1/identities/{}", app.creds.identity_id)).await;
    assert_eq!(own.status, 403, "an identity cannot delete itself: {}", own.text);

    let entries = audit_rows(&app, "create-identity").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_id.as_deref(), Some(app.creds.identity_id.as_str()));
    assert_eq!(audit_rows(&app, "update-identity").await.len(), 1);
    assert_eq!(audit_rows(&app, "delete-identity").await.len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn identity_requests_are_validated_field_by_field() {
    let app = TestApp::spawn().await;
    let org = app.org_id();
    let cases = [
        (json!({"name": "", "organizationId": org}), "body.name"),
        (json!({"name": "x".repeat(65), "organizationId": org}), "body.name"),
        // PostgreSQL cannot store a NUL (found by the schema fuzzing, answered 500 there).
        (json!({"name": "bot\u{0}", "organizationId": org}), "body.name"),
        (json!({"name": "bot\u{13}1", "organizationId": org}), "body.name"),
        (json!({"name": "ok", "organizationId": "not-a-uuid"}), "body.organizationId"),
        (json!({"name": "ok", "organizationId": org, "role": "owner"}), "body.role"),
        (json!({"organizationId": org}), "body"),
    ];
    for (body, field) in cases {
        let resp = app.api.post("/api/v1/identities", body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }
    assert!(audit_rows(&app, "create-identity").await.is_empty(), "nothing was created");
    app.shutdown().await;
}

#[tokio::test]
async fn only_organization_admins_manage_identities_and_other_orgs_see_nothing() {
    let app = TestApp::spawn().await;
    let member = machine(&app, "member").await;
    let resp = member.client.post("/api/v1/identities", json!({"name": "x", "organizationId": app.org_id()})).await;
    assert_eq!(resp.status, 403, "{}", resp.text);
    let resp = member.client.get(&format!("/api/v1/identities/{}", app.creds.identity_id)).await;
    assert_eq!(resp.status, 403);
    let resp = member.client.post(&format!("{}/client-secrets", ua_path(&app.creds.identity_id)), json!({})).await;
    assert_eq!(resp.status, 403);

    let (_, stranger) = other_org(&app).await;
    let real = app.creds.identity_id.clone();
    let fake = uuid::Uuid::new_v4().to_string();
    for path in [
        "/api/v1/identities/{}",
        "/api/v1/auth/universal-auth/identities/{}",
        "/api/v1/auth/universal-auth/identities/{}/client-secrets",
    ] {
        let a = stranger.client.get(&path.replace("{}", &real)).await;
        let b = stranger.client.get(&path.replace("{}", &fake)).await;
        assert_eq!((a.status, b.status), (404, 404), "{path}");
        assert_eq!(without(a.message(), &real), without(b.message(), &fake), "{path}");
    }
    let resp = stranger.client.get(&format!("/api/v2/organizations/{}/identity-memberships", app.org_id())).await;
    assert_eq!(resp.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn universal_auth_is_attached_read_updated_and_validated() {
    let app = TestApp::spawn().await;
    let created =
        app.api.post("/api/v1/identities", json!({"name": "svc", "organizationId": app.org_id()})).await.expect(200);
    let id = created["identity"]["id"].as_str().expect("id").to_string();
    let path = ua_path(&id);

    let bad = [
        (json!({"accessTokenTTL": 100, "accessTokenMaxTTL": 50}), "body.accessTokenTTL"),
        (json!({"accessTokenTTL": -1}), "body.accessTokenTTL"),
        (json!({"accessTokenMaxTTL": 315_360_001}), "body.accessTokenMaxTTL"),
        (json!({"accessTokenNumUsesLimit": -2}), "body.accessTokenNumUsesLimit"),
        (json!({"clientSecretTrustedIps": []}), "body.clientSecretTrustedIps"),
        (json!({"clientSecretTrustedIps": [{"ipAddress": "10.0.0.0/33"}]}), "body.clientSecretTrustedIps[0].ipAddress"),
        (
            json!({"accessTokenTrustedIps": [{"ipAddress": "::1"}, {"ipAddress": "nope"}]}),
            "body.accessTokenTrustedIps[1].ipAddress",
        ),
    ];
    for (body, field) in bad {
        let resp = app.api.post(&path, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }
    let ttl_error = app.api.post(&path, json!({"accessTokenTTL": 100, "accessTokenMaxTTL": 50})).await;
    assert!(ttl_error.message().contains("cannot be greater than accessTokenMaxTTL"), "{}", ttl_error.message());

    let attached = app.api.post(&path, json!({"accessTokenTTL": 600, "accessTokenMaxTTL": 3600})).await.expect(200);
    let ua = &attached["identityUniversalAuth"];
    assert_eq!(ua["identityId"], id.as_str());
    assert_eq!((ua["accessTokenTTL"].as_i64(), ua["accessTokenMaxTTL"].as_i64()), (Some(600), Some(3600)));
    assert_eq!(ua["accessTokenNumUsesLimit"], 0);
    assert_eq!(ua["clientSecretTrustedIps"][0], json!({"ipAddress": "0.0.0.0", "type": "ipv4", "prefix": 0}));
    assert!(uuid::Uuid::parse_str(ua["clientId"].as_str().expect("clientId")).is_ok());
    let again = app.api.post(&path, json!({})).await;
    assert_eq!(again.status, 400, "{}", again.text);
    assert_eq!(app.api.get(&path).await.expect(200), attached);
    let got = app.api.get(&format!("/api/v1/identities/{id}")).await.expect(200);
    assert_eq!(got["identity"]["authMethods"], json!(["universal-auth"]));

    let patched = app.api.patch(&path, json!({"accessTokenMaxTTL": 7200})).await.expect(200);
    assert_eq!(patched["identityUniversalAuth"]["accessTokenTTL"], 600, "fields left out keep their values");
    assert_eq!(patched["identityUniversalAuth"]["accessTokenMaxTTL"], 7200);
    let too_low = app.api.patch(&path, json!({"accessTokenMaxTTL": 60})).await;
    assert_eq!(too_low.status, 422);
    assert!(too_low.message().starts_with("body.accessTokenMaxTTL"), "{}", too_low.message());
    assert_eq!(app.api.get(&path).await.expect(200)["identityUniversalAuth"]["accessTokenMaxTTL"], 7200, "unchanged");

    let audit = audit_rows(&app, "add-identity-universal-auth").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].metadata["accessTokenTTL"], 600);
    assert_eq!(audit_rows(&app, "update-identity-universal-auth").await.len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn client_secrets_are_shown_once_listed_by_prefix_and_revoked() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "member").await;
    let secrets = format!("{}/client-secrets", ua_path(&m.identity_id));
    let created =
        app.api.post(&secrets, json!({"description": "ci", "ttl": 3600, "numUsesLimit": 5})).await.expect(200);
    let plain = created["clientSecret"].as_str().expect("secret").to_string();
    let data = &created["clientSecretData"];
    assert_eq!((data["description"].as_str(), data["clientSecretTTL"].as_i64()), (Some("ci"), Some(3600)));
    assert_eq!(data["clientSecretNumUsesLimit"], 5);
    assert_eq!(data["isClientSecretRevoked"], false);
    assert!(plain.starts_with(data["clientSecretPrefix"].as_str().expect("prefix")));
    let listed = app.api.get(&secrets).await;
    assert!(!listed.text.contains(&plain) && !listed.text.contains(&m.client_secret), "never the secrets");
    assert!(!listed.text.contains("argon2"), "never the hashes");
    let listed = listed.expect(200);
    assert_eq!(listed["clientSecretData"].as_array().expect("list").len(), 2);

    for (body, field) in [
        (json!({"ttl": -1}), "body.ttl"),
        (json!({"ttl": 315_360_001}), "body.ttl"),
        (json!({"numUsesLimit": -1}), "body.numUsesLimit"),
        (json!({"description": "d".repeat(257)}), "body.description"),
    ] {
        let resp = app.api.post(&secrets, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}");
        assert!(resp.message().starts_with(field), "{}", resp.message());
    }

    let secret_id = data["id"].as_str().expect("id");
    app.api.post(&format!("{secrets}/{secret_id}/revoke"), json!({})).await.expect(200);
    let after = app.api.get(&secrets).await.expect(200);
    assert_eq!(after["clientSecretData"].as_array().expect("list").len(), 1, "revoked secrets leave the list");
    let unknown = app.api.get(&format!("{secrets}/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(unknown.status, 404);
    let entries = audit_rows(&app, "create-identity-universal-auth-client-secret").await;
    assert!(entries.iter().all(|e| !e.metadata.to_string().contains(&plain)));
    assert_eq!(audit_rows(&app, "revoke-identity-universal-auth-client-secret").await.len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn removing_universal_auth_revokes_tokens_and_secrets() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "admin").await;
    m.client.get("/api/v1/projects").await.expect(200);
    let removed = app.api.delete(&ua_path(&m.identity_id)).await.expect(200);
    assert_eq!(removed["identityUniversalAuth"]["clientId"], m.client_id.as_str());
    assert_eq!(m.client.get("/api/v1/projects").await.status, 401, "its tokens stopped at once");
    assert_eq!(login(&app, &m.client_id, &m.client_secret).await.status, 401);
    assert_eq!(app.api.get(&ua_path(&m.identity_id)).await.status, 404);
    // Attaching again starts without the old secrets.
    let again = app.api.post(&ua_path(&m.identity_id), json!({})).await.expect(200);
    let client_id = again["identityUniversalAuth"]["clientId"].as_str().expect("clientId");
    assert_ne!(client_id, m.client_id);
    assert_eq!(login(&app, client_id, &m.client_secret).await.status, 401);
    let entries = audit_rows(&app, "revoke-identity-universal-auth").await;
    assert_eq!(entries[0].metadata["accessTokensRevoked"], 1);
    app.shutdown().await;
}
