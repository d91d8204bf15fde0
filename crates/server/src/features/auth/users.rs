//! People: email + password sign-in (Argon2id), as an API token for the CLI or as a browser
//! session for the UI.
//!
//! A session is a random cookie value (stored as its SHA-256 digest) plus a CSRF token the
//! page sends back as `X-CSRF-Token` on unsafe requests; the cookie is `HttpOnly`,
//! `SameSite=Lax`, `Path=/`, and `Secure` when the request came over HTTPS.

use super::service::{TokenLifetime, issue_token_with_id, verify_any};
use super::throttle::{self, AccountOwner, LoginAttempt};
use crate::auth::{Actor, RequestMeta, SESSION_COOKIE, SESSION_PREFIX};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::HeaderMap;
use serde_json::json;
use sluice_api_types::auth::{AccessTokenOut, MeIdentityOut, MeOut, UserOut};
use sluice_api_types::iso;
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_crypto::tokens;
use sluice_domain::{ActorType, SessionId};
use sluice_storage::memberships::Principal;
use sluice_storage::sessions::{self, SessionRow};
use sluice_storage::users::{self, UserRow};
use sluice_storage::{StorageError, now_ms};

pub const LOGIN_ACTION: &str = "user-login";
/// User API tokens: 10 days, renewable up to 30.
pub const USER_TOKEN_TTL_SECS: i64 = 10 * 86_400;
pub const USER_TOKEN_MAX_TTL_SECS: i64 = 30 * 86_400;
/// Browser sessions last a day.
pub const SESSION_TTL_SECS: i64 = 86_400;

fn invalid_login() -> ApiError {
    ApiError::unauthorized("Invalid email or password")
}

pub fn user_out(u: &UserRow) -> UserOut {
    UserOut {
        id: u.id.to_string(),
        email: u.email.clone(),
        username: u.username.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        super_admin: u.super_admin,
        created_at: iso(u.created_at),
        updated_at: iso(u.updated_at),
    }
}

fn user_actor(u: &UserRow, meta: RequestMeta) -> AuditActor {
    AuditActor { kind: ActorType::User, id: Some(u.id.to_string()), name: Some(u.email.clone()), origin: meta.into() }
}

/// Checks an email and password. Unknown email and wrong password answer the same 401 in
/// the same time; failures are audited as `user-login` with `success: false` and counted
/// by [`throttle`]: an email or address with too many answers 429 without a check.
pub async fn check_password(
    state: &AppState,
    email: &str,
    password: &str,
    method: &str,
    meta: &RequestMeta,
) -> ApiResult<UserRow> {
    let email = email.trim().to_lowercase();
    let attempt = LoginAttempt::user(&email, meta);
    let cleared = throttle::check(state, &attempt).await?;
    let user = {
        let mut conn = state.store.read().await?;
        users::get_by_email(&mut conn, &email).await?
    };
    let hashes = user.iter().map(|u| u.password_hash.clone()).collect();
    match (verify_any(state, password, hashes).await?, user) {
        (Some(_), Some(user)) => {
            throttle::forget_account(state, &attempt, cleared).await?;
            Ok(user)
        }
        (_, user) => {
            let claimed: String = email.chars().take(254).collect();
            let mut tx = state.store.write().await?;
            let mut event = AuditEvent::new(LOGIN_ACTION).meta(
                json!({ "success": false, "method": method, "email": claimed, "reason": "invalid email or password" }),
            );
            if let Some(u) = &user {
                event = event.target("user", u.id.clone());
            }
            audit::record(&mut tx, AuditActor::anonymous(Some(claimed), meta.clone().into()), event).await?;
            let owner = user.map_or(AccountOwner::Unknown, |u| AccountOwner::User(u.id));
            throttle::record_failure(&mut tx, state, &attempt, &owner).await?;
            tx.commit().await.map_err(StorageError::from)?;
            Err(invalid_login())
        }
    }
}

