//! `GET /api/status`: liveness, in Infisical's shape plus what a Sluice operator wants;
//! `GET /api/ready` ([`ready`]): readiness, the database and this node's workers.

pub mod ready;

use crate::error::ApiResult;
use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().routes(routes!(status)).routes(routes!(ready::ready))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusOut {
    pub date: String,
    pub message: String,
    pub email_configured: bool,
    pub invite_only_signup: bool,
    pub redis_configured: bool,
    pub secret_scanning_configured: bool,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub version: String,
    pub uptime_seconds: u64,
}

/// Health check: answers 200 when the database answers.
#[utoipa::path(get, path = "/api/status", tag = "status", responses((status = 200, body = StatusOut)))]
async fn status(State(state): State<AppState>) -> ApiResult<Json<StatusOut>> {
    let mut conn = state.store.read().await?;
    let _: i64 =
        sqlx::query_scalar("SELECT 1").fetch_one(&mut *conn).await.map_err(sluice_storage::StorageError::from)?;
    Ok(Json(StatusOut {
        date: sluice_api_types::iso(sluice_storage::now_ms()),
        message: "Ok".to_string(),
        email_configured: false,
        invite_only_signup: true,
        redis_configured: false,
        secret_scanning_configured: false,
        database: state.store.backend().name().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_seconds: state.started.elapsed().as_secs(),
    }))
}
