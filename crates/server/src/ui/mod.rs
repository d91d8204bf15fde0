//! The web UI, server-rendered from the same binary: askama templates
//! (`crates/server/templates/`, checked at compile time) and our own CSS and JavaScript
//! (`crates/server/assets/`, embedded). Every page works as plain HTML forms; the script
//! adds live sync status, the wizard's Railway pickers, revealing values and filtering.
//!
//! Reading order: [`guard`] (who is signed in; CSRF and origin checks on every form) →
//! [`page`] (the layout's data, flash messages, errors) → one file per page group:
//! [`session`], [`projects`], [`secrets`], [`connections`], [`syncs`], [`wizard`],
//! [`sync_details`], [`live`], [`notifications`]. Handlers call the same services as the API
//! (`features::*::service`), so every rule, check and audit entry is the API's.

mod assets;
mod carry;
mod connections;
mod guard;
pub(crate) mod live;
mod login_locks;
mod notifications;
pub(crate) mod page;
mod projects;
mod secret_forms;
mod secrets;
mod session;
mod step_extras;
mod sync_details;
mod sync_edit;
mod syncs;
mod view;
mod wizard;
mod wizard_form;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(|| async { Redirect::to("/projects") }))
        .route("/login", get(session::show).post(session::sign_in))
        .route("/logout", post(session::sign_out))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/{project}", get(projects::show))
        .route("/projects/{project}/version-limit", post(projects::set_version_limit))
        .route("/projects/{project}/secrets/{env}", get(secrets::page))
        .route("/projects/{project}/secrets/{env}/reveal", get(secrets::reveal))
        .route("/projects/{project}/secrets/{env}/secrets", post(secret_forms::create))
        .route("/projects/{project}/secrets/{env}/secrets/update", post(secret_forms::update))
        .route("/projects/{project}/secrets/{env}/secrets/delete", post(secret_forms::delete))
        .route("/projects/{project}/secrets/{env}/folders", post(secret_forms::create_folder))
        .route("/projects/{project}/secrets/{env}/folders/delete", post(secret_forms::delete_folder))
        .route("/projects/{project}/secrets/{env}/imports", post(secret_forms::create_import))
        .route("/projects/{project}/secrets/{env}/imports/delete", post(secret_forms::delete_import))
        .route("/connections", get(connections::list).post(connections::create))
        .route("/connections/new", get(connections::new))
        .route("/connections/{id}", get(connections::edit).post(connections::update))
        .route("/connections/{id}/delete", post(connections::delete))
        .route("/login-locks", get(login_locks::list))
        .route("/login-locks/clear", post(login_locks::clear))
        .route("/projects/{project}/integrations", get(syncs::list))
        .route("/projects/{project}/syncs/events", get(live::events))
        .route("/projects/{project}/syncs/new", get(wizard::pick))
        .route("/projects/{project}/syncs/new/railway", get(wizard::start).post(wizard::step))
        .route("/projects/{project}/syncs/new/railway/projects", get(wizard::railway_projects))
        .route("/projects/{project}/syncs/name-check", get(wizard::name_check))
        .route("/projects/{project}/syncs/{sync}", get(sync_details::show))
        .route("/projects/{project}/syncs/{sync}/live", get(sync_details::live_panel))
        .route("/projects/{project}/syncs/{sync}/trigger", post(sync_details::trigger))
        .route("/projects/{project}/syncs/{sync}/import", get(sync_details::import_review).post(sync_details::import))
        .route("/projects/{project}/syncs/{sync}/remove", post(sync_details::remove))
        .route("/projects/{project}/syncs/{sync}/confirm", post(sync_details::confirm))
        .route("/projects/{project}/syncs/{sync}/check-drift", post(sync_details::check_drift))
        .route("/projects/{project}/syncs/{sync}/remove-orphans", post(sync_details::remove_orphans))
        .route("/projects/{project}/syncs/{sync}/auto-sync", post(sync_details::auto_sync))
        .route("/projects/{project}/syncs/{sync}/delete", post(sync_details::delete))
        .route("/projects/{project}/syncs/{sync}/edit/{section}", get(sync_edit::show).post(sync_edit::save))
        .route("/projects/{project}/notifications", get(notifications::page).post(notifications::create))
        .route("/projects/{project}/notifications/{channel}", get(notifications::log))
        .route("/projects/{project}/notifications/{channel}/enable", post(notifications::enable))
        .route("/projects/{project}/notifications/{channel}/test", post(notifications::test))
        .route("/projects/{project}/notifications/{channel}/delete", post(notifications::delete))
        .route_layer(middleware::from_fn(guard::forms));
    pages.merge(assets::router())
}

/// The value of a cookie of the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// A form body (`application/x-www-form-urlencoded`). A body that does not fit the form
/// is a 400 page naming the field (our own pages never send one).
pub struct UiForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for UiForm<T> {
    type Rejection = page::UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("Could not read the form: {}", e.body_text())))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(UiForm)
            .map_err(|e| ApiError::bad_request(format!("The form is malformed: {e}")).into())
    }
}
