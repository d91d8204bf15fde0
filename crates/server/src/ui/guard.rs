//! Who is signed in, and the checks every form post passes.
//!
//! Pages authenticate with the browser session cookie through the same [`Actor`]
//! extractor as the API. That extractor demands the session's CSRF token in the
//! `X-CSRF-Token` header on unsafe methods; a plain HTML form cannot send headers, so
//! [`forms`] reads the form's hidden `csrf` field and hands it over as that header, and
//! the one constant-time comparison in `auth` decides. Before that, [`forms`] refuses
//! posts whose `Origin` (or, lacking one, `Referer`) names another site.

use super::page::{Flash, FlashKind, FormErrors, ShownError, UiError, redirect_with};
use crate::auth::{Actor, CSRF_HEADER};
use crate::error::{ApiError, LoggedError};
use crate::extract::BODY_LIMIT;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sluice_storage::memberships;

/// A signed-in person: the actor every service call takes, and the session's CSRF token
/// that every form of the page carries back.
pub struct Signed {
    pub actor: Actor,
    pub csrf: String,
    /// A message left by the previous request (after a redirect), shown once.
    pub flash: Option<Flash>,
    /// A refused form carried here by a redirect ([`super::carry`]), still encoded.
    pub carried: Option<String>,
    /// The path of the request, which a carried form must be meant for.
    pub path: String,
    /// Whether the user administers an organization or the instance (the organization
    /// pages are shown in the navigation).
    pub admin: bool,
}

impl Signed {
    /// The errors (and what was typed) of a form refused on the previous request, when
    /// they were carried to this page.
    pub fn carried_form<D: serde::de::DeserializeOwned>(&self) -> Option<(FormErrors, Option<D>)> {
        super::carry::read(self.carried.as_deref(), &self.path)
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = next_target(parts);
        let sign_in = || UiError::SignIn { next: next.clone() };
        let actor = match Actor::from_request_parts(parts, state).await {
            Ok(actor) => actor,
            Err(ApiError::Unauthorized(_)) => return Err(sign_in()),
            Err(ApiError::Forbidden(_)) => return Err(UiError::StaleForm),
            Err(e) => return Err(e.into()),
        };
        // Pages are for browser sessions; a bearer token has no CSRF token to put in forms.
        let Some(csrf) = actor.csrf_token.clone() else {
            return Err(sign_in());
        };
        let admin = {
            let mut conn = state.store.read().await.map_err(ApiError::from)?;
            memberships::is_some_admin(&mut conn, &actor.principal).await.map_err(ApiError::from)?
        };
        Ok(Signed {
            actor,
            csrf,
            admin,
            flash: Flash::from_headers(&parts.headers),
            carried: super::carry::raw(&parts.headers),
            path: parts.uri.path().to_string(),
        })
    }
}

/// Where to come back to after signing in: the page asked for, when it was a page.
fn next_target(parts: &Parts) -> Option<String> {
    if parts.method != Method::GET {
        return None;
    }
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    safe_next(pq).map(str::to_string)
}

/// A `next` target that stays on this site: a path starting with one `/` (not `//`,
/// which browsers read as another host, nor `/\`), without control characters.
pub fn safe_next(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && !raw.chars().any(|c| c.is_control())
        && raw.len() <= 2048;
    ok.then_some(raw)
}

/// Middleware on every UI route: for unsafe methods, refuse cross-site posts and pass the
/// form's `csrf` field on as the CSRF header. A post that fails with an error page (an
/// expired form, a sync deleted meanwhile) redirects back to the page the form was on,
/// with the error as its message, so the address bar never holds the post's address.
pub async fn forms(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !same_origin(req.headers()) {
        return UiError::CrossSite.into_response();
    }
    let back = form_page(req.headers());
    back_to_form(posted(req, next).await, back)
}

/// An error page in answer to a post becomes a redirect to `back` (the form's page).
fn back_to_form(resp: Response, back: Option<String>) -> Response {
    let (Some(ShownError(message)), Some(back)) = (resp.extensions().get::<ShownError>(), back) else {
        return resp;
    };
    let mut redirect = redirect_with(&back, FlashKind::Error, message);
    if let Some(logged) = resp.extensions().get::<LoggedError>().cloned() {
        redirect.extensions_mut().insert(logged);
    }
    redirect
}

/// The page a form was posted from: its `Referer`, when that is a page of this site.
fn form_page(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    if host_of(referer)? != request_host(headers)? {
        return None;
    }
    let rest = referer.split_once("://")?.1;
    let path = rest[rest.find('/')?..].split('#').next()?;
    safe_next(path).map(str::to_string)
}

/// Runs a post, handing a form's `csrf` field on as the CSRF header.
async fn posted(req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form || req.headers().contains_key(CSRF_HEADER) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return UiError::Api(ApiError::bad_request("The form is too large")).into_response();
        }
    };
    let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
    if let Some(v) = token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        parts.headers.insert(CSRF_HEADER, v);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether a post comes from this site: its `Origin` (else its `Referer`) names the host
/// the request was sent to. Requests carrying neither come from programs, not from a
/// browser page of another site, and the CSRF token still guards them.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let host = request_host(headers);
    let claimed = match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return true,
    };
    match (host_of(claimed), host) {
        (Some(from), Some(to)) => from == to,
        _ => false,
    }
}

/// The host the request was sent to (as the proxy in front saw it, when there is one).
fn request_host(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-forwarded-host")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .or_else(|| headers.get(header::HOST).and_then(|v| v.to_str().ok()))
        .map(|h| h.trim().to_ascii_lowercase())
}

/// `host[:port]` of an absolute http(s) URL, lowercased; `None` for anything else (`null`).
fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    (!host.is_empty() && !host.contains('@')).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn next_targets_stay_on_this_site() {
        assert_eq!(safe_next("/projects?x=1"), Some("/projects?x=1"));
        assert_eq!(safe_next("//evil.example/"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example/"), None);
        assert_eq!(safe_next("/a\nb"), None);
    }

    #[test]
    fn a_failed_post_goes_back_only_to_a_page_of_this_site() {
        let from = |referer: &str| form_page(&headers(&[("host", "a.test"), ("referer", referer)]));
        assert_eq!(
            from("https://a.test/projects/p/secrets/dev?path=%2F#x").as_deref(),
            Some("/projects/p/secrets/dev?path=%2F")
        );
        assert_eq!(from("https://evil.example/projects"), None);
        assert_eq!(from("https://a.test//evil.example/"), None);
        assert_eq!(from("https://a.test"), None);
        assert_eq!(form_page(&headers(&[("host", "a.test")])), None);
    }

    #[test]
    fn origin_must_match_host() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")])));
        assert!(same_origin(&headers(&[("host", "a.test"), ("referer", "https://a.test/projects")])));
        assert!(!same_origin(&headers(&[("host", "a.test"), ("referer", "https://a.test.evil.example/")])));
        assert!(!same_origin(&headers(&[("host", "a.test"), ("referer", "https://a.test@evil.example/")])));
        assert!(same_origin(&headers(&[("host", "a.test")])));
        assert!(same_origin(&headers(&[
            ("host", "internal:80"),
            ("x-forwarded-host", "sluice.example"),
            ("origin", "https://sluice.example")
        ])));
    }
}
