//! Machine identities, their universal auth and their OIDC auth ([`oidc_auth`]).
//!
//! [`service`] holds the primitives other code reuses (create an identity, attach
//! universal auth, mint client secrets); [`manage`] and [`universal_auth`] are the API's
//! rules on top (organization admins only, validation, audit); [`wire`] maps rows to
//! Infisical's shapes.

mod handlers;
pub mod manage;
pub mod oidc_auth;
mod oidc_handlers;
pub mod service;
mod ua_handlers;
pub mod universal_auth;
pub mod wire;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(handlers::create, handlers::list_v1))
        .routes(routes!(handlers::get, handlers::update, handlers::delete))
        .routes(routes!(handlers::list_org))
        .routes(routes!(ua_handlers::attach, ua_handlers::get, ua_handlers::update, ua_handlers::remove))
        .routes(routes!(ua_handlers::create_secret, ua_handlers::list_secrets))
        .routes(routes!(ua_handlers::get_secret))
        .routes(routes!(ua_handlers::revoke_secret))
        .routes(routes!(oidc_handlers::attach, oidc_handlers::get, oidc_handlers::update, oidc_handlers::remove))
}
