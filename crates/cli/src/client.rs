//! One small HTTP client for Sluice's (Infisical-shaped) API.
//!
//! Paths are built from segments, so names typed by a person (`MY KEY`, `a/b`) are
//! percent-encoded and can never change the route. Error bodies (`{statusCode, message,
//! error, reqId, details}`) become [`CliError`]s of the right kind, with a hint saying
//! what to do; the token never appears in them.

use crate::error::{CliError, CliResult, Kind};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Where the access token came from, so a refusal can say which one to fix.
#[derive(Clone, Debug)]
pub enum TokenSource {
    Flag,
    Env(&'static str),
    Stored,
    /// Logged in for this command only, from client id and secret variables.
    ClientCredentials,
    None,
}

impl TokenSource {
    fn fix(&self) -> String {
        match self {
            TokenSource::Flag => "pass a valid --token, or log in with `sluice login`".to_string(),
            TokenSource::Env(var) => format!("{var} holds a token the server refused; set a valid one or unset it"),
            TokenSource::Stored => "the stored login is no longer valid: run `sluice login` again".to_string(),
            TokenSource::ClientCredentials => {
                "check INFISICAL_UNIVERSAL_AUTH_CLIENT_ID and INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET".to_string()
            }
            TokenSource::None => "log in first with `sluice login`, or pass --token".to_string(),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    source: TokenSource,
}

/// The error body every Sluice (and Infisical) error has.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    req_id: Option<String>,
    #[serde(default)]
    details: Vec<FieldError>,
}

#[derive(serde::Deserialize)]
struct FieldError {
    path: String,
    message: String,
}

impl Client {
    pub fn new(base: &str, token: Option<String>, source: TokenSource) -> CliResult<Client> {
        let base = parse_base(base)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("sluice-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| CliError::failed(format!("cannot set up HTTP: {e}")))?;
        Ok(Client { http, base, token, source })
    }

    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The URL of `segments` under the base, with `query`.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    pub async fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, &str)]) -> CliResult<T> {
        self.send(Method::GET, segments, query, None::<&()>).await
    }

    pub async fn post<T: DeserializeOwned>(&self, segments: &[&str], body: &impl Serialize) -> CliResult<T> {
        self.send(Method::POST, segments, &[], Some(body)).await
    }

    pub async fn patch<T: DeserializeOwned>(&self, segments: &[&str], body: &impl Serialize) -> CliResult<T> {
        self.send(Method::PATCH, segments, &[], Some(body)).await
    }

    /// Sends a request and decodes a 2xx JSON answer; anything else becomes a [`CliError`].
    pub async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> CliResult<T> {
        let url = self.url(segments, query);
        let mut req = self.http.request(method, url.clone());
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = resp.text().await.map_err(|e| self.transport_error(e))?;
        if !status.is_success() {
            return Err(self.api_error(status, &text, retry_after.as_deref(), url.path()));
        }
        serde_json::from_str(&text).map_err(|e| {
            CliError::failed(format!("unexpected answer from {} for {}: {e}", self.base(), url.path()))
                .with_hint("is --url pointing at a Sluice server of the same version?")
        })
    }

    fn transport_error(&self, e: reqwest::Error) -> CliError {
        let e = e.without_url();
        let what = if e.is_timeout() { "timed out".to_string() } else { e.to_string() };
        let mut msg = format!("cannot reach the Sluice server at {}: {what}", self.base());
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        CliError::new(Kind::Unreachable, msg)
            .with_hint("is the server running? Point the CLI at it with --url or SLUICE_URL")
    }

