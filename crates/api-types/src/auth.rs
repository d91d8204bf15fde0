//! Authentication: universal-auth login, token renewal and revocation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UniversalAuthLoginIn {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for UniversalAuthLoginIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UniversalAuthLoginIn").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// An access token, in Infisical's login response shape.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenOut {
    pub access_token: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// Seconds the token can be renewed up to, from its creation.
    #[serde(rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: i64,
    /// Always `Bearer`.
    pub token_type: String,
}

impl std::fmt::Debug for AccessTokenOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenOut").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenIn {
    pub access_token: String,
}

impl std::fmt::Debug for AccessTokenIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokenIn(<redacted>)")
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct MessageOut {
    pub message: String,
}
