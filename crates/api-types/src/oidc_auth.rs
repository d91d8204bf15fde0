//! OIDC auth of machine identities (`/api/v1/auth/oidc-auth/...`), in Infisical's shapes.

use crate::identities::{TrustedIpIn, TrustedIpOut};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sluice_domain::SecretToken;

/// `POST /api/v1/auth/oidc-auth/identities/{identityId}`; also the `PATCH` body, where only
/// the fields given change. Times are seconds (0 = no limit); the TTLs and trusted IPs have
/// universal auth's defaults (30 days, any IP).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OidcAuthIn {
    /// The issuer's base URL; its `/.well-known/openid-configuration` names the JWKS.
    /// HTTPS, or HTTP on a loopback address.
    #[serde(default)]
    pub oidc_discovery_url: Option<String>,
    /// The token's `iss` must match (globs `*` allowed).
    #[serde(default)]
    pub bound_issuer: Option<String>,
    /// PEM of the CA that signs a private issuer's certificate; empty for none.
    #[serde(default)]
    pub ca_cert: Option<String>,
    /// Comma-separated; one must match one of the token's `aud` (globs allowed).
    #[serde(default)]
    pub bound_audiences: Option<String>,
    /// Claim → comma-separated patterns, one of which the claim must match.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub bound_claims: Option<Map<String, Value>>,
    /// The token's `sub` must match (globs allowed); empty: any subject.
    #[serde(default)]
    pub bound_subject: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claim_metadata_mapping: Option<Value>,
    #[serde(default, rename = "accessTokenTTL")]
    pub access_token_ttl: Option<i64>,
    #[serde(default, rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: Option<i64>,
    #[serde(default)]
    pub access_token_num_uses_limit: Option<i64>,
    #[serde(default)]
    pub access_token_trusted_ips: Option<Vec<TrustedIpIn>>,
}

/// `PATCH /api/v1/auth/oidc-auth/identities/{identityId}`.
pub type OidcAuthPatch = OidcAuthIn;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OidcAuthOut {
    pub id: String,
    pub identity_id: String,
    pub oidc_discovery_url: String,
    pub bound_issuer: String,
    pub bound_audiences: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub bound_claims: Map<String, Value>,
    pub bound_subject: String,
    pub ca_cert: String,
    #[serde(rename = "accessTokenTTL")]
    pub access_token_ttl: i64,
    #[serde(rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: i64,
    pub access_token_num_uses_limit: i64,
    pub access_token_trusted_ips: Vec<TrustedIpOut>,
    pub created_at: String,
    pub updated_at: String,
}

/// `{identityOidcAuth: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OidcAuthEnvelope {
    pub identity_oidc_auth: OidcAuthOut,
}

/// `POST /api/v1/auth/oidc-auth/login`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OidcAuthLoginIn {
    pub identity_id: String,
    /// The OIDC identity token (a JWT) the issuer signed.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub jwt: SecretToken,
}
