//! The OpenAPI document, generated from the handlers' annotations, and Swagger UI
//! (its files are compiled into the binary; nothing is fetched at run time).

use super::routes::Description;
use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::routing::get;
use bytes::Bytes;
use std::sync::{Arc, OnceLock};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::{Config, SwaggerUi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sluice API",
        description = "Sluice's HTTP API. It follows Infisical's API (paths, bodies, responses, errors), so Infisical's SDKs work unchanged.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody, crate::error::FieldError)),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Where Swagger UI and clients read the document.
const DOCUMENT_PATH: &str = "/api/docs/openapi.json";

/// `/api/docs` (Swagger UI) and `/api/docs/openapi.json`.
///
/// The document is written at its first request, completed (`openapi_common`) and kept
/// as those bytes, about 300 KB. A server never asked for it never builds it
/// (`http::routes`); kept as utoipa's structures, as `SwaggerUi::url` keeps it to write it
/// at each request, it held about 5 MiB of heap.
pub fn docs_router(description: Description<AppState>) -> Router<AppState> {
    let written: Arc<OnceLock<Bytes>> = Arc::default();
    let serve = move || {
        let json = written.get_or_init(|| write(&description)).clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], json) }
    };
    Router::new()
        .route(DOCUMENT_PATH, get(serve))
        .merge(SwaggerUi::new("/api/docs").config(Config::from(DOCUMENT_PATH)))
}

fn write(description: &Description<AppState>) -> Bytes {
    let mut doc = description.write();
    super::openapi_common::complete(&mut doc);
    Bytes::from(doc.to_json().unwrap_or_else(|e| {
        // Only a map with keys that are not strings could fail; the document has none.
        tracing::error!(error = %e, "the OpenAPI document could not be written");
        String::from("{}")
    }))
}
