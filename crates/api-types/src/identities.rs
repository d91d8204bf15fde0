//! Machine identities and their universal auth (client id + client secrets), in the shapes
//! of Infisical's `/api/v1/identities` and `/api/v1/auth/universal-auth/identities/...`.

use serde::{Deserialize, Serialize};
use sluice_domain::SecretToken;

/// `POST /api/v1/identities`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityIn {
    pub name: String,
    pub organization_id: String,
    /// Organization role: `admin`, `member` (Infisical's `no-access` reads as `member`).
    #[serde(default)]
    pub role: Option<String>,
}

/// `PATCH /api/v1/identities/{identityId}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

/// An identity. `authMethods` lists `universal-auth` once it is attached.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityOut {
    pub id: String,
    pub name: String,
    pub org_id: String,
    /// The identity's organization role.
    pub role: String,
    pub auth_method: Option<String>,
    pub auth_methods: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `{identity: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityEnvelope {
    pub identity: IdentityOut,
}

/// The short identity inside membership objects.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityBriefOut {
    pub id: String,
    pub name: String,
    pub auth_method: Option<String>,
    pub auth_methods: Vec<String>,
}

/// An identity's organization membership (Infisical's `identityMemberships` entries).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrgIdentityMembershipOut {
    /// The membership id.
    pub id: String,
    pub role: String,
    pub role_id: Option<String>,
    pub org_id: String,
    pub identity_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub identity: IdentityBriefOut,
}

/// `GET /api/v2/organizations/{orgId}/identity-memberships`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrgIdentityMembershipsOut {
    pub identity_memberships: Vec<OrgIdentityMembershipOut>,
    pub total_count: usize,
}

/// `GET /api/v1/identities?orgId=` (Infisical's older listing).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentitiesOut {
    pub identities: Vec<OrgIdentityMembershipOut>,
    pub total_count: usize,
}

/// One trusted IP or CIDR block, as given.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrustedIpIn {
    pub ip_address: String,
}

/// A trusted IP as stored: the address, its family and prefix length.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrustedIpOut {
    pub ip_address: String,
    /// `ipv4` or `ipv6`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u8>,
}

/// `POST /api/v1/auth/universal-auth/identities/{identityId}`. Times are seconds; every
/// field has Infisical's default (30-day tokens, any IP).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UniversalAuthIn {
    #[serde(default)]
    pub client_secret_trusted_ips: Option<Vec<TrustedIpIn>>,
    #[serde(default)]
    pub access_token_trusted_ips: Option<Vec<TrustedIpIn>>,
    #[serde(default, rename = "accessTokenTTL")]
    pub access_token_ttl: Option<i64>,
    #[serde(default, rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: Option<i64>,
    #[serde(default)]
    pub access_token_num_uses_limit: Option<i64>,
}

/// `PATCH /api/v1/auth/universal-auth/identities/{identityId}`: only the fields given change.
pub type UniversalAuthPatch = UniversalAuthIn;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UniversalAuthOut {
    pub id: String,
    pub client_id: String,
    pub identity_id: String,
    #[serde(rename = "accessTokenTTL")]
    pub access_token_ttl: i64,
    #[serde(rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: i64,
    pub access_token_num_uses_limit: i64,
    pub access_token_period: i64,
    pub client_secret_trusted_ips: Vec<TrustedIpOut>,
    pub access_token_trusted_ips: Vec<TrustedIpOut>,
    pub created_at: String,
    pub updated_at: String,
}

/// `{identityUniversalAuth: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UniversalAuthEnvelope {
    pub identity_universal_auth: UniversalAuthOut,
}

/// `POST .../client-secrets`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientSecretIn {
    #[serde(default)]
    pub description: Option<String>,
    /// Seconds the secret stays usable; 0 = forever.
    #[serde(default)]
    pub ttl: Option<i64>,
    /// Logins the secret allows; 0 = unlimited.
    #[serde(default)]
    pub num_uses_limit: Option<i64>,
}

/// A client secret's details; never the secret itself.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientSecretOut {
    pub id: String,
    pub description: String,
    pub client_secret_prefix: String,
    pub client_secret_num_uses: i64,
    pub client_secret_num_uses_limit: i64,
    #[serde(rename = "clientSecretTTL")]
    pub client_secret_ttl: i64,
    #[serde(rename = "identityUAId")]
    pub identity_ua_id: String,
    pub identity_id: String,
    pub is_client_secret_revoked: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The new secret, shown only in this response.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientSecretCreatedOut {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub client_secret: SecretToken,
    pub client_secret_data: ClientSecretOut,
}

/// `{clientSecretData: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientSecretEnvelope {
    pub client_secret_data: ClientSecretOut,
}

/// `{clientSecretData: [...]}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientSecretsOut {
    pub client_secret_data: Vec<ClientSecretOut>,
}
