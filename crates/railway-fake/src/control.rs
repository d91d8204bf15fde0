//! The test control surface under `/__fake/` (not part of Railway; no auth). Each route is a
//! thin wrapper over the same [`FakeState`] method tests call in-process; the README lists the
//! routes and their JSON.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::chaos::Chaos;
use crate::config::{ExceededBody, Knobs, RateLimit, ResetFormat};
use crate::faults::Fault;
use crate::seed::Seed;
use crate::state::{AdvanceError, DeploymentStatus, FakeState, GoneAnswer, GoneTarget};

pub(crate) fn router() -> Router<FakeState> {
    Router::new()
        .route("/variables", get(read_variables).post(write_variable))
        .route("/deploys", get(deploys).delete(clear_deploys))
        .route("/deployments", post(push_deployment))
        .route("/deployments/advance", post(advance))
        .route("/running", get(running))
        .route("/gone", post(gone))
        .route("/gone/restore", post(restore_gone))
        .route("/writes", get(writes).delete(clear_writes))
        .route("/chaos", get(chaos).post(set_chaos).delete(chaos_off))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/requests/counts", get(request_counts))
        .route("/faults", get(faults).post(inject).delete(clear_faults))
        .route("/seed", post(seed))
        .route("/reset", post(reset))
        .route("/rate-limit", post(rate_limit))
        .route("/knobs", post(knobs))
        .route("/config", get(config))
        .fallback(crate::transport::not_found)
}

fn bad_request(message: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "message": message.to_string() }))).into_response()
}

/// A JSON body, or the 400 answer explaining why not.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| Box::new(bad_request(format!("invalid JSON body: {e}"))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopeQuery {
    environment_id: Option<String>,
    service_id: Option<String>,
}

async fn read_variables(State(state): State<FakeState>, Query(q): Query<ScopeQuery>) -> Response {
    let Some(env) = q.environment_id else {
        return bad_request("environmentId is required");
    };
    if !state.lock().world.environments.contains_key(&env) {
        return bad_request(format!("unknown environment {env}"));
    }
    Json(state.variables(&env, q.service_id.as_deref())).into_response()
}

/// `POST /__fake/variables`: `{"environmentId","serviceId?","name","value","sealed?"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VariableBody {
    environment_id: String,
    #[serde(default)]
    service_id: Option<String>,
    name: String,
    value: String,
    #[serde(default)]
    sealed: bool,
}

async fn write_variable(State(state): State<FakeState>, body: Bytes) -> Response {
    let v: VariableBody = match parse(&body) {
        Ok(v) => v,
        Err(response) => return *response,
    };
    match state.try_set_variable(&v.environment_id, v.service_id.as_deref(), &v.name, &v.value, v.sealed) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad_request(e),
    }
}

async fn deploys(State(state): State<FakeState>) -> Response {
    Json(state.deploys()).into_response()
}

async fn clear_deploys(State(state): State<FakeState>) -> StatusCode {
    state.clear_deploys();
    StatusCode::NO_CONTENT
}

/// `POST /__fake/deployments`: `{"environmentId","serviceId","status"?}`, a git push.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PushBody {
    environment_id: String,
    service_id: String,
    status: Option<DeploymentStatus>,
}

async fn push_deployment(State(state): State<FakeState>, body: Bytes) -> Response {
    let push: PushBody = match parse(&body) {
        Ok(push) => push,
        Err(response) => return *response,
    };
    match state.try_push_deployment(&push.environment_id, &push.service_id, push.status) {
        Ok(id) => Json(json!({ "deploymentId": id })).into_response(),
        Err(e) => bad_request(e),
    }
}

/// `GET /__fake/running?environmentId=…&serviceId=…`: the live deployment and its variables.
async fn running(State(state): State<FakeState>, Query(q): Query<ScopeQuery>) -> Response {
    let (Some(env), Some(service)) = (q.environment_id, q.service_id) else {
        return bad_request("environmentId and serviceId are required");
    };
    match state.running(&env, &service) {
        Some(running) => Json(running).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": format!("no SUCCESS deployment of service {service} in environment {env}") })),
        )
            .into_response(),
    }
}

/// `POST /__fake/gone`: `{"projectId"|"environmentId"|"serviceId": "…", "answer"?:
/// "notAuthorized"|"problemProcessingRequest"}`, exactly one id.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GoneBody {
    project_id: Option<String>,
    environment_id: Option<String>,
    service_id: Option<String>,
    #[serde(default)]
    answer: GoneAnswer,
}

impl GoneBody {
    fn target(self) -> Result<(GoneTarget, GoneAnswer), Box<Response>> {
        let target = match (self.project_id, self.environment_id, self.service_id) {
            (Some(id), None, None) => GoneTarget::Project(id),
            (None, Some(id), None) => GoneTarget::Environment(id),
            (None, None, Some(id)) => GoneTarget::Service(id),
            _ => return Err(Box::new(bad_request("give exactly one of projectId, environmentId, serviceId"))),
        };
        Ok((target, self.answer))
    }
}

async fn gone(State(state): State<FakeState>, body: Bytes) -> Response {
    let (target, answer) = match parse::<GoneBody>(&body).and_then(GoneBody::target) {
        Ok(target) => target,
        Err(response) => return *response,
    };
    match state.try_mark_gone(target, answer) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad_request(e),
    }
}

/// `POST /__fake/gone/restore`: the same body as `/gone` (without `answer`); 204 when the
/// target was gone and is back, 404 when it was not gone.
async fn restore_gone(State(state): State<FakeState>, body: Bytes) -> Response {
    let (target, _) = match parse::<GoneBody>(&body).and_then(GoneBody::target) {
        Ok(target) => target,
        Err(response) => return *response,
    };
    if state.restore_gone(&target) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, Json(json!({ "message": format!("{target:?} is not gone") }))).into_response()
    }
}

