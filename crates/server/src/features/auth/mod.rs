//! Authentication endpoints: universal-auth login, token renewal and revocation, and
//! user sign-in.

pub mod service;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
