//! Post → redirect → get for refused forms: a form whose post fails does not leave its
//! post URL in the address bar. The handler answers 303 to the page the form lives on and
//! carries the problems (and what was typed, never a secret value) in a short-lived
//! cookie bound to that page's path; the page's GET shows them once and clears the cookie
//! ([`super::page::render_status`] does, as it does for flash messages). Reloading or
//! going Back and Forward then never re-posts a form.

use super::page::{ESCAPE, FormErrors};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The cookie carrying a refused form to the page it is shown on.
pub const FORM_COOKIE: &str = "sluice_form";

/// Browsers keep cookies up to 4 KiB; past this the typed values are dropped and the
/// messages shortened (the errors still show).
const MAX_COOKIE: usize = 3500;

#[derive(Serialize, Deserialize)]
struct Carried<D> {
    /// The path (without query) of the page that shows the form again.
    to: String,
    errors: FormErrors,
    draft: Option<D>,
}

/// 303 to `to` (a path on this site, with its query), carrying `errors` and `draft` to it.
pub fn redirect_with_errors<D: Serialize>(to: &str, errors: &FormErrors, draft: &D) -> Response {
    let path = to.split(['?', '#']).next().unwrap_or(to).to_string();
    let full = Carried { to: path.clone(), errors: errors.clone(), draft: Some(draft) };
    let mut value = encode(&full);
    if value.len() > MAX_COOKIE {
        let short = |m: &str| m.chars().take(160).collect::<String>();
        let errors = FormErrors {
            general: errors.general.as_deref().map(short),
            fields: errors.fields.iter().map(|(f, m)| (f.clone(), short(m))).collect(),
        };
        value = encode(&Carried::<D> { to: path, errors, draft: None });
    }
    let mut resp = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{FORM_COOKIE}={value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

fn encode<T: Serialize>(v: &T) -> String {
    let json = serde_json::to_string(v).unwrap_or_default();
    utf8_percent_encode(&json, ESCAPE).to_string()
}

/// The raw cookie of a request, when there is one (cleared by the next page rendered).
pub fn raw(headers: &HeaderMap) -> Option<String> {
    super::cookie(headers, FORM_COOKIE).filter(|v| !v.is_empty())
}

/// The errors and draft carried to `path` (the page's own path), if any; a cookie left
/// for another page, or unreadable, is ignored.
pub fn read<D: DeserializeOwned>(raw: Option<&str>, path: &str) -> Option<(FormErrors, Option<D>)> {
    let text = percent_decode_str(raw?).decode_utf8().ok()?;
    let carried: Carried<D> = serde_json::from_str(&text).ok()?;
    (carried.to == path).then_some((carried.errors, carried.draft))
}

/// The `Set-Cookie` value that clears the cookie.
pub fn clear() -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{FORM_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie_of(resp: &Response) -> String {
        let set = resp.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        set.split(';').next().and_then(|c| c.split_once('=')).map(|(_, v)| v.to_string()).unwrap_or_default()
    }

    #[test]
    fn errors_and_draft_reach_only_their_page() {
        let mut errors = FormErrors::default();
        errors.field("key", "Secret key must not be empty");
        let resp = redirect_with_errors("/projects/p/secrets/dev?path=%2F", &errors, &("draft", 1));
        assert_eq!(resp.status(), axum::http::StatusCode::SEE_OTHER);
        let raw = cookie_of(&resp);
        let (got, draft) = read::<(String, i32)>(Some(&raw), "/projects/p/secrets/dev").expect("carried");
        assert_eq!(got.of("key"), "Secret key must not be empty");
        assert_eq!(draft, Some(("draft".to_string(), 1)));
        assert!(read::<(String, i32)>(Some(&raw), "/projects/p/secrets/prod").is_none(), "another page");
        assert!(read::<(String, i32)>(Some("garbage"), "/projects/p/secrets/dev").is_none());
    }

    #[test]
    fn a_large_form_keeps_its_errors_and_drops_the_draft() {
        let mut errors = FormErrors::default();
        errors.field("comment", "x".repeat(5000));
        let resp = redirect_with_errors("/a", &errors, &"y".repeat(5000));
        let raw = cookie_of(&resp);
        assert!(raw.len() <= MAX_COOKIE, "{}", raw.len());
        let (got, draft) = read::<String>(Some(&raw), "/a").expect("carried");
        assert!(got.has("comment"));
        assert_eq!(draft, None);
    }
}
