//! [`RailwayError`]: the one error type of the Railway client, and the rules that sort
//! Railway's answers into its classes.
//!
//! The sync engine owns retry policy; what it needs from this layer is a class it can
//! act on (retry later, stop and re-read, fix the credentials, fix the request) plus
//! Railway's own words. Classification is split into small pure functions
//! ([`classify_graphql_errors`], [`classify_http_status`]) so each rule has a unit test.
//!
//! Secret values never reach these messages: the transport scrubs every value it sent
//! from Railway's text before building an error (see `client.rs`), and nothing here
//! formats request variables.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

/// Everything that can go wrong talking to Railway, classified for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RailwayError {
    /// The token was refused, or it cannot see the resource. Railway also answers
    /// `Not Authorized` for ids that do not exist, so this may mean "wrong id".
    #[error("Railway refused the credentials: {message}")]
    Unauthorized { message: String },

    /// Railway says a named resource does not exist (`Project not found`, …).
    #[error("Railway could not find it: {message}")]
    NotFound { message: String },

    /// The sync's Railway project, environment or service no longer exists, or the token
    /// (which Railway still accepts) cannot see it. The message names which.
    #[error("{message}")]
    Gone { message: String },

    /// HTTP 429 (or a resolver throttle). Nothing was applied; resend after the delay.
    #[error("Railway rate limit reached{}: {message}", describe_wait(*.retry_after))]
    RateLimited { retry_after: Option<Duration>, reset: Option<OffsetDateTime>, message: String },

    /// A failure that says nothing about the request itself: 5xx, `Problem processing
    /// request`, a timeout, a connection error, a non-JSON page from a proxy. Only ever
    /// produced for reads and for requests that provably never reached Railway.
    #[error("Railway is unavailable: {message}")]
    Transient { message: String, status: Option<u16> },

    /// Railway rejected the request: GraphQL validation (schema drift), HTTP 400,
    /// `BAD_USER_INPUT`, or a resolver error that is not one of the classes above.
    /// Resending the same request will fail the same way.
    #[error("Railway rejected the request: {message}")]
    Rejected { message: String },

    /// A mutation was sent but its answer was lost (timeout, 5xx, generic backend
    /// failure). It may or may not have been applied: re-read the state, never resend
    /// blindly.
    #[error("Railway's answer to a change was lost; it may or may not have been applied: {message}")]
    OutcomeUnknown { message: String },

    /// The client itself could not be built (bad base URL, TLS initialisation).
    #[error("Railway client configuration: {message}")]
    Config { message: String },
}

fn describe_wait(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} s)", d.as_secs()),
        None => String::new(),
    }
}

impl RailwayError {
    /// Whether resending the *same* request later can succeed. `OutcomeUnknown` is not
    /// retryable: the caller must re-read state and decide again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }

    /// How long Railway asked us to wait: `Retry-After`, else the time until
    /// `X-RateLimit-Reset`. `None` when Railway gave no hint.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after: Some(d), .. } => Some(*d),
            Self::RateLimited { reset: Some(reset), .. } => {
                let now = OffsetDateTime::from(SystemTime::now());
                Some(Duration::try_from(*reset - now).unwrap_or(Duration::ZERO))
            }
            _ => None,
        }
    }

    /// The message without the class prefix (Railway's own text where there was one).
    pub fn message(&self) -> &str {
        match self {
            Self::Unauthorized { message }
            | Self::NotFound { message }
            | Self::Gone { message }
            | Self::RateLimited { message, .. }
            | Self::Transient { message, .. }
            | Self::Rejected { message }
            | Self::OutcomeUnknown { message }
            | Self::Config { message } => message,
        }
    }

    /// Rewrites the message (used to scrub secret values out of Railway's text).
    pub(crate) fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            Self::Unauthorized { message } => Self::Unauthorized { message: f(message) },
            Self::NotFound { message } => Self::NotFound { message: f(message) },
            Self::Gone { message } => Self::Gone { message: f(message) },
            Self::RateLimited { retry_after, reset, message } => {
                Self::RateLimited { retry_after, reset, message: f(message) }
            }
            Self::Transient { message, status } => Self::Transient { message: f(message), status },
            Self::Rejected { message } => Self::Rejected { message: f(message) },
            Self::OutcomeUnknown { message } => Self::OutcomeUnknown { message: f(message) },
            Self::Config { message } => Self::Config { message: f(message) },
        }
    }

    /// Turn a failure of a mutation whose request reached Railway into
    /// `OutcomeUnknown` when the failure says nothing about whether it was applied.
    pub(crate) fn for_mutation(self) -> Self {
        match self {
            Self::Transient { message, .. } => Self::OutcomeUnknown { message },
            other => other,
        }
    }
}

/// One entry of a GraphQL `errors` array, reduced to what classification needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GraphqlErrorInfo {
    pub message: String,
    pub code: Option<String>,
    pub trace_id: Option<String>,
}

/// Joins all messages verbatim, each with its `traceId`, as `msg (traceId 123); msg2`.
pub(crate) fn join_messages(errors: &[GraphqlErrorInfo]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| match &e.trace_id {
            Some(t) => format!("{} (traceId {t})", e.message),
            None => e.message.clone(),
        })
        .collect();
    if parts.is_empty() { "Railway returned an empty errors array".to_owned() } else { parts.join("; ") }
}

