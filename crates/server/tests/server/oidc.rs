//! OIDC login of machine identities against a local issuer on loopback (discovery + JWKS,
//! real RS256 and ES256 tokens): a good token logs in and reads secrets; each bad token is
//! a 401 with its reason; a rotated key is fetched; the configuration's CRUD, validation
//! and refusals for non-admins.

use crate::access_support::*;
use crate::login_throttle::{ACCOUNT, assert_throttled, lock_entries, pass_time, throttled};
use crate::secret_support::{list, put, values};
use serde_json::{Value, json};
use sluice_testkit::oidc_issuer::{OidcIssuer, SigningKey, now_secs};
use sluice_testkit::{ApiClient, Response, TestApp};

const OIDC_LOGIN: &str = "/api/v1/auth/oidc-auth/login";
const AUD: &str = "sluice-ci";
const SUB: &str = "repo:acme/api:ref:refs/heads/main";

fn oidc_path(identity_id: &str) -> String {
    format!("/api/v1/auth/oidc-auth/identities/{identity_id}")
}

/// An identity (org member, project viewer) with OIDC auth bound to `issuer`.
async fn oidc_identity(app: &TestApp, issuer: &OidcIssuer) -> String {
    let name = format!("oidc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let body = json!({"name": name, "organizationId": app.org_id(), "role": "member"});
    let created = app.api.post("/api/v1/identities", body).await.expect(200);
    let id = created["identity"]["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/projects/{}/identity-memberships/{id}", app.project_id());
    app.api.post(&path, json!({"role": "viewer"})).await.expect(200);
    let config = json!({
        "oidcDiscoveryUrl": issuer.url,
        "boundIssuer": issuer.url,
        "boundAudiences": format!("other, {AUD}"),
        "boundSubject": "repo:acme/*",
        "boundClaims": {"repository_owner": "acme", "ref": "refs/heads/main, refs/tags/*"},
        "accessTokenTTL": 600,
        "accessTokenMaxTTL": 3600,
    });
    app.api.post(&oidc_path(&id), config).await.expect(200);
    id
}

fn good_claims(issuer: &OidcIssuer) -> Value {
    issuer.claims(AUD, SUB, json!({"repository_owner": "acme", "ref": "refs/heads/main"}))
}

async fn oidc_login(app: &TestApp, identity_id: &str, jwt: &str) -> Response {
    app.anonymous().post(OIDC_LOGIN, json!({"identityId": identity_id, "jwt": jwt})).await
}

#[tokio::test]
async fn a_valid_oidc_token_logs_in_like_universal_auth_and_reads_secrets() {
    let app = TestApp::spawn().await;
    let (rsa, ec) = (SigningKey::rsa("rsa-1"), SigningKey::ec("ec-1"));
    let issuer = OidcIssuer::start(&[&rsa, &ec]).await;
    let id = oidc_identity(&app, &issuer).await;
    put(&app.api, &app, "dev", "/", "DATABASE_URL", "postgres://db").await;

    let login = oidc_login(&app, &id, &rsa.sign(&good_claims(&issuer))).await.expect(200);
    assert_eq!((login["expiresIn"].as_i64(), login["accessTokenMaxTTL"].as_i64()), (Some(600), Some(3600)));
    assert_eq!(login["tokenType"], "Bearer");
    let token = login["accessToken"].as_str().expect("accessToken");
    let client: ApiClient = app.client_with(token);
    let read = list(&client, &app, "dev", "/", &[]).await.expect(200);
    assert!(values(&read).contains(&("DATABASE_URL".to_string(), "postgres://db".to_string())));

    // ES256 works as well, and the keys were fetched once.
    oidc_login(&app, &id, &ec.sign(&good_claims(&issuer))).await.expect(200);
    assert_eq!(issuer.jwks_fetches(), 1, "the JWKS is cached");

    let entries = audit_rows(&app, "login-identity-oidc-auth").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].actor_id.as_deref(), Some(id.as_str()));
    app.shutdown().await;
}

