//! Railway's error envelopes (reference §7.1): each error carries a decimal-string `traceId` at
//! its top level; request errors (HTTP 400) have an `extensions.code` and no `data` key;
//! resolver errors (HTTP 200) have `path` and `extensions.code = "INTERNAL_SERVER_ERROR"`,
//! except the generic `Problem processing request`, which has no code.

use apollo_compiler::response::ExecutionResponse;
use serde_json::{Map, Value, json};

pub(crate) const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub(crate) const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub(crate) const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub(crate) const BAD_REQUEST: &str = "BAD_REQUEST";
pub(crate) const INTERNAL: &str = "INTERNAL_SERVER_ERROR";

pub(crate) const NOT_AUTHORIZED: &str = "Not Authorized";
pub(crate) const PROBLEM_PROCESSING: &str = "Problem processing request";

/// An 18–19 digit decimal string, like Railway's trace ids.
pub(crate) fn trace_id() -> String {
    rand::random_range(100_000_000_000_000_000_u64..10_000_000_000_000_000_000_u64).to_string()
}

/// One request-level error object (no `path`).
pub(crate) fn request_error(message: &str, locations: Value, code: &str) -> Value {
    let mut error = Map::new();
    error.insert("message".into(), Value::String(message.to_owned()));
    if locations.as_array().is_some_and(|l| !l.is_empty()) {
        error.insert("locations".into(), locations);
    }
    error.insert("extensions".into(), json!({ "code": code }));
    error.insert("traceId".into(), Value::String(trace_id()));
    Value::Object(error)
}

/// `{"errors": [...]}` without `data`.
pub(crate) fn request_errors(errors: Vec<Value>) -> Value {
    json!({ "errors": errors })
}

/// One resolver error object, shaped like Railway's.
pub(crate) fn field_error(message: &str, locations: Value, path: Value) -> Value {
    let mut error = Map::new();
    error.insert("message".into(), Value::String(message.to_owned()));
    error.insert("locations".into(), locations);
    error.insert("path".into(), path);
    if message != PROBLEM_PROCESSING {
        error.insert("extensions".into(), json!({ "code": INTERNAL }));
    }
    error.insert("traceId".into(), Value::String(trace_id()));
    Value::Object(error)
}

/// An execution response as Railway's JSON: `errors` first (when any), then `data`.
pub(crate) fn execution_body(response: &ExecutionResponse) -> Value {
    let mut body = Map::new();
    if !response.errors.is_empty() {
        let errors = response
            .errors
            .iter()
            .map(|e| {
                let locations = serde_json::to_value(&e.locations).unwrap_or(Value::Null);
                let path = serde_json::to_value(&e.path).unwrap_or(Value::Null);
                // apollo-compiler prefixes resolver messages; Railway's are bare.
                let message = e.message.strip_prefix("resolver error: ").unwrap_or(&e.message);
                field_error(message, locations, path)
            })
            .collect();
        body.insert("errors".into(), Value::Array(errors));
    }
    let data = serde_json::to_value(&response.data).unwrap_or(Value::Null);
    body.insert("data".into(), data);
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_long_decimal_strings() {
        for _ in 0..200 {
            let id = trace_id();
            assert!((18..=19).contains(&id.len()), "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn problem_processing_request_has_no_code() {
        let e = field_error(PROBLEM_PROCESSING, json!([]), json!(["me"]));
        assert!(e.get("extensions").is_none());
        let e = field_error(NOT_AUTHORIZED, json!([]), json!(["me"]));
        assert_eq!(e["extensions"]["code"], INTERNAL);
    }
}
