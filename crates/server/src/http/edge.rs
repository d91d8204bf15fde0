//! Limits and headers at the HTTP edge: the request timeout (answered 408 in Infisical's
//! shape), HSTS when configured, and Swagger UI's Content-Security-Policy and frame
//! protection. The connection timeouts and cap live in [`crate::serve`].

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Swagger UI's policy: its own scripts and styles only (it has no inline script; its
/// components set inline styles), its icons are `data:` images, it fetches the OpenAPI
/// document and "Try it out" calls from this origin, and no other site may frame it.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                            img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
                            base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Stops a request not answered within the configured time: its handler is dropped (an
/// open transaction rolls back) and the client gets a 408, on a connection that then
/// closes. Only the wait for the answer's head counts, never the sending of its body, so
/// the UI's live status streams (their head comes at once) stay open as long as they are
/// meant to.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.settings.edge.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            let mut resp = ApiError::RequestTimeout(format!(
                "The request was not answered within {} ms (the server's request timeout, \
                 --request-timeout-ms) and was stopped",
                limit.as_millis()
            ))
            .into_response();
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    }
}

/// HSTS on every answer when `--hsts-max-age` is set; CSP and `X-Frame-Options: DENY`
/// on Swagger UI.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    if let Some(max_age) = state.settings.edge.hsts_max_age
        && let Ok(v) = HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains"))
    {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, v);
    }
    if docs {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}
