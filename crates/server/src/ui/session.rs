//! Signing in and out of the web UI, through the session service of `features::auth`.
//!
//! The sign-in form has no session to take a CSRF token from, so it carries a random
//! token that must match a cookie set with the form (double submit); with the origin
//! check of [`super::guard::forms`], another site cannot sign a browser into an account.

use super::guard::safe_next;
use super::page::{Flash, FlashKind, UiResult, page_headers, redirect_with};
use crate::auth::{MaybeActor, RequestMeta, session_cookie};
use crate::error::ApiError;
use crate::features::auth::users;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sluice_crypto::tokens;
use sluice_domain::SecretToken;

const LOGIN_COOKIE: &str = "sluice_login";

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    email: String,
    next: String,
    login_csrf: String,
    error: Option<String>,
    notice: Option<String>,
    asset_css: String,
    asset_js: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

fn next_or_home(next: Option<&str>) -> String {
    next.and_then(safe_next).unwrap_or("/projects").to_string()
}

fn login_page(email: String, next: String, error: Option<String>, status: StatusCode) -> Response {
    login_page_with(email, next, error, None, status)
}

fn login_page_with(
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let login_csrf = tokens::random_token("");
    let page = LoginPage {
        email,
        next,
        login_csrf: login_csrf.clone(),
        error,
        notice,
        asset_css: super::assets::url("app.css"),
        asset_js: super::assets::url("app.js"),
    };
    let mut resp = (status, page_headers(), page).into_response();
    let cookie = format!("{LOGIN_COOKIE}={login_csrf}; Path=/login; HttpOnly; SameSite=Lax; Max-Age=3600");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /login`: the sign-in form (or straight on, when already signed in).
pub async fn show(Query(q): Query<NextQuery>, headers: HeaderMap, maybe: Result<MaybeActor, ApiError>) -> Response {
    let next = next_or_home(q.next.as_deref());
    if let Ok(MaybeActor(Some(actor))) = maybe
        && actor.csrf_token.is_some()
    {
        return Redirect::to(&next).into_response();
    }
    let notice = Flash::from_headers(&headers).map(|f| f.message);
    let shown = notice.is_some();
    let mut resp = login_page_with(String::new(), next, None, notice, StatusCode::OK);
    if shown {
        let clear = HeaderValue::from_static("sluice_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        resp.headers_mut().append(header::SET_COOKIE, clear);
    }
    resp
}

/// The sign-in form. The password never prints.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: SecretToken,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    login_csrf: String,
}

/// `POST /login`: checks the password, starts a session and goes to `next`.
pub async fn sign_in(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    super::UiForm(form): super::UiForm<LoginForm>,
) -> UiResult<Response> {
    let next = next_or_home(form.next.as_deref());
    let expected = super::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !tokens::digests_equal(&form.login_csrf, &expected) {
        let msg = "The sign-in form expired. Please sign in again.".to_string();
        return Ok(login_page(form.email, next, Some(msg), StatusCode::FORBIDDEN));
    }
    if form.email.trim().is_empty() || form.password.is_empty() {
        let msg = "Enter your email and password.".to_string();
        return Ok(login_page(form.email, next, Some(msg), StatusCode::UNPROCESSABLE_ENTITY));
    }
    let user = match users::check_password(&state, &form.email, form.password.expose(), "session", &meta).await {
        Ok(u) => u,
        Err(ApiError::Unauthorized(m)) => {
            return Ok(login_page(form.email, next, Some(m), StatusCode::UNAUTHORIZED));
        }
        Err(ApiError::TooManyRequests { message, retry_after_secs }) => {
            let mut page = login_page(form.email, next, Some(message), StatusCode::TOO_MANY_REQUESTS);
            page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return Ok(page);
        }
        Err(e) => return Err(e.into()),
    };
    let session = users::create_session(&state, &user, meta).await?;
    let cookie =
        users::session_cookie_header(&session.cookie_value, users::SESSION_TTL_SECS, users::came_over_https(&headers));
    let mut resp = Redirect::to(&next).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.append(header::SET_COOKIE, v);
    }
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_static("sluice_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    Ok(resp)
}

/// `POST /logout`: ends the session (the form's CSRF token is checked by the guard).
pub async fn sign_out(
    State(state): State<AppState>,
    signed: super::guard::Signed,
    headers: HeaderMap,
) -> UiResult<Response> {
    if let Some(cookie) = session_cookie(&headers) {
        users::end_session(&state, &cookie, &signed.actor).await?;
    }
    let mut resp = redirect_with("/login", FlashKind::Info, "You are signed out.");
    let clear = users::session_cookie_header("", 0, users::came_over_https(&headers));
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