    /// Maps an error answer to what a person can act on.
    fn api_error(&self, status: StatusCode, text: &str, retry_after: Option<&str>, path: &str) -> CliError {
        let body: Option<ErrorBody> = serde_json::from_str(text).ok();
        let Some(body) = body.filter(|b| b.message.is_some()) else {
            let kind = if status == StatusCode::NOT_FOUND { Kind::NotFound } else { Kind::Failed };
            return CliError::new(kind, format!("the server answered {status} for {path}"))
                .with_hint("is --url pointing at a Sluice server of the same version?");
        };
        let message = body.message.unwrap_or_default();
        let with_req = |hint: String| match &body.req_id {
            Some(id) if !id.is_empty() => format!("{hint} (request id {id})"),
            _ => hint,
        };
        let mut err = match status {
            StatusCode::UNAUTHORIZED => {
                CliError::auth(format!("not authenticated: {message}")).with_hint(self.source.fix())
            }
            StatusCode::FORBIDDEN => CliError::auth(format!("permission denied: {message}"))
                .with_hint("your identity's role does not allow this; ask an admin of the project or organization"),
            StatusCode::NOT_FOUND => CliError::not_found(message),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => {
                CliError::usage(message)
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = retry_after.map(|s| format!(" in {s} s")).unwrap_or_default();
                CliError::failed(format!("rate limited: {message}")).with_hint(format!("try again{wait}"))
            }
            StatusCode::BAD_GATEWAY => CliError::failed(format!("Railway: {message}")),
            s if s.is_server_error() => CliError::failed(format!("the server failed ({s}): {message}"))
                .with_hint(with_req("see the server's log".into())),
            s => CliError::failed(format!("{s}: {message}")),
        };
        err.fields = body.details.into_iter().map(|d| (d.path, d.message)).collect();
        err
    }
}

/// Accepts `http(s)://host[:port][/prefix]`; a trailing `/api` (as in Infisical's
/// `INFISICAL_API_URL`) is dropped, since paths here start with `/api` already.
pub fn parse_base(raw: &str) -> CliResult<Url> {
    let trimmed = raw.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/api").unwrap_or(trimmed);
    let url = Url::parse(trimmed).map_err(|e| {
        CliError::flag("--url", raw, e).with_hint("give the server's address, e.g. http://127.0.0.1:8080")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CliError::flag("--url", raw, "must be an http:// or https:// address")
            .with_hint("e.g. http://127.0.0.1:8080"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(base, None, TokenSource::None).expect("client")
    }

    #[test]
    fn segments_are_encoded_and_cannot_change_the_route() {
        let c = client("http://127.0.0.1:8080");
        let url = c.url(&["api", "v3", "secrets", "raw", "a/b c?d"], &[("secretPath", "/x y")]);
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/api/v3/secrets/raw/a%2Fb%20c%3Fd?secretPath=%2Fx+y");
    }

    #[test]
    fn base_keeps_a_prefix_and_drops_infisicals_api_suffix() {
        assert_eq!(client("https://h.example/sluice/").url(&["api"], &[]).as_str(), "https://h.example/sluice/api");
        assert_eq!(client("https://h.example/api").url(&["api", "v1"], &[]).as_str(), "https://h.example/api/v1");
        assert!(parse_base("ftp://h").is_err());
        assert!(parse_base("localhost:8080").is_err());
    }

    #[test]
    fn error_bodies_become_kinds_with_fields() {
        let c = client("http://h");
        let body = r#"{"statusCode":422,"message":"body.name: required","error":"ValidationFailure","reqId":"r1",
            "details":[{"path":"body.name","message":"required"}]}"#;
        let e = c.api_error(StatusCode::UNPROCESSABLE_ENTITY, body, None, "/x");
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.fields, vec![("body.name".to_string(), "required".to_string())]);
        let e = c.api_error(StatusCode::UNAUTHORIZED, r#"{"message":"Token expired"}"#, None, "/x");
        assert_eq!((e.exit_code(), e.message.as_str()), (3, "not authenticated: Token expired"));
        let e = c.api_error(StatusCode::NOT_FOUND, "<html>", None, "/x");
        assert_eq!(e.exit_code(), 4);
        let e = c.api_error(StatusCode::TOO_MANY_REQUESTS, r#"{"message":"slow down"}"#, Some("7"), "/x");
        assert_eq!(e.hint.as_deref(), Some("try again in 7 s"));
    }
}
