//! HTTP plumbing: the router of every feature, request ids, error logging, trailing
//! slashes, request metrics (`crate::metrics::http`), `/metrics` when enabled, and the
//! OpenAPI document with Swagger UI served from the binary.

mod edge;
pub mod fallback;
pub mod forwarded;
mod middleware;
pub mod openapi;
pub mod openapi_common;
pub mod routes;

use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::Uri;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};

/// Swagger UI lives under this prefix and needs its trailing slash (`/api/docs/`).
const DOCS_PREFIX: &str = "/api/docs/";

/// The whole application as one service. Trailing slashes are trimmed before routing,
/// because Infisical's CLI calls some paths with one.
pub fn app(state: AppState) -> MapRequest<Router, fn(Request) -> Request> {
    let (api, description) = crate::features::router().split_for_parts();
    let router = Router::new()
        .merge(api)
        .merge(openapi::docs_router(description))
        .merge(crate::ui::router())
        .merge(crate::features::metrics::router(state.settings.metrics.enabled))
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        // The configured limit, not axum's 2 MiB default; larger bodies answer 413.
        .layer(axum::extract::DefaultBodyLimit::max(crate::extract::BODY_LIMIT))
        // Inside the router, so each request's matched route is known to the metrics.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::metrics::http::track))
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::request_timeout))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), forwarded::trust_proxies))
        .with_state(state);
    MapRequestLayer::new(trim_trailing_slash as fn(Request) -> Request).layer(router)
}

/// `/api/v3/secrets/raw/` → `/api/v3/secrets/raw` (query kept); Swagger UI's own pages
/// are left alone, since it redirects `/api/docs` to `/api/docs/`.
fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with(DOCS_PREFIX) {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = rebuilt.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}