#[tokio::test]
async fn bad_oidc_tokens_are_refused_with_401_and_a_reason() {
    // Per-identity throttling off: this test sends a dozen bad tokens for their reasons
    // (throttling has its own test below).
    let app = TestApp::spawn_with(throttled(0, 0, 20, 50)).await;
    let rsa = SigningKey::rsa("rsa-1");
    let stranger = SigningKey::rsa("rsa-1"); // same kid, another key: a forged signature
    let issuer = OidcIssuer::start(&[&rsa]).await;
    let id = oidc_identity(&app, &issuer).await;
    let now = now_secs();
    let with = |patch: Value| {
        let mut c = good_claims(&issuer);
        if let (Some(c), Value::Object(p)) = (c.as_object_mut(), patch) {
            c.extend(p);
        }
        c
    };
    let good = rsa.sign(&good_claims(&issuer));
    let mut parts: Vec<&str> = good.split('.').collect();
    let tampered_payload = base64_url(&with(json!({"sub": "repo:acme/evil"})).to_string());
    parts[1] = &tampered_payload;
    let tampered = parts.join(".");
    let cases = [
        ("wrong audience", rsa.sign(&with(json!({"aud": "someone-else"}))), "audience"),
        ("wrong issuer", rsa.sign(&with(json!({"iss": "https://evil.example"}))), "boundIssuer"),
        ("expired", rsa.sign(&with(json!({"exp": now - 600}))), "expired"),
        ("not yet valid", rsa.sign(&with(json!({"nbf": now + 600}))), "not valid yet"),
        ("unknown key", rsa.sign_as("nobody", &good_claims(&issuer)), "no RS256 key with kid 'nobody'"),
        ("forged signature", stranger.sign(&good_claims(&issuer)), "signature"),
        ("tampered payload", tampered, "signature"),
        ("subject", rsa.sign(&with(json!({"sub": "repo:evil/api"}))), "boundSubject"),
        ("bound claim", rsa.sign(&with(json!({"ref": "refs/heads/dev"}))), "claim 'ref'"),
        ("missing claim", rsa.sign(&issuer.claims(AUD, SUB, json!({"ref": "refs/heads/main"}))), "no claim"),
        ("not a JWT", "not-a-jwt".to_string(), "well-formed"),
    ];
    for (what, jwt, reason) in cases {
        let resp = oidc_login(&app, &id, &jwt).await;
        assert_eq!(resp.status, 401, "{what}: {}", resp.text);
        assert_eq!(resp.body["statusCode"], 401, "{what}: Infisical's error shape");
        assert!(resp.message().starts_with("Invalid OIDC token: "), "{what}: {}", resp.message());
        assert!(resp.message().contains(reason), "{what}: {}", resp.message());
    }
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &good_claims(&issuer),
        &jsonwebtoken::EncodingKey::from_secret(b"guess"),
    )
    .expect("hs256");
    let resp = oidc_login(&app, &id, &hs).await;
    assert_eq!((resp.status, resp.message().contains("not accepted")), (401, true), "{}", resp.text);

    // Unknown identities and identities without OIDC auth are 401 too.
    let resp = oidc_login(&app, &uuid::Uuid::new_v4().to_string(), &good).await;
    assert_eq!(resp.status, 401, "{}", resp.text);
    let resp = oidc_login(&app, &app.creds.identity_id, &good).await;
    assert_eq!((resp.status, resp.message().contains("not configured")), (401, true), "{}", resp.text);

    let failures = audit_rows(&app, "login-identity-oidc-auth").await;
    assert!(failures.len() >= 12, "every refusal is audited");
    app.shutdown().await;
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_by_refetching_the_jwks() {
    let app = TestApp::spawn().await;
    let (old, new) = (SigningKey::rsa("2026-11"), SigningKey::ec("2026-12"));
    let issuer = OidcIssuer::start(&[&old]).await;
    let id = oidc_identity(&app, &issuer).await;
    oidc_login(&app, &id, &old.sign(&good_claims(&issuer))).await.expect(200);
    oidc_login(&app, &id, &old.sign(&good_claims(&issuer))).await.expect(200);
    assert_eq!(issuer.jwks_fetches(), 1);

    issuer.publish(&[&new]);
    oidc_login(&app, &id, &new.sign(&good_claims(&issuer))).await.expect(200);
    assert_eq!(issuer.jwks_fetches(), 2, "an unknown kid fetched the keys again");
    app.shutdown().await;
}

