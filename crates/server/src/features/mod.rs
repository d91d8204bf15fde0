//! The API, one folder per feature. Each exposes `router() -> ApiRouter<AppState>`
//! and keeps its handlers thin: extract, call the feature's service, map to wire types.

pub mod admin;
pub mod audit_logs;
pub mod auth;
pub mod connections;
pub mod folders;
pub mod identities;
pub mod imports;
pub mod metrics;
pub mod notifications;
pub mod orgs;
pub mod projects;
pub mod secrets;
pub mod status;
pub mod syncs;
pub mod tags;

use crate::http::routes::ApiRouter;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .merge(status::router())
        .merge(admin::router())
        .merge(auth::router())
        .merge(identities::router())
        .merge(orgs::router())
        .merge(projects::router())
        .merge(folders::router())
        .merge(secrets::router())
        .merge(imports::router())
        .merge(audit_logs::router())
        .merge(connections::router())
        .merge(syncs::router())
        .merge(notifications::router())
        .merge(tags::router())
}
