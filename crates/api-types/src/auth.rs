//! Authentication: universal-auth login, token renewal and revocation. Credentials are
//! [`SecretToken`]s, which never print.

use serde::{Deserialize, Serialize};
use sluice_domain::SecretToken;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UniversalAuthLoginIn {
    pub client_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub client_secret: SecretToken,
}

/// An access token, in Infisical's login response shape.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenOut {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub access_token: SecretToken,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// Seconds the token can be renewed up to, from its creation.
    #[serde(rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: i64,
    /// Always `Bearer`.
    pub token_type: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenIn {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub access_token: SecretToken,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageOut {
    pub message: String,
}

/// `POST /api/v1/auth/login` and `POST /api/v1/auth/session`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserLoginIn {
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub password: SecretToken,
}

/// A user as the API shows it (never the password hash).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionOut {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub csrf_token: SecretToken,
    pub user: UserOut,
    /// When the session ends (ISO 8601).
    pub expires_at: String,
}

/// A machine identity as `GET /api/v1/users/me` shows it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MeIdentityOut {
    pub id: String,
    pub name: String,
    pub org_id: String,
}

/// `GET /api/v1/users/me`: who the credentials belong to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MeOut {
    /// `user` or `identity`.
    pub actor_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<MeIdentityOut>,
}

/// The kind of account a sign-in claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LoginLockKind {
    /// A user, by email.
    User,
    /// A universal-auth client id.
    Client,
    /// An identity id (OIDC login).
    Identity,
    /// A client address (every sign-in from it, to any account; instance admins).
    Ip,
}

impl LoginLockKind {
    /// The kinds of an organization's accounts (a client address is no organization's).
    pub const ALL: [LoginLockKind; 3] = [LoginLockKind::User, LoginLockKind::Client, LoginLockKind::Identity];

    pub fn as_str(self) -> &'static str {
        match self {
            LoginLockKind::User => "user",
            LoginLockKind::Client => "client",
            LoginLockKind::Identity => "identity",
            LoginLockKind::Ip => "ip",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where an account's failed sign-ins leave it, most restrictive first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LoginLockState {
    /// No sign-in until `retryAt`, the right credentials included.
    Locked,
    /// The next attempt must wait until `retryAt`.
    Waiting,
    /// Failures remembered; sign-in open.
    Counting,
}

/// An account's failed sign-ins, as its organization's admins see them
/// (`GET /api/v1/organization/{organizationId}/login-locks`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginLockOut {
    pub kind: LoginLockKind,
    pub account: String,
    pub state: LoginLockState,
    pub failures: u32,
    /// Locks in this history; each lasts twice the one before.
    pub locks: u32,
    pub last_failure_at: String,
    pub retry_at: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginLocksOut {
    pub login_locks: Vec<LoginLockOut>,
    /// More histories are remembered than listed: the client-address list keeps the 1,000
    /// longest locks and most recent failures.
    #[serde(default)]
    pub truncated: bool,
}

/// What clearing an account's failed sign-ins found: `loginLock` is the history
/// cleared (none when there was nothing to clear).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginUnlockOut {
    pub cleared: bool,
    pub login_lock: Option<LoginLockOut>,
}
