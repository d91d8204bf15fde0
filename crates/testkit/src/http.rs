//! A small JSON client for tests.

use serde_json::Value;

#[derive(Clone)]
pub struct ApiClient {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

/// A response: status, headers and the body parsed as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    /// Panics with the body when the status is not `want`.
    #[track_caller]
    pub fn expect(self, want: u16) -> Value {
        assert_eq!(self.status, want, "unexpected status; body: {}", self.text);
        self.body
    }

    pub fn message(&self) -> &str {
        self.body.get("message").and_then(Value::as_str).unwrap_or("")
    }
}

impl ApiClient {
    pub fn new(base: String, token: Option<String>) -> Self {
        Self { base, token, http: reqwest::Client::new() }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Self { base: self.base.clone(), token: Some(token.to_string()), http: self.http.clone() }
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Response {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response { status, headers, body, text }
    }

    /// Sends a raw body (to test malformed JSON).
    pub async fn send_raw(&self, method: reqwest::Method, path: &str, body: &str) -> Response {
        let mut req = self.http.request(method, format!("{}{}", self.base, path)).body(body.to_string());
        req = req.header("content-type", "application/json");
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response { status, headers, body, text }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::POST, path, Some(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::PATCH, path, Some(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::PUT, path, Some(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn delete_json(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::DELETE, path, Some(&body)).await
    }
}
