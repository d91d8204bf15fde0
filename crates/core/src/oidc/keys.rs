//! Fetching and caching issuers' signing keys, and checking a token's signature and times
//! with them (`jsonwebtoken` does the cryptography).
//!
//! Keys are cached per (discovery URL, CA certificate) for [`KEYS_TTL`]. A token whose `kid`
//! is not in the cached set makes one fresh fetch (key rotation), at most once per
//! [`REFETCH_FLOOR`] for an issuer, so unknown kids cannot make the server hammer an issuer.

use super::policy::{OidcPolicy, check_claims, check_fetch_url};
use super::{OidcError, VerifiedToken};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long fetched keys are trusted before they are fetched again.
pub const KEYS_TTL: Duration = Duration::from_secs(600);
/// The shortest time between two fetches forced by unknown kids, per issuer.
pub const REFETCH_FLOOR: Duration = Duration::from_secs(5);
/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 5;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
const ACCEPTED: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

type CacheKey = (String, Option<String>);

#[derive(Debug)]
struct CachedKeys {
    keys: Arc<JwkSet>,
    fetched: Instant,
    forced: Option<Instant>,
}

/// Verifies tokens against their issuers' published keys. One per server; cheap to share.
#[derive(Debug)]
pub struct OidcVerifier {
    /// The client for issuers without a CA certificate (`None` if it could not be built:
    /// each fetch then tries again and reports why).
    http: Option<reqwest::Client>,
    cache: Mutex<HashMap<CacheKey, CachedKeys>>,
}

impl Default for OidcVerifier {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

fn rejected(reason: impl Into<String>) -> OidcError {
    OidcError::Rejected(reason.into())
}

fn http_client(ca_cert: Option<&str>) -> Result<reqwest::Client, OidcError> {
    let mut builder = reqwest::Client::builder().timeout(FETCH_TIMEOUT).redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = ca_cert {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| OidcError::Issuer(format!("the identity's caCert is not a PEM certificate ({e})")))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| OidcError::Issuer(format!("cannot build an HTTPS client for the issuer ({e})")))
}

/// Whether `pem` holds at least one certificate (checked when a configuration is saved).
pub fn check_ca_cert(pem: &str) -> Result<(), String> {
    match reqwest::Certificate::from_pem_bundle(pem.as_bytes()) {
        Ok(certs) if !certs.is_empty() => Ok(()),
        Ok(_) => Err("caCert holds no PEM certificate".to_string()),
        Err(e) => Err(format!("caCert is not a PEM certificate ({e})")),
    }
}

fn issuer_error(what: &str, url: &str, detail: impl std::fmt::Display) -> OidcError {
    OidcError::Issuer(format!("could not fetch the issuer's {what} from {url}: {detail}"))
}

async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    raw_url: &str,
    what: &str,
) -> Result<T, OidcError> {
    let url = check_fetch_url(raw_url).map_err(|e| OidcError::Issuer(format!("the issuer's {what}: {e}")))?;
    let response = client.get(url).send().await.map_err(|e| issuer_error(what, raw_url, e))?;
    if !response.status().is_success() {
        return Err(issuer_error(what, raw_url, format!("it answered {}", response.status())));
    }
    let body = response.bytes().await.map_err(|e| issuer_error(what, raw_url, e))?;
    serde_json::from_slice(&body).map_err(|e| issuer_error(what, raw_url, format!("not valid JSON for it ({e})")))
}

/// Infisical's `oidcDiscoveryUrl` is the issuer's base URL; the document sits under it at
/// `/.well-known/openid-configuration` (a URL that already names the document is kept).
pub fn discovery_document_url(discovery_url: &str) -> String {
    let base = discovery_url.trim().trim_end_matches('/');
    if base.ends_with("/.well-known/openid-configuration") {
        base.to_string()
    } else {
        format!("{base}/.well-known/openid-configuration")
    }
}

fn key_fits(jwk: &Jwk, alg: Algorithm) -> bool {
    matches!(
        (&jwk.algorithm, alg),
        (AlgorithmParameters::RSA(_), Algorithm::RS256) | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
    )
}