/// `POST /api/v1/auth/login`: an access token for the user, in the universal-auth shape.
pub async fn token_login(
    state: &AppState,
    email: &str,
    password: &str,
    meta: RequestMeta,
) -> ApiResult<AccessTokenOut> {
    let user = check_password(state, email, password, "token", &meta).await?;
    let mut tx = state.store.write().await?;
    let life = TokenLifetime { ttl: USER_TOKEN_TTL_SECS, max_ttl: USER_TOKEN_MAX_TTL_SECS, num_uses_limit: 0 };
    let (token, token_id) = issue_token_with_id(&mut tx, &Principal::User(user.id.clone()), None, life).await?;
    audit::record(
        &mut tx,
        user_actor(&user, meta),
        AuditEvent::new(LOGIN_ACTION)
            .target("user", user.id.clone())
            .meta(json!({ "success": true, "method": "token", "accessTokenId": token_id })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(token)
}

/// A session just created: the cookie value (shown once, stored hashed), its CSRF token
/// and when it ends (unix ms).
pub struct NewSession {
    pub cookie_value: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// Starts a browser session for a user whose password was checked, and audits it.
pub async fn create_session(state: &AppState, user: &UserRow, meta: RequestMeta) -> ApiResult<NewSession> {
    let cookie_value = tokens::random_token(SESSION_PREFIX);
    let csrf_token = tokens::random_token("");
    let now = now_ms();
    let row = SessionRow {
        id: SessionId::new(),
        token_hash: tokens::digest(&cookie_value),
        user_id: user.id.clone(),
        csrf_token: csrf_token.clone(),
        created_at: now,
        expires_at: now + SESSION_TTL_SECS * 1000,
    };
    let mut tx = state.store.write().await?;
    sessions::insert(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        user_actor(user, meta),
        AuditEvent::new(LOGIN_ACTION)
            .target("user", user.id.clone())
            .meta(json!({ "success": true, "method": "session", "sessionId": row.id })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(NewSession { cookie_value, csrf_token, expires_at: row.expires_at })
}

/// Ends the session a cookie names; false when there was none.
pub async fn end_session(state: &AppState, cookie_value: &str, actor: &Actor) -> ApiResult<bool> {
    let mut tx = state.store.write().await?;
    let ended = sessions::delete_by_hash(&mut tx, &tokens::digest(cookie_value)).await?;
    if ended {
        let mut event = AuditEvent::new("user-logout").meta(json!({ "method": "session" }));
        if let Some(u) = actor.user_id() {
            event = event.target("user", u.as_str());
        }
        audit::record(&mut tx, actor, event).await?;
    }
    tx.commit().await.map_err(StorageError::from)?;
    Ok(ended)
}

/// `GET /api/v1/users/me`: the user or identity the credentials belong to.
pub async fn me(state: &AppState, actor: &Actor) -> ApiResult<MeOut> {
    let mut conn = state.store.read().await?;
    let gone = || ApiError::unauthorized("Invalid or expired access token");
    Ok(match &actor.principal {
        Principal::User(id) => {
            let user = users::get(&mut conn, id).await?.ok_or_else(gone)?;
            MeOut { actor_type: "user".to_string(), user: Some(user_out(&user)), identity: None }
        }
        Principal::Identity(id) => {
            let identity = sluice_storage::identities::get(&mut conn, id).await?.ok_or_else(gone)?;
            MeOut {
                actor_type: "identity".to_string(),
                user: None,
                identity: Some(MeIdentityOut {
                    id: identity.id.to_string(),
                    name: identity.name,
                    org_id: identity.org_id.to_string(),
                }),
            }
        }
    })
}

/// Whether the request reached us over HTTPS (directly or through a proxy that says so).
pub fn came_over_https(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    let forwarded_proto =
        header("x-forwarded-proto").is_some_and(|v| v.split(',').next().map(str::trim) == Some("https"));
    let forwarded = header("forwarded").is_some_and(|v| v.split([';', ',']).any(|p| p.trim() == "proto=https"));
    forwarded_proto || forwarded
}

/// The `Set-Cookie` value for a session cookie (`max_age_secs` 0 deletes it).
pub fn session_cookie_header(value: &str, max_age_secs: i64, secure: bool) -> String {
    let mut cookie = format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_lax_and_secure_over_https() {
        let c = session_cookie_header("sss_x", 60, false);
        assert_eq!(c, "sluice_session=sss_x; HttpOnly; SameSite=Lax; Path=/; Max-Age=60");
        assert!(session_cookie_header("v", 0, true).ends_with("; Secure"));
        let mut h = HeaderMap::new();
        assert!(!came_over_https(&h));
        h.insert("x-forwarded-proto", "https".parse().expect("header"));
        assert!(came_over_https(&h));
        let mut h = HeaderMap::new();
        h.insert("forwarded", "for=1.2.3.4;proto=https".parse().expect("header"));
        assert!(came_over_https(&h));
    }
}
