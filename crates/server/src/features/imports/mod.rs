//! Secret imports (`/api/v1/secret-imports`): a folder importing the secrets of another
//! environment and path of its project. Start with [`service`]; how imports are resolved
//! (and their precedence) lives in `sluice_core::secrets::resolve`.

mod handlers;
pub mod service;

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    use handlers as h;
    OpenApiRouter::new()
        .routes(routes!(h::create, h::list))
        .routes(routes!(h::update, h::delete))
        .routes(routes!(h::secrets))
}
