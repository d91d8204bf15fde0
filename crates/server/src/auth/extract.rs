//! The `Actor` extractor: authenticates a request by `Authorization: Bearer <token>` or by
//! the session cookie (with a CSRF header on unsafe methods), through a short-lived cache.

use super::trusted_ips::TrustedIps;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use sluice_core::audit::{AuditActor, Origin};
use sluice_crypto::tokens;
use sluice_domain::{AccessTokenId, IdentityId, OrgId, UserId};
use sluice_engine::queue::JobActor;
use sluice_storage::memberships::Principal;
use sluice_storage::{identities, now_ms, oidc_auths, sessions, tokens as token_store, users};
use std::net::SocketAddr;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "sluice_session";
/// Header carrying the CSRF token for cookie-authenticated API calls.
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    User,
    Identity,
}

/// The client's address, put in each request's extensions by the trusted-proxy middleware
/// (`http::forwarded`): the socket's peer, or the client a trusted proxy names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// Where a request came from, for audit entries.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(request_meta(parts))
    }
}

impl From<RequestMeta> for Origin {
    fn from(m: RequestMeta) -> Self {
        Origin { ip: m.ip, user_agent: m.user_agent }
    }
}

/// Audit entries name an authenticated caller by their principal and display name.
impl From<&Actor> for AuditActor {
    fn from(a: &Actor) -> Self {
        Self {
            kind: a.principal.kind(),
            id: Some(a.principal.id().to_string()),
            name: Some(a.name.clone()),
            origin: a.meta.clone().into(),
        }
    }
}

/// A job records who asked for it (for its runs and their audit entries).
impl From<&Actor> for JobActor {
    fn from(a: &Actor) -> Self {
        Self {
            kind: a.principal.kind(),
            id: Some(a.principal.id().to_string()),
            name: Some(a.name.clone()),
            ip: a.meta.ip.clone(),
            user_agent: a.meta.user_agent.clone(),
        }
    }
}

/// The client's address: as the trusted-proxy middleware decided it, else the socket's peer;
/// an IPv4 client of a dual-stack socket (`::ffff:a.b.c.d`) as `a.b.c.d`, so its sign-in
/// history and audit entries name the address an admin types.
fn request_meta(parts: &Parts) -> RequestMeta {
    let client = parts.extensions.get::<ClientAddr>().map(|c| c.0);
    RequestMeta {
        ip: client
            .or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
            .map(|ip| ip.to_canonical().to_string()),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect()),
    }
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Actor {
    pub principal: Principal,
    /// Display name (identity name or user email).
    pub name: String,
    /// The organization of an identity (users may belong to several).
    pub org_id: Option<OrgId>,
    /// The access token used, when authenticated by token.
    pub token_id: Option<AccessTokenId>,
    /// The session's CSRF token, when authenticated by cookie.
    pub csrf_token: Option<String>,
    pub meta: RequestMeta,
}

impl Actor {
    pub fn kind(&self) -> ActorKind {
        match self.principal {
            Principal::User(_) => ActorKind::User,
            Principal::Identity(_) => ActorKind::Identity,
        }
    }

    pub fn user_id(&self) -> Option<&UserId> {
        match &self.principal {
            Principal::User(u) => Some(u),
            Principal::Identity(_) => None,
        }
    }

    pub fn identity_id(&self) -> Option<&IdentityId> {
        match &self.principal {
            Principal::Identity(i) => Some(i),
            Principal::User(_) => None,
        }
    }
}

/// What the token cache remembers about a token.
#[derive(Clone, Debug)]
pub struct CachedToken {
    pub principal: Principal,
    pub name: String,
    pub org_id: Option<OrgId>,
    pub token_id: AccessTokenId,
    pub expires_at: i64,
    /// The identity's `accessTokenTrustedIps`, when its universal auth sets them.
    pub trusted_ips: Option<TrustedIps>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim()).filter(|t| !t.is_empty())
}

pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(actor) = parts.extensions.get::<Actor>() {
            return Ok(actor.clone());
        }
        let meta = request_meta(parts);
        let actor = if let Some(token) = bearer(&parts.headers) {
            authenticate_token(state, token, meta).await?
        } else if let Some(cookie) = session_cookie(&parts.headers) {
            let actor = authenticate_session(state, &cookie, meta).await?;
            let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if unsafe_method {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                let expected = actor.csrf_token.as_deref().unwrap_or("");
                if expected.is_empty() || !tokens::digests_equal(sent, expected) {
                    return Err(ApiError::forbidden(
                        "Missing or wrong CSRF token: send the X-CSRF-Token header of your session",
                    ));
                }
            }
            actor
        } else {
            return Err(ApiError::unauthorized("Authentication required: send Authorization: Bearer <access token>"));
        };
        parts.extensions.insert(actor.clone());
        Ok(actor)
    }
}

/// An actor when the request carries credentials, `None` when it carries none.
/// Invalid credentials are still an error.
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if bearer(&parts.headers).is_none() && session_cookie(&parts.headers).is_none() {
            return Ok(Self(None));
        }
        Actor::from_request_parts(parts, state).await.map(|a| Self(Some(a)))
    }
}

