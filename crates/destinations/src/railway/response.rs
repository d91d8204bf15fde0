//! Reading one HTTP answer from Railway into either its `data` or a classified
//! [`RailwayError`] — a pure function of (status, headers, body), so every branch has a
//! unit test without a server.
//!
//! Order matters and follows what Railway actually sends: 429 first (decided on status
//! and headers, the body is undocumented), then non-JSON bodies (Cloudflare pages),
//! then GraphQL `errors` (checked before `data`: HTTP 200 with `errors` and
//! `data: null` is Railway's normal failure), then the HTTP status, then `data`.

use std::time::SystemTime;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::errors::{GraphqlErrorInfo, RailwayError, classify_graphql_errors, classify_http_status};
use super::rate_limit::{RateLimitStatus, parse_retry_after};

/// Whether the operation changes state: a lost answer to a mutation is
/// `OutcomeUnknown`, never `Transient`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Query,
    Mutation,
}

/// Interprets a complete response. `Ok` carries the non-null `data` object.
pub(crate) fn interpret(
    operation: &str,
    kind: OpKind,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<Value, RailwayError> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok().filter(Value::is_object);

    if status == 429 {
        let message = parsed
            .as_ref()
            .and_then(graphql_errors)
            .map(|e| super::errors::join_messages(&e))
            .unwrap_or_else(|| "HTTP 429 Too Many Requests".to_owned());
        return Err(RailwayError::RateLimited {
            retry_after: parse_retry_after(headers, now),
            reset: RateLimitStatus::from_headers(headers).and_then(|s| s.reset),
            message,
        });
    }

    let Some(json) = parsed else {
        return Err(non_json(operation, kind, status, headers, body));
    };

    if let Some(errors) = graphql_errors(&json) {
        let err = classify_graphql_errors(status, &errors);
        return Err(settle(kind, err));
    }

    if !(200..300).contains(&status) {
        let what = describe_json_without_errors(status, &json);
        return Err(settle(kind, classify_http_status(status, what)));
    }

    match json.get("data") {
        Some(data) if data.is_object() => Ok(data.clone()),
        _ => Err(settle(
            kind,
            RailwayError::Transient {
                message: format!("Railway answered {operation} with neither data nor errors"),
                status: Some(status),
            },
        )),
    }
}

/// A mutation that reached Railway and failed without saying why may have been
/// applied.
fn settle(kind: OpKind, err: RailwayError) -> RailwayError {
    match kind {
        OpKind::Mutation => err.for_mutation(),
        OpKind::Query => err,
    }
}

/// The `errors` array when present and non-empty.
fn graphql_errors(json: &Value) -> Option<Vec<GraphqlErrorInfo>> {
    let list = json.get("errors")?.as_array()?;
    if list.is_empty() {
        return None;
    }
    Some(
        list.iter()
            .map(|e| GraphqlErrorInfo {
                message: e.get("message").and_then(Value::as_str).unwrap_or("(error without a message)").to_owned(),
                code: e.pointer("/extensions/code").and_then(Value::as_str).map(str::to_owned),
                trace_id: e.get("traceId").or_else(|| e.pointer("/extensions/traceId")).and_then(|t| match t {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }),
            })
            .collect(),
    )
}

/// e.g. Railway's 404 for an unknown path: `{"message":"Not Found","requestId":"…"}`.
fn describe_json_without_errors(status: u16, json: &Value) -> String {
    let message = json.get("message").and_then(Value::as_str);
    let request_id = json.get("requestId").and_then(Value::as_str);
    match (message, request_id) {
        (Some(m), Some(r)) => format!("Railway answered HTTP {status}: {m} (requestId {r})"),
        (Some(m), None) => format!("Railway answered HTTP {status}: {m}"),
        _ => format!("Railway answered HTTP {status} without GraphQL errors"),
    }
}

/// A body that is not a JSON object: usually an HTML page from Cloudflare or a proxy.
fn non_json(operation: &str, kind: OpKind, status: u16, headers: &HeaderMap, body: &[u8]) -> RailwayError {
    let text = String::from_utf8_lossy(body);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let is_html = content_type.contains("html") || text.trim_start().starts_with('<');
    let message = if is_html {
        let title = html_title(&text);
        let origin = if text.to_lowercase().contains("cloudflare") { "Cloudflare: " } else { "" };
        match title {
            Some(t) => format!("Railway answered HTTP {status} with an HTML page ({origin}\"{t}\") to {operation}"),
            None => format!("Railway answered HTTP {status} with an HTML page to {operation}"),
        }
    } else if body.is_empty() {
        format!("Railway answered HTTP {status} with an empty body to {operation}")
    } else {
        format!(
            "Railway answered HTTP {status} with a non-JSON body ({} bytes, content-type {content_type:?}) to {operation}",
            body.len()
        )
    };

    match status {
        401 => RailwayError::Unauthorized { message },
        // A WAF page (403) comes from the edge: the request never reached Railway, so
        // even a mutation is known not to have been applied.
        403 | 408 => RailwayError::Transient { message, status: Some(status) },
        s if s >= 500 || (200..300).contains(&s) => {
            settle(kind, RailwayError::Transient { message, status: Some(status) })
        }
        _ => RailwayError::Rejected { message },
    }
}

