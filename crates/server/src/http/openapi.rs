//! The OpenAPI document, generated from the handlers' annotations, and Swagger UI
//! (its files are compiled into the binary; nothing is fetched at run time).

use crate::state::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

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

/// `/api/docs` (Swagger UI) and `/api/docs/openapi.json`.
pub fn docs_router(doc: utoipa::openapi::OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/docs/openapi.json", doc))
}