fn invalid_token() -> ApiError {
    ApiError::unauthorized("Invalid or expired access token")
}

/// Infisical's name of OIDC login, as tokens it issued record it.
pub const OIDC_AUTH: &str = "oidc-auth";

/// Infisical's answer when a trusted-IP list refuses the caller.
pub fn untrusted_ip() -> ApiError {
    ApiError::forbidden("You are not allowed to access this resource from the current IP address")
}

fn check_ip(trusted: &Option<TrustedIps>, meta: &RequestMeta) -> Result<(), ApiError> {
    match trusted {
        Some(list) if !list.allows(meta.ip.as_deref()) => Err(untrusted_ip()),
        _ => Ok(()),
    }
}

/// Resolves a bearer token. Tokens without a use limit are cached for a few seconds;
/// revocation on this node removes them from the cache at once.
pub async fn authenticate_token(state: &AppState, token: &str, meta: RequestMeta) -> Result<Actor, ApiError> {
    let digest = tokens::digest(token);
    let now = now_ms();
    if let Some(c) = state.tokens.get(&digest) {
        if now < c.expires_at {
            check_ip(&c.trusted_ips, &meta)?;
            return Ok(Actor {
                principal: c.principal,
                name: c.name,
                org_id: c.org_id,
                token_id: Some(c.token_id),
                csrf_token: None,
                meta,
            });
        }
        state.tokens.remove(&digest);
    }
    let mut conn = state.store.read().await?;
    let row = token_store::by_hash(&mut conn, &digest).await?.ok_or_else(invalid_token)?;
    if !row.is_live(now) {
        return Err(invalid_token());
    }
    let (principal, name, org_id) = match (&row.identity_id, &row.user_id) {
        (Some(i), _) => {
            let ident = identities::get(&mut conn, i).await?.ok_or_else(invalid_token)?;
            (Principal::Identity(ident.id), ident.name, Some(ident.org_id))
        }
        (None, Some(u)) => {
            let user = users::get(&mut conn, u).await?.ok_or_else(invalid_token)?;
            (Principal::User(user.id), user.email, None)
        }
        (None, None) => return Err(invalid_token()),
    };
    let trusted_ips = match (&principal, row.auth_method.as_deref()) {
        (Principal::Identity(i), Some(OIDC_AUTH)) => oidc_auths::for_identity(&mut conn, i)
            .await?
            .map(|oidc| TrustedIps::from_json(&oidc.access_token_trusted_ips))
            .filter(|list| !list.allows_everyone()),
        (Principal::Identity(i), _) => identities::universal_auth_for(&mut conn, i)
            .await?
            .map(|ua| TrustedIps::from_json(&ua.access_token_trusted_ips))
            .filter(|list| !list.allows_everyone()),
        (Principal::User(_), _) => None,
    };
    drop(conn);
    check_ip(&trusted_ips, &meta)?;
    if row.num_uses_limit > 0 {
        let mut tx = state.store.write().await?;
        let ok = token_store::use_once(&mut tx, &row.id).await?;
        tx.commit().await.map_err(sluice_storage::StorageError::from)?;
        if !ok {
            return Err(invalid_token());
        }
    } else {
        state.tokens.insert(
            digest,
            CachedToken {
                principal: principal.clone(),
                name: name.clone(),
                org_id: org_id.clone(),
                token_id: row.id.clone(),
                expires_at: row.expires_at.min(row.max_expires_at),
                trusted_ips,
            },
        );
    }
    Ok(Actor { principal, name, org_id, token_id: Some(row.id), csrf_token: None, meta })
}

async fn authenticate_session(state: &AppState, cookie: &str, meta: RequestMeta) -> Result<Actor, ApiError> {
    let digest = tokens::digest(cookie);
    let mut conn = state.store.read().await?;
    let expired = || ApiError::unauthorized("Your session has expired; sign in again");
    let session = sessions::by_hash(&mut conn, &digest).await?.ok_or_else(expired)?;
    if now_ms() >= session.expires_at {
        return Err(expired());
    }
    let user = users::get(&mut conn, &session.user_id).await?.ok_or_else(expired)?;
    Ok(Actor {
        principal: Principal::User(user.id),
        name: user.email,
        org_id: None,
        token_id: None,
        csrf_token: Some(session.csrf_token),
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_client_of_a_dual_stack_socket_is_recorded_as_ipv4() {
        let cases = [
            ("::ffff:203.0.113.9", "203.0.113.9"),
            ("203.0.113.9", "203.0.113.9"),
            ("2001:db8::7", "2001:db8::7"),
            ("::1", "::1"),
        ];
        for (seen, want) in cases {
            let (mut parts, ()) = axum::http::Request::new(()).into_parts();
            parts.extensions.insert(ClientAddr(seen.parse().expect("address")));
            assert_eq!(request_meta(&parts).ip.as_deref(), Some(want), "{seen}");
        }
    }
}
