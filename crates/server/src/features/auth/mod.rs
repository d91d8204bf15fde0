//! Authentication endpoints: universal-auth and OIDC login, token renewal and revocation, user
//! sign-in (API token or browser session), sign-out and "who am I".
//!
//! Start with [`universal`] and [`oidc`] (machine identities) and [`users`] (people); [`service`] issues,
//! renews and revokes tokens; [`throttle`] slows and locks repeated failed sign-ins and [`locks`] lets an organization's admins clear them; [`hashing`] bounds
//! concurrent Argon2 work.

mod handlers;
pub mod hashing;
pub mod locks;
pub mod oidc;
pub mod service;
pub mod throttle;
pub mod universal;
pub mod users;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(handlers::universal_auth_login))
        .routes(routes!(handlers::oidc_auth_login))
        .routes(routes!(handlers::renew_token))
        .routes(routes!(handlers::revoke_token))
        .routes(routes!(handlers::user_login))
        .routes(routes!(handlers::create_session))
        .routes(routes!(handlers::logout))
        .routes(routes!(handlers::me))
        .routes(routes!(handlers::me_v2))
        .routes(routes!(handlers::list_login_locks))
        .routes(routes!(handlers::list_address_locks))
        .routes(routes!(handlers::clear_address_lock))
        .routes(routes!(handlers::clear_login_lock))
}
