//! Secret syncs (`/api/v1/secret-syncs`): Railway syncs as Infisical's API has them,
//! plus a preview of what a run would do and the run history.
//!
//! Reading order: [`input`] (bodies parsed and validated once) → [`service`] (create,
//! edit, delete, read; what queues a run) → [`actions`] (triggers, plan preview, run
//! history, duplicate-destination check) → [`trust`] (drift checks, held plans, the
//! ownership ledger and its orphans) → [`view`] (the response objects) →
//! [`handlers`] (the routes). The runs themselves are the engine's (`sluice_engine`).

pub mod actions;
pub mod handlers;
pub mod input;
pub mod service;
pub mod trust;
pub mod view;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(handlers::options))
        .routes(routes!(handlers::list_all))
        .routes(routes!(handlers::list, handlers::create))
        .routes(routes!(handlers::get, handlers::update, handlers::delete))
        .routes(routes!(handlers::get_by_name))
        .routes(routes!(handlers::sync_secrets))
        .routes(routes!(handlers::import_secrets))
        .routes(routes!(handlers::remove_secrets))
        .routes(routes!(handlers::check_destination))
        .routes(routes!(handlers::plan_saved))
        .routes(routes!(handlers::plan_unsaved))
        .routes(routes!(handlers::runs))
        .routes(routes!(handlers::check_drift))
        .routes(routes!(handlers::drift))
        .routes(routes!(handlers::confirm_plan))
        .routes(routes!(handlers::remove_orphans))
        .routes(routes!(handlers::owned_keys))
}
