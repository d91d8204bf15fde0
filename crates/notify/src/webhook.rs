//! Sending a webhook: one signed `POST` of the JSON body, and what its answer means.
//!
//! As the Standard Webhooks specification recommends ("Delivery success and failure"):
//! a 2xx is success; anything else fails the attempt and is tried again later — 3xx
//! included (redirects are not followed), `Retry-After` honoured — except `410 Gone`,
//! which says the receiver wants no more and ends the delivery. Requests time out after
//! 15 seconds (the specification suggests 15 to 30). Errors never carry the URL (it may
//! hold a token of the receiver's) nor the signing secret.

use crate::signature::SigningSecret;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The longest URL we accept.
pub const URL_MAX: usize = 2048;

/// A webhook URL as a caller gave it, checked: `http` or `https`, with a host, without
/// credentials. Returns the URL as stored.
pub fn parse_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("a webhook needs a URL (https://…)".into());
    }
    if raw.len() > URL_MAX {
        return Err(format!("the URL must be at most {URL_MAX} characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("\"{raw}\" is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the URL must start with https:// or http:// (got {}:)", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the URL must not hold a user name or password; webhooks are authenticated by their signature".into()
        );
    }
    Ok(url.to_string())
}

/// How one attempt went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String, retry: bool, retry_after: Option<Duration> },
}

/// The HTTP client webhooks go out through (rustls, no redirects, a timeout), built at the
/// first webhook: a server without one never loads the TLS roots.
#[derive(Clone, Debug)]
pub struct WebhookSender {
    timeout: Duration,
    http: Arc<OnceLock<reqwest::Client>>,
}

impl WebhookSender {
    pub fn new(timeout: Duration) -> Self {
        Self { timeout, http: Arc::default() }
    }

    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Sluice-Webhooks/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_else(|e| {
                    // Only a TLS backend that cannot start gets here; reqwest's default fails the same way.
                    tracing::error!(error = %e, "the webhook client could not be built with its settings");
                    reqwest::Client::new()
                })
        })
    }

    /// Posts `body` to `url`, signed with `secret` as message `msg_id` at `timestamp`
    /// (unix seconds, the attempt's time).
    pub async fn send(&self, url: &str, secret: &SigningSecret, msg_id: &str, timestamp: i64, body: String) -> Sent {
        let signature = secret.sign(msg_id, timestamp, body.as_bytes());
        let sent = self
            .http()
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Sent::Failed { status: None, error: describe(e), retry: true, retry_after: None },
        };
        let status = response.status();
        if status.is_success() {
            return Sent::Delivered { status: status.as_u16() };
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.unwrap_or_default();
        let snippet: String = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
        let gone = status.as_u16() == 410;
        let mut error = format!("the receiver answered HTTP {status}");
        if status.is_redirection() {
            error.push_str(" (redirects are not followed: use the final URL)");
        }
        if gone {
            error.push_str(" (it wants no more webhooks: no further attempts)");
        }
        if !snippet.is_empty() {
            error.push_str(&format!(": {snippet}"));
        }
        Sent::Failed { status: Some(status.as_u16()), error, retry: !gone, retry_after }
    }
}

/// A transport error in words, without the URL: `could not connect: Connection refused`.
fn describe(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the receiver did not answer in time"
    } else if e.is_connect() {
        "could not connect to the receiver"
    } else {
        "sending failed"
    };
    let e = e.without_url();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = s.source();
    }
    match causes.last() {
        Some(root) => format!("{what}: {root}"),
        None => format!("{what}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert_eq!(parse_url(" https://hooks.example.com/sluice ").as_deref(), Ok("https://hooks.example.com/sluice"));
        assert!(parse_url("http://127.0.0.1:9000/x?token=1").is_ok());
        assert!(parse_url("ftp://example.com/").expect_err("scheme").contains("https://"));
        assert!(parse_url("example.com/hook").expect_err("relative").contains("not a URL"));
        assert!(parse_url("https://user:pw@example.com/").expect_err("creds").contains("user name"));
        assert!(parse_url("").is_err());
        assert!(parse_url(&format!("https://example.com/{}", "a".repeat(URL_MAX))).is_err());
    }
}
