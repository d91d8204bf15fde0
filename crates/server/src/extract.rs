//! Our own extractors, so that a malformed body, query or path answers in the same
//! shape as every other error and says exactly where the problem is.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Largest JSON body we read.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// A JSON request body. An empty body reads as `{}` (Infisical's clients send bodiless
/// POSTs to trigger endpoints). Bad JSON syntax answers 400 with line and column; a body
/// of the wrong shape answers 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!(
                    "The request body is larger than {} MiB, the most this server reads",
                    BODY_LIMIT / (1024 * 1024)
                ))
            } else {
                ApiError::bad_request(format!("Could not read the request body: {}", e.body_text()))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body with the error reporting described on [`ApiJson`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) { b"{}" } else { bytes };
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match parsed {
        Ok(v) => {
            de.end().map_err(|e| syntax_error(&e))?;
            Ok(v)
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Err(syntax_error(&inner))
            } else {
                let field = if path == "." || path.is_empty() { "body".to_string() } else { format!("body.{path}") };
                Err(ApiError::invalid(field, without_echoed_value(&strip_position(&inner.to_string()))))
            }
        }
    }
}

fn syntax_error(e: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!(
        "Malformed JSON in request body at line {}, column {}: {}",
        e.line(),
        e.column(),
        strip_position(&e.to_string())
    ))
}

/// serde echoes the offending value (`invalid type: integer `123456`, expected a string`);
/// the value may be a secret, so only its kind is kept: `invalid type: integer, expected a string`.
fn without_echoed_value(msg: &str) -> String {
    let Some(rest) = msg.strip_prefix("invalid type: ").or_else(|| msg.strip_prefix("invalid value: ")) else {
        return msg.to_string();
    };
    let prefix = &msg[..msg.len() - rest.len()];
    let Some(expected) = rest.rfind(", expected ") else { return format!("{prefix}(value not shown)") };
    let (found, tail) = rest.split_at(expected);
    let kind = found.split(['"', '`']).next().unwrap_or("").trim_end();
    format!("{prefix}{kind}{tail}")
}

/// serde_json appends " at line L column C"; we state the position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Query parameters. A bad parameter answers 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(q));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|err| {
            let path = err.path().to_string();
            let field = if path == "." { "query".to_string() } else { format!("query.{path}") };
            ApiError::invalid(field, err.into_inner().to_string())
        })
    }
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// Path parameters; a malformed one answers 422.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::invalid("params", e.body_text()))
    }
}

/// A display name given in a request (an identity's, a project's, an environment's, an
/// organization's): trimmed, 1 to 64 characters, without control characters (which no
/// page shows, and PostgreSQL cannot store the NUL character). `field` names where
/// (`body.name`).
pub fn display_name(raw: &str, field: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid(field, "name must be 1 to 64 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "name must not contain control characters (such as \\u0000)"));
    }
    Ok(name.to_string())
}

/// Free text given in a request (a description, a first name): trimmed, at most `max`
/// characters, and without the NUL character, which PostgreSQL cannot store. `field`
/// names where (`body.description`); its last part names the text in the message.
pub fn free_text(raw: &str, field: &str, max: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    let what = field.rsplit('.').next().unwrap_or(field);
    if text.chars().count() > max {
        return Err(ApiError::invalid(field, format!("{what} must be at most {max} characters")));
    }
    if text.contains('\0') {
        return Err(ApiError::invalid(field, format!("{what} must not contain the NUL character (\\u0000)")));
    }
    Ok(text.to_string())
}

/// Parses an id given in a request; `field` names where (`params.syncId`).
pub fn parse_id<I>(raw: &str, field: &str, parse: fn(&str) -> Option<I>) -> Result<I, ApiError> {
    parse(raw).ok_or_else(|| ApiError::invalid(field, format!("Invalid UUID \"{raw}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn free_text_is_trimmed_bounded_and_without_nul() {
        let long = "x".repeat(11);
        let cases: [(&str, Result<&str, &str>); 5] = [
            ("  a note  ", Ok("a note")),
            ("", Ok("")),
            ("a\tb\nc", Ok("a\tb\nc")),
            ("a\u{0}b", Err("NUL character")),
            (&long, Err("at most 10 characters")),
        ];
        for (raw, want) in cases {
            match (free_text(raw, "body.description", 10), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want),
                (Err(e), Err(want)) => {
                    let text = format!("{e:?}");
                    assert!(text.contains(want) && text.contains("body.description"), "{raw:?}: {text}");
                }
                (got, want) => panic!("{raw:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn trailing_comma_is_reported_with_its_position() {
        let err = parse_json::<Body>(b"{\n  \"name\": \"x\",\n  \"inner\": {\"count\": 1,}\n}").expect_err("bad");
        let msg = err.to_string();
        assert!(matches!(err, ApiError::BadRequest(_)));
        assert!(msg.contains("line 3, column 24") && msg.contains("trailing comma"), "{msg}");
    }

    #[test]
    fn wrong_types_never_echo_the_value() {
        let err = parse_json::<Body>(br#"{"name":"x","inner":{"count":"hunter2-secret"}}"#).expect_err("bad");
        let msg = format!("{err:?} {err}");
        assert!(!msg.contains("hunter2-secret"), "{msg}");
        assert!(msg.contains("invalid type: string, expected u32"), "{msg}");
        let err = parse_json::<Body>(br#"{"name":987654321,"inner":{"count":1}}"#).expect_err("bad");
        let msg = format!("{err:?} {err}");
        assert!(!msg.contains("987654321") && msg.contains("invalid type: integer, expected a string"), "{msg}");
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = parse_json::<Body>(br#"{"name":"x","inner":{"count":"many"}}"#).expect_err("bad");
        match err {
            ApiError::Validation { details, .. } => assert_eq!(details[0].path, "body.inner.count"),
            other => panic!("{other:?}"),
        }
        let err = parse_json::<Body>(br#"{"inner":{"count":1}}"#).expect_err("missing");
        assert!(err.to_string().contains("missing field `name`"), "{err}");
    }
}
