//! What answers when no route matches: under `/api/` Infisical's JSON error body, with the
//! message Infisical's server gives (`Route GET:/api/v1/kms/keys not found`) so SDKs show
//! it instead of a blank error, and for the parts of Infisical Sluice does not have, a
//! message that says so; elsewhere (the UI's paths) an HTML page in the UI's style with a
//! link home. Wrong methods on a known path answer 405 the same way.

use crate::error::ApiError;
use crate::ui::page::UiError;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};

/// Infisical's surfaces Sluice does not implement, by path prefix, and what they are.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("/api/v1/kms", "Key management (KMS)"),
    ("/api/v1/dynamic-secrets", "Dynamic secrets"),
    ("/api/v2/service-token", "Service tokens"),
    ("/api/v1/service-token", "Service tokens"),
    ("/api/v1/auth/aws-auth", "AWS IAM login"),
    ("/api/v1/auth/gcp-auth", "GCP login"),
    ("/api/v1/auth/azure-auth", "Azure login"),
    ("/api/v1/auth/kubernetes-auth", "Kubernetes login"),
    ("/api/v1/auth/token-auth", "Token auth"),
    ("/api/v1/auth/jwt-auth", "JWT auth"),
    ("/api/v1/auth/ldap-auth", "LDAP login"),
    ("/api/v1/auth/oci-auth", "OCI login"),
    ("/api/v1/auth/alicloud-auth", "Alibaba Cloud login"),
    ("/api/v1/auth/tls-cert-auth", "TLS certificate login"),
    ("/api/v1/pki", "PKI and certificates"),
    ("/api/v1/ssh", "SSH certificates"),
    ("/api/v1/secret-rotations", "Secret rotation"),
    ("/api/v2/secret-rotations", "Secret rotation"),
    ("/api/v1/secret-scanning", "Secret scanning"),
    ("/api/v1/secret-approval-requests", "Secret approvals"),
    ("/api/v1/access-approvals", "Access approvals"),
    ("/api/v1/integrations", "Native integrations (Sluice syncs through secret syncs)"),
    ("/api/v1/webhooks", "Project webhooks (Sluice has notification channels)"),
];

fn is_api(uri: &Uri) -> bool {
    uri.path() == "/api" || uri.path().starts_with("/api/")
}

/// The 404 of an API path, in Infisical's words.
pub fn api_not_found(method: &Method, uri: &Uri) -> ApiError {
    let path = uri.path();
    let route = format!("Route {method}:{path} not found");
    let message =
        match UNSUPPORTED.iter().find(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}/"))) {
            Some((_, what)) => format!("{route}: {what} is not available in Sluice"),
            None => route,
        };
    ApiError::NoRoute { method_allowed: true, message }
}

/// No route matched.
pub async fn not_found(method: Method, uri: Uri) -> Response {
    if is_api(&uri) {
        return api_not_found(&method, &uri).into_response();
    }
    let message = format!("There is no page at {}.", uri.path());
    UiError::Api(ApiError::NotFound(message)).into_response()
}

/// The path exists, not for this method. On a UI path the page says it in words: opened
/// by address, a form's post address (a bookmark, a copied link) is no page.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if is_api(&uri) {
        let message = format!("Route {method}:{path} not found: the path exists, not for {method}");
        return ApiError::NoRoute { method_allowed: false, message }.into_response();
    }
    let message = if method == Method::GET {
        format!("{path} only receives forms; it is not a page to open. Go back to the page with the form.")
    } else {
        format!("{path} does not take {method} requests.")
    };
    UiError::Api(ApiError::NoRoute { method_allowed: false, message }).into_response()
}