/// Classifies a non-empty GraphQL `errors` array by message (lower-cased substrings, as
/// Railway's CLI does) and code. `status` is the HTTP status it came with. Never keys on
/// `extensions.code` alone for auth: Railway sends `INTERNAL_SERVER_ERROR` for everything.
pub(crate) fn classify_graphql_errors(status: u16, errors: &[GraphqlErrorInfo]) -> RailwayError {
    let message = join_messages(errors);
    let lower: Vec<String> = errors.iter().map(|e| e.message.to_lowercase()).collect();
    let any = |pred: &dyn Fn(&str) -> bool| lower.iter().any(|m| pred(m));
    let any_code = |codes: &[&str]| errors.iter().any(|e| e.code.as_deref().is_some_and(|c| codes.contains(&c)));

    if status == 429 {
        return RailwayError::RateLimited { retry_after: None, reset: None, message };
    }
    if status == 400 || any_code(&["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"]) {
        return RailwayError::Rejected { message };
    }
    if any(&|m| m.contains("not authorized") || m.contains("project token not found")) {
        return RailwayError::Unauthorized { message };
    }
    if any(&|m| m.contains("not found")) {
        return RailwayError::NotFound { message };
    }
    if any(&|m| m.contains("rate limit") || m.contains("too quickly") || m.contains("whoa there")) {
        return RailwayError::RateLimited { retry_after: None, reset: None, message };
    }
    if status >= 500 || any(&|m| m.contains("problem processing request")) {
        return RailwayError::Transient { message, status: Some(status) };
    }
    RailwayError::Rejected { message }
}

/// Classifies a JSON response that carried no GraphQL errors but a non-success status.
/// (Non-JSON bodies such as a Cloudflare page are classified by the transport.)
pub(crate) fn classify_http_status(status: u16, what: String) -> RailwayError {
    match status {
        429 => RailwayError::RateLimited { retry_after: None, reset: None, message: what },
        401 | 403 => RailwayError::Unauthorized { message: what },
        s if s >= 500 || s == 408 => RailwayError::Transient { message: what, status: Some(s) },
        _ => RailwayError::Rejected { message: what },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(message: &str, code: Option<&str>) -> GraphqlErrorInfo {
        GraphqlErrorInfo {
            message: message.to_owned(),
            code: code.map(str::to_owned),
            trace_id: Some("3228611448008834401".to_owned()),
        }
    }

    #[test]
    fn not_authorized_and_project_token_not_found_are_unauthorized() {
        for m in ["Not Authorized", "Project Token not found"] {
            let e = classify_graphql_errors(200, &[err(m, Some("INTERNAL_SERVER_ERROR"))]);
            assert!(matches!(e, RailwayError::Unauthorized { .. }), "{m}: {e:?}");
            assert!(!e.is_retryable());
        }
    }

    #[test]
    fn not_found_messages_are_not_found() {
        let e = classify_graphql_errors(200, &[err("ServiceInstance not found", None)]);
        assert!(matches!(e, RailwayError::NotFound { .. }));
    }

    #[test]
    fn problem_processing_request_is_transient_and_keeps_trace_id() {
        let e = classify_graphql_errors(200, &[err("Problem processing request", None)]);
        assert!(matches!(e, RailwayError::Transient { status: Some(200), .. }));
        assert!(e.is_retryable());
        assert_eq!(e.message(), "Problem processing request (traceId 3228611448008834401)");
    }

    #[test]
    fn validation_and_bad_input_are_rejected() {
        let v = classify_graphql_errors(
            400,
            &[err("Cannot query field \"nope\" on type \"Query\".", Some("GRAPHQL_VALIDATION_FAILED"))],
        );
        assert!(matches!(v, RailwayError::Rejected { .. }));
        let b = classify_graphql_errors(200, &[err("Variable \"$x\" invalid", Some("BAD_USER_INPUT"))]);
        assert!(matches!(b, RailwayError::Rejected { .. }));
        let other = classify_graphql_errors(200, &[err("Cannot redeploy yet", None)]);
        assert!(matches!(other, RailwayError::Rejected { .. }));
    }

    #[test]
    fn all_messages_are_joined_verbatim() {
        let e = classify_graphql_errors(
            200,
            &[err("Not Authorized", None), GraphqlErrorInfo { message: "second".into(), ..Default::default() }],
        );
        assert_eq!(e.message(), "Not Authorized (traceId 3228611448008834401); second");
    }

    #[test]
    fn resolver_throttles_are_rate_limited() {
        let e = classify_graphql_errors(200, &[err("You are creating projects too quickly", None)]);
        assert!(matches!(e, RailwayError::RateLimited { .. }));
    }

    #[test]
    fn http_statuses_without_graphql_errors() {
        assert!(matches!(classify_http_status(502, "x".into()), RailwayError::Transient { status: Some(502), .. }));
        assert!(matches!(classify_http_status(404, "x".into()), RailwayError::Rejected { .. }));
        assert!(matches!(classify_http_status(401, "x".into()), RailwayError::Unauthorized { .. }));
        assert!(matches!(classify_http_status(503, "x".into()), RailwayError::Transient { .. }));
    }

    #[test]
    fn mutations_turn_transient_into_outcome_unknown_only() {
        let t = RailwayError::Transient { message: "m".into(), status: Some(502) };
        assert!(matches!(t.for_mutation(), RailwayError::OutcomeUnknown { .. }));
        let r = RailwayError::Rejected { message: "m".into() };
        assert!(matches!(r.for_mutation(), RailwayError::Rejected { .. }));
    }

    #[test]
    fn retry_after_falls_back_to_reset() {
        let reset = OffsetDateTime::from(SystemTime::now()) + time::Duration::seconds(120);
        let e = RailwayError::RateLimited { retry_after: None, reset: Some(reset), message: String::new() };
        let wait = e.retry_after().map(|d| d.as_secs()).unwrap_or_default();
        assert!((118..=120).contains(&wait), "{wait}");
        let e = RailwayError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            reset: Some(reset),
            message: String::new(),
        };
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }
}
