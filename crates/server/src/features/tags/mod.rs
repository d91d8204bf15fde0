//! Project tags (`/api/v1/projects/{projectId}/tags` and the older
//! `/api/v1/workspace/{workspaceId}/tags`). Start with [`service`]; tags on secrets (the
//! `tagIds` of writes, `tags` of reads, the `tagSlugs` filter) live in
//! `features::secrets::tagging`, and a sync's tag filter in the engine's source.

mod handlers;
pub mod service;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    use handlers as h;
    ApiRouter::new()
        .routes(routes!(h::list, h::create))
        .routes(routes!(h::get, h::update, h::delete))
        .routes(routes!(h::get_by_slug))
        .routes(routes!(h::ws_list, h::ws_create))
        .routes(routes!(h::ws_get, h::ws_update, h::ws_delete))
        .routes(routes!(h::ws_get_by_slug))
}
