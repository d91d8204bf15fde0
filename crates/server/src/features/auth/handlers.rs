//! HTTP handlers of the authentication endpoints: extract, call the service, answer.

use super::{locks, oidc, service, universal, users};
use crate::auth::{Actor, RequestMeta, session_cookie};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sluice_api_types::auth::{
    AccessTokenIn, AccessTokenOut, LoginLocksOut, LoginUnlockOut, MeOut, MessageOut, SessionOut, UniversalAuthLoginIn,
    UserLoginIn,
};
use sluice_api_types::oidc_auth::OidcAuthLoginIn;
use sluice_domain::SecretToken;

/// Log in with universal auth: a machine identity's client id and client secret give an
/// access token. Wrong credentials answer 401 `Invalid credentials`; an IP outside the
/// identity's `clientSecretTrustedIps` answers 403. Too many wrong secrets for the client id
/// (or from the address) answer 429 with `Retry-After`, without checking the secret.
#[utoipa::path(post, path = "/api/v1/auth/universal-auth/login", tag = "auth", request_body = UniversalAuthLoginIn,
    responses((status = 200, body = AccessTokenOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn universal_auth_login(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<UniversalAuthLoginIn>,
) -> ApiResult<Json<AccessTokenOut>> {
    Ok(Json(universal::login(&state, &body, meta).await?))
}

/// Log in with OIDC auth: a machine identity's id and a JWT signed by the issuer its OIDC
/// auth names give an access token (the same answer as universal-auth login). A bad token
/// answers 401 with the reason; an issuer that cannot give its keys, 400. Too many refused
/// tokens for the identity (or from the address) answer 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/auth/oidc-auth/login", tag = "auth", request_body = OidcAuthLoginIn,
    responses((status = 200, body = AccessTokenOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn oidc_auth_login(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<OidcAuthLoginIn>,
) -> ApiResult<Json<AccessTokenOut>> {
    Ok(Json(oidc::login(&state, &body, meta).await?))
}

/// Renew an access token: extends it by its TTL, never past its maximum lifetime.
/// Revoked, expired or used-up tokens and tokens past their maximum lifetime answer 400.
#[utoipa::path(post, path = "/api/v1/auth/token/renew", tag = "auth", request_body = AccessTokenIn,
    responses((status = 200, body = AccessTokenOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn renew_token(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<AccessTokenIn>,
) -> ApiResult<Json<AccessTokenOut>> {
    Ok(Json(service::renew_token(&state, body.access_token.expose(), meta).await?))
}

/// Revoke an access token; it stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/token/revoke", tag = "auth", request_body = AccessTokenIn,
    responses((status = 200, body = MessageOut), (status = 401, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<AccessTokenIn>,
) -> ApiResult<Json<MessageOut>> {
    service::revoke_token(&state, body.access_token.expose(), meta).await?;
    Ok(Json(MessageOut { message: "Successfully revoked access token".to_string() }))
}

/// Log a user in with email and password and get an API access token (for the CLI and
/// scripts). Unknown email and wrong password both answer 401 `Invalid email or password`;
/// too many of them for the email (or from the address) answer 429 with `Retry-After`,
/// without checking the password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = UserLoginIn,
    responses((status = 200, body = AccessTokenOut), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn user_login(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<UserLoginIn>,
) -> ApiResult<Json<AccessTokenOut>> {
    Ok(Json(users::token_login(&state, &body.email, body.password.expose(), meta).await?))
}

/// Sign in to the web UI: sets the `sluice_session` cookie (HttpOnly, SameSite=Lax) and
/// returns the CSRF token to send as `X-CSRF-Token` on every unsafe request. Throttled as
/// [`user_login`] (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/auth/session", tag = "auth", request_body = UserLoginIn,
    responses((status = 200, body = SessionOut), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UserLoginIn>,
) -> ApiResult<Response> {
    let user = users::check_password(&state, &body.email, body.password.expose(), "session", &meta).await?;
    let session = users::create_session(&state, &user, meta).await?;
    let cookie =
        users::session_cookie_header(&session.cookie_value, users::SESSION_TTL_SECS, users::came_over_https(&headers));
    let out = SessionOut {
        csrf_token: SecretToken::new(session.csrf_token),
        user: users::user_out(&user),
        expires_at: sluice_api_types::iso(session.expires_at),
    };
    Ok(with_cookie(Json(out).into_response(), &cookie))
}

/// Sign out: ends the browser session (cookie plus `X-CSRF-Token`) or revokes the bearer
/// token the request carries.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 200, body = MessageOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, actor: Actor, headers: HeaderMap) -> ApiResult<Response> {
    let secure = users::came_over_https(&headers);
    match (&actor.csrf_token, session_cookie(&headers), bearer_token(&headers)) {
        (Some(_), Some(cookie), _) => {
            users::end_session(&state, &cookie, &actor).await?;
        }
        (_, _, Some(token)) => service::revoke_token(&state, &token, actor.meta.clone()).await?,
        _ => {}
    }
    let body = Json(MessageOut { message: "Successfully logged out".to_string() }).into_response();
    Ok(with_cookie(body, &users::session_cookie_header("", 0, secure)))
}

/// Who the credentials belong to: `{actorType: "user", user}` or `{actorType: "identity", identity}`.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "auth", responses((status = 200, body = MeOut), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<MeOut>> {
    Ok(Json(users::me(&state, &actor).await?))
}

/// Infisical's path for [`me`].
#[utoipa::path(get, path = "/api/v2/users/me", tag = "auth", responses((status = 200, body = MeOut), (status = 401, body = ErrorBody)))]
pub async fn me_v2(state: State<AppState>, actor: Actor) -> ApiResult<Json<MeOut>> {
    me(state, actor).await
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim().to_string()).filter(|t| !t.is_empty())
}

fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The organization's accounts with failed sign-ins remembered (organization admins).
#[utoipa::path(get, path = "/api/v1/organization/{organizationId}/login-locks", tag = "auth",
    params(("organizationId" = String, Path)),
    responses((status = 200, body = LoginLocksOut), (status = 404, body = ErrorBody)))]
pub async fn list_login_locks(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(organization_id): ApiPath<String>,
) -> ApiResult<Json<LoginLocksOut>> {
    Ok(Json(locks::list(&state, &actor, &organization_id).await?))
}

/// Forgets an account's failed sign-ins so it may sign in at once (organization admins).
/// `kind` is `user` (the account is an email), `client` (a universal-auth client id) or
/// `identity` (an identity id).
#[utoipa::path(delete, path = "/api/v1/organization/{organizationId}/login-locks/{kind}/{account}", tag = "auth",
    params(("organizationId" = String, Path), ("kind" = String, Path), ("account" = String, Path)),
    responses((status = 200, body = LoginUnlockOut), (status = 404, body = ErrorBody)))]
pub async fn clear_login_lock(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((organization_id, kind, account)): ApiPath<(String, String, String)>,
) -> ApiResult<Json<LoginUnlockOut>> {
    Ok(Json(locks::clear(&state, &actor, &organization_id, &kind, &account).await?))
}

/// The client addresses with failed sign-ins remembered (instance admins).
#[utoipa::path(get, path = "/api/v1/admin/login-locks", tag = "admin",
    responses((status = 200, body = LoginLocksOut), (status = 403, body = ErrorBody)))]
pub async fn list_address_locks(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<LoginLocksOut>> {
    Ok(Json(locks::list_addresses(&state, &actor).await?))
}

/// Forgets a client address's failed sign-ins so sign-ins from it are open at once
/// (instance admins).
#[utoipa::path(delete, path = "/api/v1/admin/login-locks/ip/{address}", tag = "admin",
    params(("address" = String, Path, description = "An IPv4 or IPv6 address")),
    responses((status = 200, body = LoginUnlockOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn clear_address_lock(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<Json<LoginUnlockOut>> {
    Ok(Json(locks::clear_address(&state, &actor, &address).await?))
}