async fn writes(State(state): State<FakeState>) -> Response {
    Json(state.writes()).into_response()
}

async fn clear_writes(State(state): State<FakeState>) -> StatusCode {
    state.clear_writes();
    StatusCode::NO_CONTENT
}

/// `GET /__fake/chaos`: the report (`{"config","requests","injected"}`), or 404 while off.
async fn chaos(State(state): State<FakeState>) -> Response {
    match state.chaos_report() {
        Some(report) => Json(report).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "message": "chaos mode is off" }))).into_response(),
    }
}

/// `POST /__fake/chaos`: `{"rate"?, "seed"?, "kinds"?, "retryAfterSecs"?, "slowMs"?}` turns it
/// on (a seed is drawn when none is given) and answers the report; `{"off": true}` turns it off.
async fn set_chaos(State(state): State<FakeState>, body: Bytes) -> Response {
    let value: serde_json::Value = match parse(&body) {
        Ok(value) => value,
        Err(response) => return *response,
    };
    if value.get("off").and_then(serde_json::Value::as_bool) == Some(true) {
        state.set_chaos(None);
        return StatusCode::NO_CONTENT.into_response();
    }
    let chaos: Chaos = match serde_json::from_value(value) {
        Ok(chaos) => chaos,
        Err(e) => return bad_request(format!("invalid chaos settings: {e}")),
    };
    if !(0.0..=1.0).contains(&chaos.rate) {
        return bad_request(format!("rate must be between 0 and 1, not {}", chaos.rate));
    }
    state.set_chaos(Some(chaos));
    Json(state.chaos_report()).into_response()
}

async fn chaos_off(State(state): State<FakeState>) -> StatusCode {
    state.set_chaos(None);
    StatusCode::NO_CONTENT
}

/// `POST /__fake/deployments/advance`: `{"deploymentId"?: "…", "to"?: "BUILDING|DEPLOYING|SUCCESS|
/// FAILED|CRASHED"}`; no id moves every in-flight deployment, no `to` means `SUCCESS`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdvanceBody {
    deployment_id: Option<String>,
    to: Option<DeploymentStatus>,
}

async fn advance(State(state): State<FakeState>, body: Bytes) -> Response {
    let body: AdvanceBody = if body.is_empty() {
        AdvanceBody::default()
    } else {
        match parse(&body) {
            Ok(body) => body,
            Err(response) => return *response,
        }
    };
    let to = body.to.unwrap_or(DeploymentStatus::Success);
    match state.try_advance(body.deployment_id.as_deref(), to) {
        Ok(ids) => Json(json!({ "advanced": ids })).into_response(),
        Err(e @ AdvanceError::UnknownDeployment(_)) => {
            (StatusCode::NOT_FOUND, Json(json!({ "message": e.to_string() }))).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn requests(State(state): State<FakeState>) -> Response {
    Json(state.requests()).into_response()
}

/// `GET /__fake/requests/counts`: `{"total": n, "byStatus": {"200": n, "429": m}}`.
async fn request_counts(State(state): State<FakeState>) -> Response {
    let counts = state.status_counts();
    let total: u64 = counts.values().sum();
    let by_status: serde_json::Map<String, serde_json::Value> =
        counts.into_iter().map(|(status, n)| (status.to_string(), n.into())).collect();
    Json(json!({ "total": total, "byStatus": by_status })).into_response()
}

async fn clear_requests(State(state): State<FakeState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

async fn faults(State(state): State<FakeState>) -> Response {
    Json(state.pending_faults()).into_response()
}

async fn inject(State(state): State<FakeState>, body: Bytes) -> Response {
    match parse::<Fault>(&body) {
        Ok(fault) => {
            state.inject(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(response) => *response,
    }
}

async fn clear_faults(State(state): State<FakeState>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

async fn seed(State(state): State<FakeState>, body: Bytes) -> Response {
    let seed: Seed = match parse(&body) {
        Ok(seed) => seed,
        Err(response) => return *response,
    };
    match state.try_seed(&seed) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad_request(e),
    }
}

async fn reset(State(state): State<FakeState>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

/// `POST /__fake/rate-limit`: `{"limit":5,"windowSecs":60,"perSecond"?:10,
/// "resetFormat":"iso8601|epochSeconds","exceededBody":"json|empty|html"}`, or `{"off":true}` /
/// `null` to turn it off.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateLimitBody {
    #[serde(default)]
    off: bool,
    limit: Option<u32>,
    window_secs: Option<u64>,
    per_second: Option<u32>,
    #[serde(default)]
    reset_format: ResetFormat,
    #[serde(default)]
    exceeded_body: ExceededBody,
}

async fn rate_limit(State(state): State<FakeState>, body: Bytes) -> Response {
    let parsed: Option<RateLimitBody> = match parse(&body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let limit = match parsed {
        None | Some(RateLimitBody { off: true, .. }) => None,
        Some(RateLimitBody {
            limit: Some(limit),
            window_secs: Some(window),
            per_second,
            reset_format,
            exceeded_body,
            ..
        }) => Some(RateLimit { limit, per_second, window: Duration::from_secs(window), reset_format, exceeded_body }),
        Some(_) => return bad_request("give limit and windowSecs, or off: true"),
    };
    state.set_rate_limit(limit);
    StatusCode::NO_CONTENT.into_response()
}

async fn knobs(State(state): State<FakeState>, body: Bytes) -> Response {
    match parse::<Knobs>(&body) {
        Ok(knobs) => {
            state.set_knobs(knobs);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(response) => *response,
    }
}

async fn config(State(state): State<FakeState>) -> Response {
    Json(state.config()).into_response()
}
