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

/// `POST /api/v1/auth/login` and `POST /api/v1/auth/session`.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLoginIn {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for UserLoginIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserLoginIn").field("email", &self.email).finish_non_exhaustive()
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub super_admin: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/v1/auth/session`: the session cookie is set on the response; the CSRF token
/// must be sent back as `X-CSRF-Token` on every unsafe request made with the cookie.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionOut {
    pub csrf_token: String,
    pub user: UserOut,
    /// When the session ends (ISO 8601).
    pub expires_at: String,
}

impl std::fmt::Debug for SessionOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOut").field("user", &self.user).finish_non_exhaustive()
    }
}

/// A machine identity as `GET /api/v1/users/me` shows it.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeIdentityOut {
    pub id: String,
    pub name: String,
    pub org_id: String,
}

/// `GET /api/v1/users/me`: who the credentials belong to.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeOut {
    /// `user` or `identity`.
    pub actor_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<MeIdentityOut>,
}
