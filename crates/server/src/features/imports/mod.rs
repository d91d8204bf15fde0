//! Secret imports (`/api/v1/secret-imports`): a folder importing the secrets of another
//! environment and path of its project. Start with [`service`]; how imports are resolved
//! (and their precedence) lives in `sluice_core::secrets::resolve`.

mod handlers;
pub mod service;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    use handlers as h;
    ApiRouter::new()
        .routes(routes!(h::create, h::list))
        .routes(routes!(h::update, h::delete))
        .routes(routes!(h::secrets))
}
