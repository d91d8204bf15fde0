//! Organizations: list and read the caller's organizations, create one, and manage its
//! users. Sluice sends no email, so an organization admin adds a user directly with an
//! initial password (`POST /api/v1/organization/{organizationId}/users`).

mod handlers;
pub mod service;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(handlers::list_orgs))
        .routes(routes!(handlers::get_org))
        .routes(routes!(handlers::create_org))
        .routes(routes!(handlers::list_org_users, handlers::add_org_user))
        .routes(routes!(handlers::update_org_membership))
}