#[tokio::test]
async fn oidc_configuration_is_managed_by_organization_admins_only() {
    let app = TestApp::spawn().await;
    let issuer = OidcIssuer::start(&[&SigningKey::ec("k")]).await;
    let id = oidc_identity(&app, &issuer).await;
    let path = oidc_path(&id);

    let got = app.api.get(&path).await.expect(200)["identityOidcAuth"].clone();
    assert_eq!(got["identityId"], id.as_str());
    assert_eq!(got["oidcDiscoveryUrl"], issuer.url.as_str());
    assert_eq!(got["boundAudiences"], format!("other, {AUD}"));
    assert_eq!(got["boundClaims"]["repository_owner"], "acme");
    assert_eq!((got["accessTokenTTL"].as_i64(), got["accessTokenMaxTTL"].as_i64()), (Some(600), Some(3600)));
    assert_eq!(got["accessTokenTrustedIps"][0]["ipAddress"], "0.0.0.0");
    assert_eq!(got["caCert"], "");

    let patched = app.api.patch(&path, json!({"boundSubject": "repo:acme/api:*"})).await.expect(200);
    assert_eq!(patched["identityOidcAuth"]["boundSubject"], "repo:acme/api:*");
    assert_eq!(patched["identityOidcAuth"]["boundIssuer"], issuer.url.as_str(), "other fields kept");

    let again = app.api.post(&path, json!({"oidcDiscoveryUrl": issuer.url, "boundIssuer": issuer.url})).await;
    assert_eq!(again.status, 400, "{}", again.text);
    let invalid = [
        (json!({"oidcDiscoveryUrl": "http://issuer.example", "boundIssuer": "x"}), "body.oidcDiscoveryUrl"),
        (json!({"boundIssuer": ""}), "body.boundIssuer"),
        (json!({"boundClaims": {"ref": 3}}), "body.boundClaims.ref"),
        (json!({"caCert": "not a certificate"}), "body.caCert"),
        (json!({"accessTokenTTL": 7200}), "body.accessTokenTTL"),
    ];
    for (body, field) in invalid {
        let resp = app.api.patch(&path, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }

    let member = machine(&app, "member").await;
    let body = json!({"oidcDiscoveryUrl": issuer.url, "boundIssuer": issuer.url});
    assert_eq!(member.client.get(&path).await.status, 403);
    assert_eq!(member.client.patch(&path, json!({"boundSubject": "*"})).await.status, 403);
    assert_eq!(member.client.delete(&path).await.status, 403);
    assert_eq!(member.client.post(&oidc_path(&member.identity_id), body).await.status, 403);
    let outsider = crate::secret_support::outsider(&app).await;
    assert_eq!(outsider.get(&path).await.status, 404);

    // Removing OIDC auth revokes the identity's tokens; logging in is refused after.
    let key = SigningKey::rsa("r");
    issuer.publish(&[&key]);
    let token = oidc_login(&app, &id, &key.sign(&good_claims(&issuer))).await.expect(200)["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    app.api.delete(&path).await.expect(200);
    assert_eq!(list(&app.client_with(&token), &app, "dev", "/", &[]).await.status, 401);
    assert_eq!(app.api.get(&path).await.status, 404);
    assert_eq!(oidc_login(&app, &id, &key.sign(&good_claims(&issuer))).await.status, 401);
    for action in ["add-identity-oidc-auth", "update-identity-oidc-auth", "revoke-identity-oidc-auth"] {
        assert_eq!(audit_rows(&app, action).await.len(), 1, "{action}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_clear_400_and_trusted_ips_apply() {
    let app = TestApp::spawn().await;
    let key = SigningKey::rsa("k");
    let issuer = OidcIssuer::start(&[&key]).await;
    let id = oidc_identity(&app, &issuer).await;
    let jwt = key.sign(&good_claims(&issuer));

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    app.api.patch(&oidc_path(&id), json!({"oidcDiscoveryUrl": dead})).await.expect(200);
    let resp = oidc_login(&app, &id, &jwt).await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(resp.message().contains("misconfigured"), "{}", resp.message());

    app.api.patch(&oidc_path(&id), json!({"oidcDiscoveryUrl": issuer.url})).await.expect(200);
    let only = json!({"accessTokenTrustedIps": [{"ipAddress": "10.9.9.9/32"}]});
    app.api.patch(&oidc_path(&id), only).await.expect(200);
    assert_eq!(oidc_login(&app, &id, &jwt).await.status, 403);
    app.shutdown().await;
}

#[tokio::test]
async fn refused_oidc_tokens_lock_the_identity_until_the_lock_ends() {
    let app = TestApp::spawn_with(throttled(2, 3, 20, 50)).await;
    let rsa = SigningKey::rsa("rsa-1");
    let issuer = OidcIssuer::start(&[&rsa]).await;
    let id = oidc_identity(&app, &issuer).await;
    let mut wrong_audience = good_claims(&issuer);
    wrong_audience["aud"] = json!("someone-else");
    let bad = rsa.sign(&wrong_audience);
    oidc_login(&app, &id, &bad).await.expect(401);
    oidc_login(&app, &id, &bad).await.expect(401);
    let early = oidc_login(&app, &id, &bad).await;
    assert_throttled(&early, ACCOUNT, 1);
    pass_time(&app, 1000).await;
    oidc_login(&app, &id, &bad).await.expect(401);

    // Locked: a good token is refused too.
    let good = rsa.sign(&good_claims(&issuer));
    let locked = oidc_login(&app, &id, &good).await;
    assert_throttled(&locked, ACCOUNT, 900);
    let entries = lock_entries(&app).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["target"], json!({"type": "identity", "id": id}));
    assert!(!entries[0].to_string().contains(&bad), "no token in the entry");

    pass_time(&app, 15 * 60_000).await;
    oidc_login(&app, &id, &good).await.expect(200);
    app.shutdown().await;
}
