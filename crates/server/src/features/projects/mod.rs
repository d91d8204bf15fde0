//! Projects, their environments and memberships.
//!
//! [`service`] holds the primitive other code reuses (`create_project`); [`manage`],
//! [`environments`] and [`memberships`] are the API's rules (who may, validation, audit);
//! [`retention`] is the per-secret version limit (`pitVersionLimit`) and its pruning;
//! [`wire`] maps rows to Infisical's shapes. Older Infisical paths (`/api/v1/workspace`,
//! `/api/v2/workspace`) answer through the same services.

mod env_handlers;
pub mod environments;
mod handlers;
pub mod manage;
mod membership_handlers;
pub mod memberships;
pub mod retention;
pub mod service;
pub mod wire;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    use env_handlers as e;
    use handlers as h;
    use membership_handlers as m;
    ApiRouter::new()
        .routes(routes!(h::create, h::list))
        .routes(routes!(h::create_v2))
        .routes(routes!(h::list_v1_workspace))
        .routes(routes!(h::get, h::update, h::delete))
        .routes(routes!(h::get_v1_workspace, h::delete_v1_workspace))
        .routes(routes!(h::get_by_slug))
        .routes(routes!(h::get_by_slug_v2_workspace))
        .routes(routes!(h::set_version_limit))
        .routes(routes!(h::set_version_limit_v1_workspace))
        .routes(routes!(e::create))
        .routes(routes!(e::get, e::update, e::delete))
        .routes(routes!(e::create_v1_workspace))
        .routes(routes!(e::update_v1_workspace, e::delete_v1_workspace))
        .routes(routes!(m::list_identities))
        .routes(routes!(m::add_identity, m::get_identity, m::update_identity, m::remove_identity))
        .routes(routes!(m::list_identities_v2))
        .routes(routes!(m::add_identity_v2, m::get_identity_v2, m::update_identity_v2, m::remove_identity_v2))
        .routes(routes!(m::add_users, m::list_users, m::remove_users))
        .routes(routes!(m::get_user, m::update_user, m::remove_user))
        .routes(routes!(m::add_users_v2))
}
