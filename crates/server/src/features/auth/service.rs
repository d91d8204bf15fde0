//! Issuing access tokens.

use crate::auth::new_access_token;
use crate::error::ApiResult;
use sluice_api_types::auth::AccessTokenOut;
use sluice_storage::memberships::Principal;
use sluice_storage::tokens::{self, AccessTokenRow};
use sluice_storage::{Conn, now_ms};

/// Token lifetimes, in seconds. A `max_ttl` of 0 means "no maximum beyond ttl renewals"
/// and is stored as a far-future limit.
#[derive(Clone, Copy, Debug)]
pub struct TokenLifetime {
    pub ttl: i64,
    pub max_ttl: i64,
    pub num_uses_limit: i64,
}

const FOREVER_SECS: i64 = 100 * 365 * 86_400;

/// Stores a new access token for a principal and returns it in Infisical's login shape.
pub async fn issue_token(
    conn: &mut Conn,
    principal: &Principal,
    client_secret_id: Option<&str>,
    life: TokenLifetime,
) -> ApiResult<AccessTokenOut> {
    let (token, digest) = new_access_token();
    let now = now_ms();
    let ttl = if life.ttl <= 0 { FOREVER_SECS } else { life.ttl };
    let max_ttl = if life.max_ttl <= 0 { FOREVER_SECS } else { life.max_ttl.max(ttl) };
    let (identity_id, user_id) = match principal {
        Principal::Identity(i) => (Some(i.as_str().to_string()), None),
        Principal::User(u) => (None, Some(u.as_str().to_string())),
    };
    tokens::insert(
        conn,
        &AccessTokenRow {
            id: uuid::Uuid::now_v7().to_string(),
            token_hash: digest,
            identity_id,
            user_id,
            client_secret_id: client_secret_id.map(str::to_string),
            ttl,
            max_ttl,
            num_uses: 0,
            num_uses_limit: life.num_uses_limit,
            expires_at: now + ttl * 1000,
            max_expires_at: now + max_ttl * 1000,
            revoked: false,
            created_at: now,
            renewed_at: now,
        },
    )
    .await?;
    Ok(AccessTokenOut {
        access_token: token,
        expires_in: ttl,
        access_token_max_ttl: max_ttl,
        token_type: "Bearer".to_string(),
    })
}
