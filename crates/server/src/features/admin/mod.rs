//! `POST /api/v1/admin/bootstrap`: the first user, organization and an admin identity
//! of a new instance. Works once; afterwards it answers 400.

pub mod service;

use crate::auth::RequestMeta;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sluice_api_types::admin::{BootstrapIn, BootstrapOut};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().routes(routes!(bootstrap))
}

/// Bootstrap a new instance: creates the admin user, the organization and an admin
/// machine identity whose token is returned once.
#[utoipa::path(post, path = "/api/v1/admin/bootstrap", tag = "admin", request_body = BootstrapIn,
    responses((status = 200, body = BootstrapOut), (status = 400, body = crate::error::ErrorBody)))]
async fn bootstrap(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<BootstrapIn>,
) -> ApiResult<Json<BootstrapOut>> {
    Ok(Json(service::bootstrap(&state, &body, meta).await?.out))
}