fn candidates(keys: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Vec<Jwk> {
    keys.keys
        .iter()
        .filter(|k| match kid {
            Some(kid) => k.common.key_id.as_deref() == Some(kid),
            None => true,
        })
        .filter(|k| key_fits(k, alg))
        .cloned()
        .collect()
}

fn reason(e: &jsonwebtoken::errors::Error) -> String {
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired (exp)".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidSignature => "the token's signature does not verify with the issuer's key".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("the token has no '{c}' claim"),
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not match the issuer's key".into(),
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            "the token is not a well-formed JWT".into()
        }
        other => format!("the token is invalid ({other:?})"),
    }
}

impl OidcVerifier {
    pub fn new() -> Self {
        // Without a CA certificate, the platform's roots; building only fails on a broken
        // TLS setup, and then fetching fails later with the reason.
        Self { http: http_client(None).ok(), cache: Mutex::new(HashMap::new()) }
    }

    /// Verifies `jwt` for an identity's policy: signature (RS256 or ES256, the key named by
    /// `kid`), `exp` and `nbf`, then the bounds. `Rejected` says what was wrong with the token.
    pub async fn verify(&self, policy: &OidcPolicy, jwt: &str) -> Result<VerifiedToken, OidcError> {
        let jwt = jwt.trim();
        let header = jsonwebtoken::decode_header(jwt).map_err(|e| rejected(reason(&e)))?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(rejected(format!("the token's algorithm {:?} is not accepted (RS256 or ES256)", header.alg)));
        }
        let kid = header.kid.as_deref();
        let key: CacheKey = (policy.discovery_url.trim().to_string(), policy.ca_cert.clone());
        let mut found = candidates(&*self.keys(&key, false).await?, kid, header.alg);
        if found.is_empty() && self.may_refetch(&key) {
            found = candidates(&*self.keys(&key, true).await?, kid, header.alg);
        }
        if found.is_empty() {
            return Err(rejected(match kid {
                Some(kid) => format!("the issuer publishes no {:?} key with kid '{kid}'", header.alg),
                None => format!("the issuer publishes no {:?} key", header.alg),
            }));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.validate_aud = false; // audiences are bounds, checked with the others
        validation.set_required_spec_claims(&["exp"]);
        let mut last = None;
        for jwk in &found {
            let Ok(decoding) = DecodingKey::from_jwk(jwk) else { continue };
            match jsonwebtoken::decode::<Value>(jwt, &decoding, &validation) {
                Ok(data) => {
                    check_claims(policy, &data.claims).map_err(rejected)?;
                    let text = |name: &str| data.claims.get(name).and_then(Value::as_str).map(str::to_string);
                    return Ok(VerifiedToken { subject: text("sub"), issuer: text("iss"), claims: data.claims });
                }
                Err(e) => last = Some(reason(&e)),
            }
        }
        Err(rejected(last.unwrap_or_else(|| "the issuer's key for this token is not usable".to_string())))
    }

    fn may_refetch(&self, key: &CacheKey) -> bool {
        let cache = self.cache.lock();
        cache.get(key).and_then(|c| c.forced).is_none_or(|at| at.elapsed() >= REFETCH_FLOOR)
    }

    /// The issuer's keys, from the cache while fresh (unless `force`), else fetched.
    async fn keys(&self, key: &CacheKey, force: bool) -> Result<Arc<JwkSet>, OidcError> {
        if !force
            && let Some(cached) = self.cache.lock().get(key)
            && cached.fetched.elapsed() < KEYS_TTL
        {
            return Ok(cached.keys.clone());
        }
        let keys = Arc::new(self.fetch(&key.0, key.1.as_deref()).await?);
        let now = Instant::now();
        let mut cache = self.cache.lock();
        let forced = if force { Some(now) } else { cache.get(key).and_then(|c| c.forced) };
        cache.insert(key.clone(), CachedKeys { keys: keys.clone(), fetched: now, forced });
        Ok(keys)
    }

    async fn fetch(&self, discovery_url: &str, ca_cert: Option<&str>) -> Result<JwkSet, OidcError> {
        let own;
        let client = match (ca_cert, &self.http) {
            (None, Some(shared)) => shared,
            (pem, _) => {
                own = http_client(pem)?;
                &own
            }
        };
        let discovery: Discovery =
            get_json(client, &discovery_document_url(discovery_url), "discovery document").await?;
        let raw: Value = get_json(client, &discovery.jwks_uri, "JWKS").await?;
        // Keep the keys this verifier can read; a JWKS may also list kinds it does not know.
        let keys = raw
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| issuer_error("JWKS", &discovery.jwks_uri, "it has no 'keys' list"))?
            .iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .collect();
        Ok(JwkSet { keys })
    }
}
