//! Per-request context: an id for the request (echoed as `X-Request-Id` and as `reqId`
//! in error bodies) and one log line per error response. Bodies are never logged.

use crate::error::{LoggedError, REQUEST_ID};
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub async fn request_context(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| format!("req-{}", uuid::Uuid::new_v4().simple()));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Some(LoggedError(msg)) = resp.extensions_mut().remove::<LoggedError>() {
        let status = resp.status();
        if status.is_server_error() {
            tracing::error!(req_id = %id, %method, %path, status = status.as_u16(), error = %msg, "request failed");
        } else {
            tracing::info!(req_id = %id, %method, %path, status = status.as_u16(), error = %msg, "request refused");
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let headers = resp.headers_mut();
    // API answers may carry secret values: never stored by a cache, never sniffed.
    if (path == "/api" || path.starts_with("/api/")) && !path.starts_with("/api/docs") {
        headers.insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.entry(axum::http::header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    resp
}
