//! Fault injection (reference §10.7): answers queued for the next N requests, optionally only
//! for one operation name or root field. The queue lives here; what each fault answers is
//! decided by the transport (`transport::fault_response`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One queued fault. JSON (`POST /__fake/faults`):
/// `{"kind":"httpStatus","status":503,"count":2,"operationName":"Upsert","rootField":"variables"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many matching requests it answers (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Only requests whose operation has this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    /// Only requests selecting this root field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_field: Option<String>,
}

fn one() -> u32 {
    1
}

fn bad_gateway() -> u16 {
    502
}

/// What a fault answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FaultKind {
    /// HTTP 200, `data: null`, one error `Problem processing request` without `extensions.code`.
    ProblemProcessingRequest,
    /// HTTP 200, `data: null`, one error `Not Authorized` (`INTERNAL_SERVER_ERROR`).
    NotAuthorized,
    /// This HTTP status with a small body (default: `error code: <status>` as text).
    HttpStatus {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// HTTP 403 with Cloudflare's HTML "Access denied" page.
    CloudflareBlock,
    /// The request is executed, then the answer is held back for `delayMs`.
    Slow { delay_ms: u64 },
    /// HTTP 429 with `Retry-After: <retryAfterSecs>`.
    RateLimited { retry_after_secs: u64 },
    /// The request waits, not executed, until the test releases it
    /// (`FakeRailway::release_held`); then it is executed and answered as usual: a write
    /// in flight that lands late. A test control modelling network delay, not a Railway
    /// behaviour.
    Held,
    /// The request is executed (a mutation is applied), but the answer is this status
    /// (default 502): the client cannot know whether its write happened.
    FailAfterApply {
        #[serde(default = "bad_gateway")]
        status: u16,
    },
}

impl FaultKind {
    /// The `kind` name used in JSON and in request records.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::ProblemProcessingRequest => "problemProcessingRequest",
            FaultKind::NotAuthorized => "notAuthorized",
            FaultKind::HttpStatus { .. } => "httpStatus",
            FaultKind::CloudflareBlock => "cloudflareBlock",
            FaultKind::Slow { .. } => "slow",
            FaultKind::RateLimited { .. } => "rateLimited",
            FaultKind::FailAfterApply { .. } => "failAfterApply",
            FaultKind::Held => "held",
        }
    }
}

impl Fault {
    /// A fault answering the next matching request once.
    pub fn new(kind: FaultKind) -> Self {
        Self { kind, count: 1, operation_name: None, root_field: None }
    }

    pub fn problem_processing_request() -> Self {
        Self::new(FaultKind::ProblemProcessingRequest)
    }

    pub fn not_authorized() -> Self {
        Self::new(FaultKind::NotAuthorized)
    }

    pub fn http_status(status: u16) -> Self {
        Self::new(FaultKind::HttpStatus { status, body: None })
    }

    pub fn cloudflare_block() -> Self {
        Self::new(FaultKind::CloudflareBlock)
    }

    pub fn slow(delay: Duration) -> Self {
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        Self::new(FaultKind::Slow { delay_ms })
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(FaultKind::RateLimited { retry_after_secs })
    }

    pub fn held() -> Self {
        Self::new(FaultKind::Held)
    }

    pub fn fail_after_apply() -> Self {
        Self::new(FaultKind::FailAfterApply { status: 502 })
    }

    /// Answers the next `count` matching requests.
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Only requests whose operation is named `name`.
    pub fn for_operation(mut self, name: impl Into<String>) -> Self {
        self.operation_name = Some(name.into());
        self
    }

    /// Only requests selecting the root field `name`.
    pub fn for_root_field(mut self, name: impl Into<String>) -> Self {
        self.root_field = Some(name.into());
        self
    }

    fn matches(&self, operation_name: Option<&str>, root_fields: &[String]) -> bool {
        let op_ok = self.operation_name.as_deref().is_none_or(|want| operation_name == Some(want));
        let field_ok = self.root_field.as_deref().is_none_or(|want| root_fields.iter().any(|f| f == want));
        op_ok && field_ok
    }
}

/// Faults waiting for requests, first queued first served.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queued: Vec<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.queued.push(fault);
        }
    }

    /// Takes one use of the first fault matching this request.
    pub fn take(&mut self, operation_name: Option<&str>, root_fields: &[String]) -> Option<FaultKind> {
        let index = self.queued.iter().position(|f| f.matches(operation_name, root_fields))?;
        let fault = &mut self.queued[index];
        fault.count -= 1;
        let kind = fault.kind.clone();
        if fault.count == 0 {
            self.queued.remove(index);
        }
        Some(kind)
    }

    /// Takes one use of the first fault matching this request when that fault is
    /// [`FaultKind::Held`] (the request then waits before anything else is decided).
    pub fn take_held(&mut self, operation_name: Option<&str>, root_fields: &[String]) -> bool {
        let first = self.queued.iter().position(|f| f.matches(operation_name, root_fields));
        if first.is_some_and(|i| self.queued[i].kind == FaultKind::Held) {
            self.take(operation_name, root_fields);
            true
        } else {
            false
        }
    }

    pub fn pending(&self) -> Vec<Fault> {
        self.queued.clone()
    }

    pub fn clear(&mut self) {
        self.queued.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let fault: Fault =
            serde_json::from_str(r#"{"kind":"httpStatus","status":503,"count":2,"rootField":"variables"}"#)
                .expect("parses");
        assert_eq!(
            fault,
            Fault::new(FaultKind::HttpStatus { status: 503, body: None }).times(2).for_root_field("variables")
        );
        let slow: Fault = serde_json::from_str(r#"{"kind":"slow","delayMs":250}"#).expect("parses");
        assert_eq!(slow, Fault::slow(Duration::from_millis(250)));
        let fail: Fault = serde_json::from_str(r#"{"kind":"failAfterApply"}"#).expect("parses");
        assert_eq!(fail, Fault::fail_after_apply());
        let json = serde_json::to_value(Fault::rate_limited(7)).expect("serializes");
        assert_eq!(json, serde_json::json!({"kind":"rateLimited","retryAfterSecs":7,"count":1}));
    }

    #[test]
    fn queue_matches_filters_and_counts_down() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::http_status(502).for_operation("Upsert"));
        queue.push(Fault::not_authorized().for_root_field("me").times(2));
        let me = ["me".to_owned()];
        assert_eq!(queue.take(Some("Other"), &[]), None);
        assert_eq!(queue.take(None, &me), Some(FaultKind::NotAuthorized));
        assert_eq!(queue.take(Some("Upsert"), &me).map(|k| k.name()), Some("httpStatus"));
        assert_eq!(queue.take(None, &me), Some(FaultKind::NotAuthorized));
        assert_eq!(queue.take(None, &me), None);
        assert!(queue.pending().is_empty());
    }
}
