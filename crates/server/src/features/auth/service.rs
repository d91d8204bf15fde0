//! Access tokens: issuing, renewing and revoking them, and checking passwords and client
//! secrets off the async threads (Argon2id is deliberately slow).

use crate::auth::{RequestMeta, new_access_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sluice_api_types::auth::AccessTokenOut;
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_crypto::{passwords, tokens as token_digest};
use sluice_domain::{AccessTokenId, ActorType, ClientSecretId, SecretToken};
use sluice_storage::memberships::Principal;
use sluice_storage::tokens::{self, AccessTokenRow};
use sluice_storage::{Conn, StorageError, identities, now_ms, users};
use std::sync::OnceLock;

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
    client_secret_id: Option<&ClientSecretId>,
    life: TokenLifetime,
) -> ApiResult<AccessTokenOut> {
    Ok(issue_token_with_id(conn, principal, client_secret_id, life).await?.0)
}

/// [`issue_token`], also returning the stored token's id (for audit entries).
pub async fn issue_token_with_id(
    conn: &mut Conn,
    principal: &Principal,
    client_secret_id: Option<&ClientSecretId>,
    life: TokenLifetime,
) -> ApiResult<(AccessTokenOut, AccessTokenId)> {
    issue_token_via(conn, principal, client_secret_id, None, life).await
}

/// [`issue_token_with_id`] for a login method other than universal auth (`oidc-auth`):
/// the token's trusted IPs then come from that method's configuration.
pub async fn issue_token_via(
    conn: &mut Conn,
    principal: &Principal,
    client_secret_id: Option<&ClientSecretId>,
    auth_method: Option<&str>,
    life: TokenLifetime,
) -> ApiResult<(AccessTokenOut, AccessTokenId)> {
    let (token, digest) = new_access_token();
    let id = AccessTokenId::new();
    let now = now_ms();
    // 0 means "no limit": a token with no TTL lives until its maximum lifetime.
    let max_ttl = if life.max_ttl <= 0 { FOREVER_SECS } else { life.max_ttl.max(life.ttl) };
    let ttl = if life.ttl <= 0 { max_ttl } else { life.ttl };
    let (identity_id, user_id) = match principal {
        Principal::Identity(i) => (Some(i.clone()), None),
        Principal::User(u) => (None, Some(u.clone())),
    };
    tokens::insert(
        conn,
        &AccessTokenRow {
            id: id.clone(),
            token_hash: digest,
            identity_id,
            user_id,
            client_secret_id: client_secret_id.cloned(),
            ttl,
            max_ttl,
            num_uses: 0,
            num_uses_limit: life.num_uses_limit,
            expires_at: now + ttl * 1000,
            max_expires_at: now + max_ttl * 1000,
            revoked: false,
            created_at: now,
            renewed_at: now,
            auth_method: auth_method.map(str::to_string),
        },
    )
    .await?;
    let out = AccessTokenOut {
        access_token: SecretToken::from(token),
        expires_in: ttl,
        access_token_max_ttl: max_ttl,
        token_type: "Bearer".to_string(),
    };
    Ok((out, id))
}

/// Checks `password` against each stored Argon2id hash on a blocking thread (within the
/// hashing permits) and returns the index of the first match. With no hashes it still
/// hashes once, so an unknown account costs the same time as a wrong password.
pub async fn verify_any(state: &AppState, password: &str, hashes: Vec<String>) -> ApiResult<Option<usize>> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let password = password.to_string();
    state
        .hashing
        .run(move || {
            if hashes.is_empty() {
                let dummy = DUMMY.get_or_init(|| passwords::hash_password("sluice: no such account"));
                let _ = passwords::verify_password(&password, dummy);
                return None;
            }
            hashes.iter().position(|h| passwords::verify_password(&password, h))
        })
        .await
}

fn invalid_access_token() -> ApiError {
    ApiError::unauthorized("Invalid access token")
}

/// Who a token belongs to, for audit entries.
async fn token_actor(conn: &mut Conn, row: &AccessTokenRow, meta: RequestMeta) -> ApiResult<AuditActor> {
    let (kind, id, name) = match (&row.identity_id, &row.user_id) {
        (Some(i), _) => (ActorType::Identity, i.to_string(), identities::get(conn, i).await?.map(|r| r.name)),
        (None, Some(u)) => (ActorType::User, u.to_string(), users::get(conn, u).await?.map(|r| r.email)),
        (None, None) => return Err(invalid_access_token()),
    };
    Ok(AuditActor { kind, id: Some(id), name, origin: meta.into() })
}

/// `POST /api/v1/auth/token/renew`: extends a live token by its TTL, never past its maximum
/// lifetime. Revoked, expired or used-up tokens, and tokens past their maximum lifetime,
/// answer 400 saying which.
pub async fn renew_token(state: &AppState, token: &str, meta: RequestMeta) -> ApiResult<AccessTokenOut> {
    let digest = token_digest::digest(token.trim());
    let mut tx = state.store.write().await?;
    let row = tokens::by_hash(&mut tx, &digest).await?.ok_or_else(invalid_access_token)?;
    let now = now_ms();
    if row.revoked {
        return Err(ApiError::bad_request("Failed to renew access token: it has been revoked; log in again"));
    }
    if now >= row.max_expires_at {
        return Err(ApiError::bad_request(
            "Failed to renew access token: it is past its maximum lifetime (accessTokenMaxTTL); log in again",
        ));
    }
    if now >= row.expires_at {
        return Err(ApiError::bad_request("Failed to renew access token: it has expired; log in again"));
    }
    if row.num_uses_limit > 0 && row.num_uses >= row.num_uses_limit {
        return Err(ApiError::bad_request(
            "Failed to renew access token: it has used up its accessTokenNumUsesLimit; log in again",
        ));
    }
    let expires_at = (now + row.ttl * 1000).min(row.max_expires_at);
    tokens::renew(&mut tx, &row.id, expires_at).await?;
    let actor = token_actor(&mut tx, &row, meta).await?;
    let mut event = AuditEvent::new("renew-access-token").target("access-token", row.id.clone());
    event.metadata = serde_json::json!({ "accessTokenId": row.id, "expiresIn": (expires_at - now) / 1000 });
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.tokens.remove(&digest);
    Ok(AccessTokenOut {
        access_token: SecretToken::new(token),
        expires_in: (expires_at - now) / 1000,
        access_token_max_ttl: row.max_ttl,
        token_type: "Bearer".to_string(),
    })
}

/// `POST /api/v1/auth/token/revoke`: the token stops working at once on this node (and
/// within the token cache's few seconds on others). Revoking twice is not an error.
pub async fn revoke_token(state: &AppState, token: &str, meta: RequestMeta) -> ApiResult<()> {
    let digest = token_digest::digest(token.trim());
    let mut tx = state.store.write().await?;
    let row = tokens::by_hash(&mut tx, &digest).await?.ok_or_else(invalid_access_token)?;
    tokens::revoke(&mut tx, &row.id).await?;
    let actor = token_actor(&mut tx, &row, meta).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("revoke-access-token")
            .target("access-token", row.id.clone())
            .meta(serde_json::json!({ "accessTokenId": row.id })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.tokens.remove(&digest);
    Ok(())
}

/// Forgets cached tokens of a principal (after its tokens were revoked in bulk).
pub fn forget_tokens_of(state: &AppState, principal: &Principal) {
    state.tokens.retain(|_, cached| &cached.principal != principal);
}
