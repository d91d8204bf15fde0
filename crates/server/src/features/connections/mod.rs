//! App connections (`/api/v1/app-connections`): the Railway tokens secret syncs write
//! with, owned by an organization.
//!
//! Reading order: [`access`] (who may see, use and manage a connection, and which
//! organization a call acts in) → [`service`] (create after Railway accepts the token,
//! edit, delete, the destination picker) → [`handlers`] (the routes).

pub mod access;
pub mod handlers;
pub mod service;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(handlers::options))
        .routes(routes!(handlers::list_all))
        .routes(routes!(handlers::list_railway, handlers::create))
        .routes(routes!(handlers::available))
        .routes(routes!(handlers::get, handlers::update, handlers::delete))
        .routes(routes!(handlers::get_by_name))
        .routes(routes!(handlers::railway_projects))
}
