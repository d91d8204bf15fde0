//! What every operation of the OpenAPI document has in common, added in one place once the
//! features' routers are merged (`http::app`), so that the served document says what the
//! server does without each handler repeating it:
//!
//! - every response has a `description` (OpenAPI 3.1 requires one; utoipa leaves it out
//!   when a handler gives none);
//! - an operation that needs a token declares the bearer scheme and its refusals, 401 (no
//!   valid credentials) and 403 (not allowed); [`PUBLIC`] lists the few that do not;
//! - an operation that takes input (path or query parameters, or a body) may answer 400 (it
//!   cannot be done as asked), 404 (something it names does not exist) and 422 (malformed
//!   input, `details` naming each field); one with a body also 400 for malformed JSON and
//!   413 for a body over the limit.
//!
//! Each added error answer has Infisical's error body (`ErrorBody`). Statuses that only some
//! operations give (429, 502, 503, 304) stay declared on their handlers. The schema-fuzzing
//! suite (`tests/server/schema_fuzz.rs`) holds every answer to this document.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Operations anyone may call: health, the one-time bootstrap and the sign-in paths (whose
/// credentials are in the body).
pub const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/status"),
    ("get", "/api/ready"),
    ("post", "/api/v1/admin/bootstrap"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/session"),
    ("post", "/api/v1/auth/universal-auth/login"),
    ("post", "/api/v1/auth/oidc-auth/login"),
    ("post", "/api/v1/auth/token/renew"),
    ("post", "/api/v1/auth/token/revoke"),
];

/// Completes `doc` as the module documentation says.
pub fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let public = PUBLIC.contains(&(method, path.as_str()));
            complete_operation(op, public);
        }
    }
}

fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    let PathItem { get, put, post, delete, patch, .. } = item;
    [("get", get), ("put", put), ("post", post), ("delete", delete), ("patch", patch)]
        .into_iter()
        .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
        .collect()
}

fn complete_operation(op: &mut Operation, public: bool) {
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut errors: Vec<u16> = Vec::new();
    if !public {
        if op.security.as_ref().is_none_or(Vec::is_empty) {
            op.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
        }
        errors.extend([401, 403]);
    }
    if has_body || has_params {
        errors.extend([400, 404, 422]);
    }
    if has_body {
        errors.push(413);
    }
    for status in errors {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(status));
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = describe(status).to_string();
        }
    }
}

fn error_response(status: u16) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(
        ResponseBuilder::new().description(describe(&status.to_string())).content("application/json", content).build(),
    )
}

/// What each status means in this API.
fn describe(status: &str) -> &'static str {
    match status {
        "200" => "Success.",
        "304" => "Not modified since the version the client has.",
        "400" => "The request cannot be done as asked; the message says why.",
        "401" => "No valid credentials: the token is missing, unknown, expired or revoked.",
        "403" => "The credentials are valid but not allowed to do this.",
        "404" => "Something the request names does not exist (or is not visible to the caller).",
        "408" => "The request was not answered within the server's request timeout.",
        "413" => "The request body is larger than the server reads.",
        "422" => "The input is malformed; `details` names each field that is wrong.",
        "429" => "Too many requests; `Retry-After` says when to try again.",
        "502" => "Railway failed to answer; the message keeps its words.",
        "503" => "Not ready; the message names what is down.",
        _ => "See the operation's description.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served() -> OpenApi {
        let mut doc = crate::features::router().split_for_parts().1.write();
        complete(&mut doc);
        doc
    }

    #[test]
    fn every_response_has_a_description_and_every_private_operation_declares_its_token() {
        let doc = served();
        let mut checked = 0;
        for (path, item) in doc.paths.paths.clone().iter_mut() {
            for (method, op) in operations(item) {
                checked += 1;
                for (status, response) in &op.responses.responses {
                    if let RefOr::T(r) = response {
                        assert!(!r.description.is_empty(), "{method} {path} {status} has no description");
                    }
                }
                let public = PUBLIC.contains(&(method, path.as_str()));
                assert_eq!(op.security.is_some(), !public, "{method} {path}: security declared iff not public");
                if !public {
                    assert!(op.responses.responses.contains_key("401"), "{method} {path} lacks 401");
                }
            }
        }
        assert!(checked > 100, "only {checked} operations");
    }

    /// A query parameter is one name with a scalar (or list) value: a flattened struct
    /// documented as one object-typed parameter (`project`) sent clients a parameter the
    /// server does not read, and hid the four it does.
    #[test]
    fn no_parameter_is_an_object() {
        let doc = served();
        for (path, item) in doc.paths.paths.clone().iter_mut() {
            for (method, op) in operations(item) {
                for param in op.parameters.iter().flatten() {
                    let RefOr::T(param) = param else { continue };
                    let schema = serde_json::to_value(&param.schema).expect("json");
                    assert_ne!(schema["type"], "object", "{method} {path}: parameter {} is an object", param.name);
                }
            }
        }
    }

    #[test]
    fn every_public_operation_exists() {
        let doc = served();
        for (method, path) in PUBLIC {
            let item = doc.paths.paths.get(*path).unwrap_or_else(|| panic!("{path} is not served"));
            let mut item = item.clone();
            assert!(operations(&mut item).iter().any(|(m, _)| m == method), "{method} {path} is not served");
        }
    }
}
