//! `ApiError`: the server's one error type, and its single HTTP mapping.
//!
//! Every failure answers in Infisical's body shape `{reqId, statusCode, message, error}`
//! (plus `details` for validation failures), so Infisical's SDKs show our messages.
//! Conversions from lower layers never log; the trace middleware logs each error response
//! once. Messages never carry secret values or tokens.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sluice_core::CoreError;
use sluice_destinations::ErrorClass;
use sluice_engine::EngineError;
use sluice_storage::StorageError;

tokio::task_local! {
    /// The id of the request being served, set by the request-id middleware.
    pub static REQUEST_ID: String;
}

/// The current request's id, or an empty string outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_default()
}

/// One field that failed validation.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Where the problem is, e.g. `body.syncOptions.keySchema` or `query.projectId`.
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be done as asked.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 422: the request is malformed; each field says what is wrong.
    #[error("{message}")]
    Validation { message: String, details: Vec<FieldError> },
    /// 413: the request body is larger than the server reads.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 408: the request was not answered within the server's request timeout.
    #[error("{0}")]
    RequestTimeout(String),
    /// 429.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// 502: an upstream service (Railway) failed; the message keeps its own text.
    #[error("{0}")]
    BadGateway(String),
    /// 500: a bug or an outage. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// 404 or 405: no route for this path (or for this method on it), named as Infisical's
    /// server (Fastify) names it: `Route GET:/api/v1/kms/keys not found`.
    #[error("{message}")]
    NoRoute { method_allowed: bool, message: String },
}

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::BadRequest(m.into())
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::NotFound(m.into())
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::Forbidden(m.into())
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::Unauthorized(m.into())
    }
    pub fn internal(m: impl std::fmt::Display) -> Self {
        Self::Internal(m.to_string())
    }

    /// A 422 for one field.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        let (path, message) = (path.into(), message.into());
        Self::Validation { message: format!("{path}: {message}"), details: vec![FieldError { path, message }] }
    }

    /// A 422 for several fields at once.
    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        let message = details.iter().map(|d| format!("{}: {}", d.path, d.message)).collect::<Vec<_>>().join("; ");
        Self::Validation { message, details }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NoRoute { method_allowed: true, .. } => StatusCode::NOT_FOUND,
            Self::NoRoute { method_allowed: false, .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// Infisical's `error` names.
    pub fn name(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "BadRequest",
            Self::Unauthorized(_) => "UnauthorizedError",
            Self::Forbidden(_) => "PermissionDenied",
            Self::NotFound(_) => "NotFound",
            Self::Validation { .. } => "ValidationFailure",
            Self::TooManyRequests { .. } => "RateLimitExceeded",
            Self::RequestTimeout(_) => "RequestTimeout",
            Self::PayloadTooLarge(_) => "PayloadTooLarge",
            Self::BadGateway(_) => "BadGateway",
            Self::Internal(_) => "InternalServerError",
            Self::NoRoute { method_allowed: true, .. } => "Not Found",
            Self::NoRoute { method_allowed: false, .. } => "Method Not Allowed",
        }
    }
}

/// The error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub req_id: String,
    pub status_code: u16,
    pub message: String,
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

/// Marks a response as an error for the trace middleware, with the text to log.
#[derive(Clone, Debug)]
pub struct LoggedError(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::Internal(_) => "Something went wrong".to_string(),
            other => other.to_string(),
        };
        let body = ErrorBody {
            req_id: current_request_id(),
            status_code: status.as_u16(),
            message,
            error: self.name().to_string(),
            details: match &self {
                Self::Validation { details, .. } => details.clone(),
                _ => Vec::new(),
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if let Self::TooManyRequests { retry_after_secs, .. } = &self
            && let Ok(v) = retry_after_secs.to_string().parse()
        {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(LoggedError(self.to_string()));
        resp
    }
}

/// Storage's errors are the server's fault, but for text the database cannot store: the
/// request's (400; fields that take free text check for it themselves and say where).
impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::UnstorableText => Self::BadRequest(e.to_string()),
            e => Self::Internal(e.to_string()),
        }
    }
}

/// The core's errors, each with its status: what is missing is 404, what the request
/// cannot do is 400, the rest (storage, keys, corrupt rows) is 500. The message is the
/// core's own (Infisical's words).
impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::ProjectNotFound(_)
            | CoreError::EnvironmentNotFound { .. }
            | CoreError::FolderNotFound { .. } => Self::NotFound(e.to_string()),
            CoreError::SecretsExist(_) | CoreError::RenameTaken(_) | CoreError::Reference { .. } => {
                Self::BadRequest(e.to_string())
            }
            CoreError::Storage(s @ StorageError::UnstorableText) => Self::from(s),
            CoreError::Storage(_) | CoreError::Crypto(_) | CoreError::Corrupt(_) => Self::Internal(e.to_string()),
        }
    }
}

/// The engine's errors, as plan previews answer them: a source that cannot be read as
/// configured is 400 with its reason; the destination's refusals are 400, its outages
/// 502 and its rate limits 429, with its own words.
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Source(m) | EngineError::Config(m) => ApiError::BadRequest(m),
            EngineError::Core(c) if c.is_internal() => ApiError::from(c),
            EngineError::Core(c) => ApiError::BadRequest(c.to_string()),
            EngineError::Destination(d) => match d.class {
                ErrorClass::RateLimited { retry_after } => ApiError::TooManyRequests {
                    message: format!("{} is rate limiting this connection's token; try again later", d.destination),
                    retry_after_secs: retry_after.map(|d| d.as_secs().max(1)).unwrap_or(60),
                },
                ErrorClass::Transient => ApiError::BadGateway(format!("{}: {}", d.destination, d.detail)),
                _ => ApiError::BadRequest(format!("{}: {}", d.destination, d.detail)),
            },
            EngineError::LeaseLost
            | EngineError::Deploying { .. }
            | EngineError::DeployFailed(_)
            | EngineError::Held { .. } => ApiError::BadRequest(e.to_string()),
            EngineError::Storage(s) => ApiError::Internal(s.to_string()),
            EngineError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl From<sluice_domain::NameError> for ApiError {
    fn from(e: sluice_domain::NameError) -> Self {
        Self::invalid(e.field, e.message)
    }
}

impl From<sluice_crypto::CryptoError> for ApiError {
    fn from(e: sluice_crypto::CryptoError) -> Self {
        Self::Internal(e.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_are_the_servers_but_for_text_it_cannot_store() {
        let cases = [
            (ApiError::from(StorageError::UnstorableText), StatusCode::BAD_REQUEST),
            (ApiError::from(CoreError::Storage(StorageError::UnstorableText)), StatusCode::BAD_REQUEST),
            (ApiError::from(StorageError::Config("x".into())), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (error, want) in cases {
            assert_eq!(error.status(), want, "{error}");
        }
        assert!(ApiError::from(StorageError::UnstorableText).to_string().contains("NUL character"));
    }
}
