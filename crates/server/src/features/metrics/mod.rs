//! `GET /metrics`: the server's figures for Prometheus (what they are: [`crate::metrics`]).
//! Mounted only when enabled (`--metrics`, or `--dev`), so a server that does not serve
//! them answers 404 as for any unknown page. With `--metrics-token`, a scrape must send
//! `Authorization: Bearer <token>` (compared in constant time), else 401 in Infisical's
//! error shape.

use crate::error::ApiError;
use crate::metrics::scrape;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sluice_crypto::tokens::{digest, digests_equal};

/// OpenMetrics 1.0 text, which Prometheus negotiates and reads natively.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `/metrics` when enabled, else nothing.
pub fn router(enabled: bool) -> Router<AppState> {
    if enabled { Router::new().route("/metrics", get(metrics)) } else { Router::new() }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(expected) = &state.settings.metrics.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        // Digests first: the comparison takes the same time whatever the lengths.
        let allowed = given.is_some_and(|g| digests_equal(&digest(g), &digest(expected.expose())));
        if !allowed {
            return Err(ApiError::unauthorized(
                "/metrics needs the metrics token: send Authorization: Bearer <token> (the server's --metrics-token)",
            ));
        }
    }
    let mut keys = state.metrics.scraping.lock().await;
    if let Err(e) = scrape::refresh(&state, &mut keys).await {
        // The counters are still worth having; the database's gauges keep their last figures.
        tracing::warn!(error = %e, "metrics: reading the database's figures failed");
    }
    let text = state.metrics.encode().map_err(ApiError::internal)?;
    drop(keys);
    let mut resp = text.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
