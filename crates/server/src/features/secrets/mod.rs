//! Secrets: Infisical's raw secret API (v3 and v4), secret versions, reference expansion,
//! and the change events the sync engine builds on.
//!
//! Reading order: [`location`] (what a request points at, and who may) → [`read`] (list
//! and get; the single-secret read is the hot path) → [`resolve`] (imports and `${…}`
//! references; [`resolve::resolve_folder`] is what the sync engine reads) → [`write`] and
//! [`batch`] (the API's writes) → [`service`] (the write primitives: row, version, event)
//! → [`changes`] (the [`changes::SecretWrite`] transaction every change goes through, so
//! none can skip its change event) → [`wire`] (encryption binding and Infisical's shape).

pub mod batch;
pub mod changes;
mod handlers;
pub mod location;
pub mod read;
pub mod resolve;
pub mod service;
mod v4;
pub mod wire;
pub mod write;

pub use changes::SecretWrite;
pub use resolve::{Dependency, ResolveOptions, ResolvedFolder, resolve_folder};

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    use handlers as h;
    OpenApiRouter::new()
        .routes(routes!(h::list))
        .routes(routes!(h::get, h::create, h::update, h::delete))
        .routes(routes!(h::batch_create, h::batch_update, h::batch_delete))
        .routes(routes!(v4::list))
        .routes(routes!(v4::get, v4::create, v4::update, v4::delete))
        .routes(routes!(v4::batch_create, v4::batch_update, v4::batch_delete))
}
