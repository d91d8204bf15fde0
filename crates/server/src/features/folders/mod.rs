//! Folders of an environment (`/api/v1/folders`, `/api/v2/folders`): create, list, get,
//! rename (the subtree moves; nothing is re-encrypted, as ciphertexts are bound to folder
//! ids) and delete (with every secret inside, each announced as a change).
//! Start with [`service`].

mod handlers;
pub mod service;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    use handlers as h;
    ApiRouter::new()
        .routes(routes!(h::create, h::list))
        .routes(routes!(h::get, h::update, h::delete))
        .routes(routes!(h::create_v2, h::list_v2))
        .routes(routes!(h::get_v2, h::update_v2, h::delete_v2))
}
