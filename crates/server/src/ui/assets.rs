//! Our own CSS, JavaScript and icons, compiled into the binary and served at
//! `/assets/<file>?v=<hash>`. Links carry the file's content hash, so a browser may keep
//! a file for a year and still sees a new one after an upgrade. `/favicon.ico` answers
//! with the SVG icon, for the pages and programs that ask for it by that name.

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/assets/{*file}", get(serve)).route("/favicon.ico", get(favicon))
}

/// `GET /favicon.ico`: the icon (an SVG; browsers read the type, not the name).
async fn favicon(headers: HeaderMap) -> Response {
    serve(Path("favicon.svg".to_string()), Query(HashMap::new()), headers).await
}

/// The first 16 hex digits of a file's SHA-256, or `None` when there is no such file.
fn hash_of(name: &str) -> Option<String> {
    let file = Assets::get(name)?;
    let mut out = String::with_capacity(16);
    for b in &file.metadata.sha256_hash()[..8] {
        let _ = write!(out, "{b:02x}");
    }
    Some(out)
}

/// The URL of an asset, with its content hash.
pub fn url(name: &str) -> String {
    match hash_of(name) {
        Some(h) => format!("/assets/{name}?v={h}"),
        None => format!("/assets/{name}"),
    }
}

async fn serve(Path(file): Path<String>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let Some(asset) = Assets::get(&file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let hash = hash_of(&file).unwrap_or_default();
    let etag = format!("\"{hash}\"");
    let cache = if q.get("v") == Some(&hash) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    let mut resp = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.data.into_owned().into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}
