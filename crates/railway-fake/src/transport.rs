//! HTTP: `POST /graphql/v2` as Railway serves it, 404 elsewhere, and the order in which a
//! request meets the rate limiter, the fault queue and the resolvers.
//!
//! A request is prepared (parsed and validated) without the lock, then answered under the lock
//! in one go: rate limit → queued fault → chaos → execution → request record. Only a `slow` fault's delay
//! happens after the lock is released.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::auth::Credentials;
use crate::config::ExceededBody;
use crate::faults::FaultKind;
use crate::graphql::errors::{NOT_AUTHORIZED, PROBLEM_PROCESSING};
use crate::graphql::{self, Prepared};
use crate::rate_limit::{self, Decision, Now};
use crate::resolvers::{Budget, Ctx, Root};
use crate::state::{FakeState, Inner, RequestRecord};

/// The fake's whole HTTP surface: Railway's endpoint, the `/__fake/` control routes, 404s.
pub fn router(state: FakeState) -> Router {
    Router::new()
        .route("/graphql/v2", post(graphql_endpoint).fallback(not_found))
        .nest("/__fake", crate::control::router())
        .fallback(not_found)
        .with_state(state)
}

/// Railway's 404: `{"message":"Not Found","requestId":"<uuid>"}`.
pub(crate) async fn not_found() -> Response {
    let body = json!({ "message": "Not Found", "requestId": uuid::Uuid::new_v4().to_string() });
    Answer::json(StatusCode::NOT_FOUND, &body).into_response()
}