/// The text of the first `<title>`, whitespace collapsed, at most 200 characters.
fn html_title(html: &str) -> Option<String> {
    let lower = html.to_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = html.get(open_end..close)?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then(|| title.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn run(
        kind: OpKind,
        status: u16,
        headers: &[(&'static str, &'static str)],
        body: &str,
    ) -> Result<Value, RailwayError> {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_static(v));
        }
        interpret("Op", kind, status, &h, body.as_bytes(), SystemTime::now())
    }

    const CLOUDFLARE: &str = "<!DOCTYPE html><html><head><title>Access denied | backboard.railway.com used Cloudflare to restrict access</title></head><body>cloudflare</body></html>";

    #[test]
    fn data_is_returned_when_there_are_no_errors() {
        let data = run(OpKind::Query, 200, &[], r#"{"data":{"me":{"id":"u"}}}"#).expect("data");
        assert_eq!(data["me"]["id"], "u");
    }

    #[test]
    fn errors_are_checked_before_data() {
        let e = run(
            OpKind::Query,
            200,
            &[],
            r#"{"errors":[{"message":"Not Authorized","traceId":"123"}],"data":{"me":null}}"#,
        )
        .expect_err("error");
        assert_eq!(e, RailwayError::Unauthorized { message: "Not Authorized (traceId 123)".into() });
    }

    #[test]
    fn rate_limited_uses_headers_whatever_the_body() {
        for body in ["", "<html>slow down</html>", r#"{"errors":[{"message":"Rate limit exceeded"}]}"#] {
            let e = run(
                OpKind::Mutation,
                429,
                &[("retry-after", "17"), ("x-ratelimit-reset", "2030-01-01T00:00:00Z")],
                body,
            )
            .expect_err("429");
            assert!(matches!(e, RailwayError::RateLimited { .. }), "{e:?}");
            assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(17)));
        }
    }

    #[test]
    fn cloudflare_page_is_transient_and_named() {
        for kind in [OpKind::Query, OpKind::Mutation] {
            let e = run(kind, 403, &[("content-type", "text/html")], CLOUDFLARE).expect_err("waf");
            assert_eq!(
                e.message(),
                "Railway answered HTTP 403 with an HTML page (Cloudflare: \"Access denied | backboard.railway.com used Cloudflare to restrict access\") to Op"
            );
            assert!(matches!(e, RailwayError::Transient { status: Some(403), .. }));
        }
    }

    #[test]
    fn bad_gateway_is_transient_for_reads_and_unknown_for_writes() {
        let q = run(OpKind::Query, 502, &[], "<html><title>502 Bad Gateway</title></html>").expect_err("502");
        assert!(matches!(q, RailwayError::Transient { status: Some(502), .. }));
        let m = run(OpKind::Mutation, 503, &[], "").expect_err("503");
        assert!(matches!(m, RailwayError::OutcomeUnknown { .. }), "{m:?}");
    }

    #[test]
    fn problem_processing_request_on_a_mutation_is_outcome_unknown() {
        let body = r#"{"errors":[{"message":"Problem processing request","traceId":"9"}],"data":null}"#;
        assert!(matches!(run(OpKind::Query, 200, &[], body), Err(RailwayError::Transient { .. })));
        assert!(matches!(run(OpKind::Mutation, 200, &[], body), Err(RailwayError::OutcomeUnknown { .. })));
    }

    #[test]
    fn validation_error_is_rejected_even_for_mutations() {
        let body = r#"{"errors":[{"message":"Cannot query field \"nope\" on type \"Mutation\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"},"traceId":"1"}]}"#;
        assert!(matches!(run(OpKind::Mutation, 400, &[], body), Err(RailwayError::Rejected { .. })));
    }

    #[test]
    fn unknown_path_is_rejected_with_request_id() {
        let e = run(OpKind::Query, 404, &[], r#"{"message":"Not Found","requestId":"r-1"}"#).expect_err("404");
        assert_eq!(
            e,
            RailwayError::Rejected { message: "Railway answered HTTP 404: Not Found (requestId r-1)".into() }
        );
    }

    #[test]
    fn missing_data_is_transient_or_unknown() {
        assert!(matches!(run(OpKind::Query, 200, &[], r#"{"data":null}"#), Err(RailwayError::Transient { .. })));
        assert!(matches!(run(OpKind::Mutation, 200, &[], "{}"), Err(RailwayError::OutcomeUnknown { .. })));
    }

    #[test]
    fn html_title_extraction() {
        assert_eq!(html_title("<TITLE>\n a  b </TITLE>").as_deref(), Some("a b"));
        assert_eq!(html_title("<p>no title</p>"), None);
    }
}
