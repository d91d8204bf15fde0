//! HTTP plumbing: the router of every feature, request ids, error logging, trailing
//! slashes, and the OpenAPI document with Swagger UI served from the binary.

mod middleware;
pub mod openapi;

use crate::state::AppState;
use axum::Router;
use tower::Layer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};

/// The whole application as one service. Trailing slashes are trimmed before routing,
/// because Infisical's CLI calls some paths with one.
pub fn app(state: AppState) -> NormalizePath<Router> {
    let (api, doc) = crate::features::router().split_for_parts();
    let router = Router::new()
        .merge(api)
        .merge(openapi::docs_router(doc))
        .merge(crate::ui::router())
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}