async fn graphql_endpoint(State(state): State<FakeState>, headers: HeaderMap, body: Bytes) -> Response {
    let credentials = Credentials::from_headers(&headers);
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    let prepared = graphql::prepare(&body, json_body);
    let held = state.lock().faults.take_held(prepared.operation_name.as_deref(), &prepared.root_fields);
    let (answer, delay) = if held {
        state.gate.arrived.add_permits(1);
        // Detached from the connection: a write in flight lands when released even when the
        // client has gone meanwhile (a process killed while it waited for the answer).
        let state = state.clone();
        let landed = tokio::spawn(async move {
            if let Ok(permit) = state.gate.released.acquire().await {
                permit.forget();
            }
            let mut inner = state.lock();
            answer(&mut inner, &credentials, &prepared, true)
        });
        match landed.await {
            Ok(answered) => answered,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    } else {
        let mut inner = state.lock();
        answer(&mut inner, &credentials, &prepared, false)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    answer.into_response()
}

/// A finished HTTP answer.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    headers: HeaderMap,
}

impl Answer {
    fn json(status: StatusCode, body: &Value) -> Self {
        Self {
            status,
            content_type: "application/json; charset=utf-8",
            body: serde_json::to_vec(body).unwrap_or_default(),
            headers: HeaderMap::new(),
        }
    }

    fn text(status: StatusCode, content_type: &'static str, body: &str) -> Self {
        Self { status, content_type, body: body.as_bytes().to_vec(), headers: HeaderMap::new() }
    }

    fn status_code(status: u16) -> StatusCode {
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        headers.extend(self.headers);
        response
    }
}

/// Decides the answer to one prepared request, under the state lock (`held`: it waited for
/// a `held` fault's release, and is recorded with that fault).
fn answer(inner: &mut Inner, credentials: &Credentials, prepared: &Prepared, held: bool) -> (Answer, Option<Duration>) {
    let now = Now::current();
    let rule = inner.config.rate_limit.clone();
    let decision = rule.as_ref().map(|rule| inner.limiter.check(credentials.bucket_key(), rule, now));

    let refused = decision.as_ref().is_some_and(|d| d.retry_after.is_some());
    let queued = if held {
        Some(FaultKind::Held)
    } else if refused {
        None
    } else {
        inner.faults.take(prepared.operation_name.as_deref(), &prepared.root_fields)
    };
    // Chaos answers only what neither the rate limiter nor a queued fault did.
    let chaos = match (&queued, refused, inner.chaos.as_mut()) {
        (None, false, Some(chaos)) => chaos.draw(),
        _ => None,
    };
    let fault_name = match (&queued, &chaos) {
        (Some(kind), _) => Some(kind.name().to_owned()),
        (None, Some((kind, _))) => Some(format!("chaos:{}", kind.name())),
        (None, None) => None,
    };
    let fault = queued.or(chaos.map(|(_, fault)| fault));

    let mut delay = None;
    let mut answer = match (&fault, refused) {
        (_, true) => too_many_requests(inner.config.rate_limit.as_ref().map(|r| r.exceeded_body)),
        (Some(FaultKind::ProblemProcessingRequest), _) => {
            Answer::json(StatusCode::OK, &prepared.root_field_error(PROBLEM_PROCESSING))
        }
        (Some(FaultKind::NotAuthorized), _) => Answer::json(StatusCode::OK, &prepared.root_field_error(NOT_AUTHORIZED)),
        (Some(FaultKind::HttpStatus { status, body }), _) => {
            let default = format!("error code: {status}");
            Answer::text(Answer::status_code(*status), "text/plain; charset=utf-8", body.as_deref().unwrap_or(&default))
        }
        (Some(FaultKind::CloudflareBlock), _) => {
            Answer::text(StatusCode::FORBIDDEN, "text/html; charset=UTF-8", CLOUDFLARE_BLOCK)
        }
        (Some(FaultKind::RateLimited { retry_after_secs }), _) => {
            let mut answer = too_many_requests(inner.config.rate_limit.as_ref().map(|r| r.exceeded_body));
            answer.headers.insert("retry-after", HeaderValue::from(*retry_after_secs));
            answer
        }
        (Some(FaultKind::Slow { delay_ms }), _) => {
            delay = Some(Duration::from_millis(*delay_ms));
            execute(inner, credentials, prepared, now)
        }
        (Some(FaultKind::FailAfterApply { status }), _) => {
            // The request is applied; only the answer is lost.
            execute(inner, credentials, prepared, now);
            let status = Answer::status_code(*status);
            Answer::text(status, "text/plain; charset=utf-8", &format!("error code: {}", status.as_u16()))
        }
        // A held request waited for its release: it is executed now.
        (None | Some(FaultKind::Held), false) => execute(inner, credentials, prepared, now),
    };

    if let (Some(decision), Some(rule)) = (&decision, &rule) {
        let forced_retry = answer.headers.get("retry-after").cloned();
        rate_limit::write_headers(&mut answer.headers, decision, rule.reset_format);
        if let Some(value) = forced_retry {
            answer.headers.insert("retry-after", value);
        }
    }

    let record = RequestRecord {
        root_fields: prepared.root_fields.clone(),
        operation_name: prepared.operation_name.clone(),
        token_kind: credentials.principal(&inner.world).request_auth(),
        status: answer.status.as_u16(),
        fault: fault_name,
        at: OffsetDateTime::now_utc(),
    };
    tracing::debug!(
        root_fields = ?record.root_fields,
        operation = ?record.operation_name,
        token_kind = ?record.token_kind,
        status = record.status,
        fault = ?record.fault,
        "graphql request"
    );
    *inner.status_counts.entry(record.status).or_default() += 1;
    inner.requests.push(record);
    (answer, delay)
}

/// Executes a prepared request against the world.
fn execute(inner: &mut Inner, credentials: &Credentials, prepared: &Prepared, now: Now) -> Answer {
    let executable = match &prepared.outcome {
        Ok(executable) => executable,
        Err(rejection) => {
            return Answer::json(Answer::status_code(rejection.status), &rejection.body);
        }
    };
    inner.world.executed += 1;
    let principal = credentials.principal(&inner.world);
    let budget = budget(inner, credentials, now);
    let world = std::mem::take(&mut inner.world);
    let ctx = Ctx::new(world, principal, inner.config.knobs.clone(), budget);
    let body = graphql::execute(executable, &Root::new(&ctx, executable.is_mutation));
    inner.world = ctx.into_world();
    Answer::json(StatusCode::OK, &body)
}

/// The token's budget as `apiTokenRateLimit` reports it (a full hour's 1000 when limiting is off).
fn budget(inner: &mut Inner, credentials: &Credentials, now: Now) -> Budget {
    match inner.config.rate_limit.clone() {
        Some(rule) => {
            let Decision { remaining, reset, .. } = inner.limiter.peek(credentials.bucket_key(), &rule, now);
            Budget { remaining, resets_at: reset }
        }
        None => Budget { remaining: 1000, resets_at: now.wall + time::Duration::HOUR },
    }
}

fn too_many_requests(body: Option<ExceededBody>) -> Answer {
    match body.unwrap_or_default() {
        ExceededBody::Json => {
            Answer::json(StatusCode::TOO_MANY_REQUESTS, &json!({ "errors": [{ "message": "Rate limit exceeded" }] }))
        }
        ExceededBody::Empty => Answer::text(StatusCode::TOO_MANY_REQUESTS, "text/plain; charset=utf-8", ""),
        ExceededBody::Html => Answer::text(
            StatusCode::TOO_MANY_REQUESTS,
            "text/html; charset=utf-8",
            "<html><head><title>429 Too Many Requests</title></head>\
             <body><h1>Too Many Requests</h1></body></html>",
        ),
    }
}

const CLOUDFLARE_BLOCK: &str = r#"<!DOCTYPE html>
<html class="no-js" lang="en-US">
<head>
<title>Access denied | backboard.railway.com used Cloudflare to restrict access</title>
<meta charset="UTF-8" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details">
<h1>Access denied</h1>
<h2>Error code 1020</h2>
<p>You do not have access to backboard.railway.com.</p>
<p>The site owner may have set restrictions that prevent you from accessing the site.</p>
<p>Ray ID: 8f00000000000000 &bull; Performance &amp; security by Cloudflare</p>
</div>
</div>
</body>
</html>
"#;
