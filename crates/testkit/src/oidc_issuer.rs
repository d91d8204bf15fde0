//! A local OIDC issuer for tests: an axum server on a loopback port serving
//! `/.well-known/openid-configuration` and a JWKS, and keys (RSA and P-256, generated
//! fresh) that sign real tokens. Swapping the published keys simulates a key rotation;
//! the JWKS fetch count shows what the server cached.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A signing key with its `kid` and public JWK.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    key: EncodingKey,
    pub jwk: Value,
}

impl SigningKey {
    /// A fresh RSA-2048 key for RS256.
    pub fn rsa(kid: &str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("rsa key");
        let der = pair.as_der().expect("pkcs8");
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<String> = b64.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"));
        Self::new(kid, Algorithm::RS256, EncodingKey::from_rsa_pem(pem.as_bytes()).expect("rsa pem"))
    }

    /// A fresh P-256 key for ES256.
    pub fn ec(kid: &str) -> Self {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).expect("ec key");
        Self::new(kid, Algorithm::ES256, EncodingKey::from_ec_der(doc.as_ref()))
    }

    fn new(kid: &str, alg: Algorithm, key: EncodingKey) -> Self {
        let mut jwk = Jwk::from_encoding_key(&key, alg).expect("jwk");
        jwk.common.key_id = Some(kid.to_string());
        Self { kid: kid.to_string(), alg, key, jwk: serde_json::to_value(jwk).expect("jwk json") }
    }

    /// Signs `claims` with this key, naming it in the header's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign")
    }

    /// Signs `claims` with this key but names another `kid` in the header.
    pub fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(kid.to_string());
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign")
    }
}

#[derive(Default)]
struct Published {
    keys: Mutex<Vec<Value>>,
    jwks_fetches: AtomicUsize,
    url: Mutex<String>,
}

/// The running issuer.
pub struct OidcIssuer {
    /// `http://127.0.0.1:PORT`: the issuer (`iss`) and the discovery URL.
    pub url: String,
    published: Arc<Published>,
    task: tokio::task::JoinHandle<()>,
}

impl OidcIssuer {
    /// Starts an issuer publishing `keys`.
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let published = Arc::new(Published::default());
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .with_state(published.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind issuer");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        *published.url.lock() = url.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let issuer = Self { url, published, task };
        issuer.publish(keys);
        issuer
    }

    /// Replaces the published keys (a rotation).
    pub fn publish(&self, keys: &[&SigningKey]) {
        *self.published.keys.lock() = keys.iter().map(|k| k.jwk.clone()).collect();
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.published.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Claims valid for an hour, from this issuer, for `aud` and `sub`, plus `extra`.
    pub fn claims(&self, aud: &str, sub: &str, extra: Value) -> Value {
        let now = now_secs();
        let mut claims =
            json!({"iss": self.url, "aud": aud, "sub": sub, "iat": now, "nbf": now - 10, "exp": now + 3600});
        if let (Some(c), Value::Object(more)) = (claims.as_object_mut(), extra) {
            c.extend(more);
        }
        claims
    }
}

impl Drop for OidcIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

async fn discovery(State(p): State<Arc<Published>>) -> Json<Value> {
    let url = p.url.lock().clone();
    Json(
        json!({"issuer": url, "jwks_uri": format!("{url}/jwks"), "id_token_signing_alg_values_supported": ["RS256", "ES256"]}),
    )
}

async fn jwks(State(p): State<Arc<Published>>) -> Json<Value> {
    p.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    Json(json!({"keys": p.keys.lock().clone()}))
}
