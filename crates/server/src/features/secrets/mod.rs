//! Secrets over HTTP: Infisical's raw secret API (v3 and v4) and secret versions. What a
//! secret is and how it is read, written and sealed lives in `sluice_core::secrets`; this
//! feature checks requests and access, and answers in Infisical's shape.
//!
//! Reading order: [`location`] (what a request points at, and who may) → [`read`] (list
//! and get; the single-secret read is the hot path) → [`write`] and [`batch`] (the API's
//! writes) → [`input`] (field checks shared by them) → [`wire`] (Infisical's shape).

pub mod answers;
pub mod batch;
mod handlers;
pub mod input;
pub mod location;
pub mod read;
pub mod tagging;
mod v4;
pub mod wire;
pub mod write;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    use handlers as h;
    ApiRouter::new()
        .routes(routes!(h::list))
        .routes(routes!(h::get, h::create, h::update, h::delete))
        .routes(routes!(h::batch_create, h::batch_update, h::batch_delete))
        .routes(routes!(v4::list))
        .routes(routes!(v4::get, v4::create, v4::update, v4::delete))
        .routes(routes!(v4::batch_create, v4::batch_update, v4::batch_delete))
}
