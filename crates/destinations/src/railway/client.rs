//! The transport: one `POST` per GraphQL operation, with the right auth header, a
//! timeout, rate-limit bookkeeping and error classification.
//!
//! Start at [`RailwayClient::query`] / [`RailwayClient::mutate`]. Each builds the
//! request from a `graphql_client` operation, strips `null` variables (Railway reads
//! `serviceId: null` as "shared variables"), sends exactly one auth header, records the
//! `X-RateLimit-*` headers for the token, and hands the answer to `response::interpret`.
//!
//! With pacing on ([`RailwayClient::with_pacing`], `pacing.rs`), every request first waits
//! for its token's slot, and a refusal that applied nothing (a 429, or an HTML 403/429 from
//! Cloudflare) is sent again, at most twice, once the token's pause allows; a slot further
//! than the pacing's patience is given back as `RateLimited` for the engine to retry later.
//! No other retries here: the sync engine owns retry policy. Request variables are never
//! logged or formatted (the generated `Variables` types do not even derive `Debug`), and
//! every value a request carried is scrubbed from Railway's error text.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use graphql_client::GraphQLQuery;
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::Credentials;
use super::errors::RailwayError;
use super::metrics::RailwayMetrics;
use super::pace_queue::PaceQueue;
use super::pacing::{self, Answer, Ask, FallbackPaces, PaceSettings, PaceStore, Slot};
use super::rate_limit::{RateLimitBook, RateLimitStatus, parse_retry_after, token_key_hex};
use super::response::{OpKind, interpret};
use sluice_domain::SecretToken;

/// Railway's public GraphQL endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://backboard.railway.com/graphql/v2";

/// How the client talks to Railway. `Default` is production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RailwayConfig {
    /// Full GraphQL URL (tests point this at the fake's `graphql_url()`).
    pub endpoint: String,
    /// Whole-request timeout of a read, body included.
    pub timeout: Duration,
    /// Whole-request timeout of a change. Railway's CLI gives every request 90 s; a
    /// change that times out has an unknown outcome, so it gets the longer wait.
    pub mutation_timeout: Duration,
    /// Connection (TCP + TLS) timeout.
    pub connect_timeout: Duration,
    /// `first` sent with every paginated list. Railway's own CLI sends 500; 100 keeps
    /// single responses small. Tests lower it to exercise pagination.
    pub page_size: u32,
}

impl Default for RailwayConfig {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            timeout: Duration::from_secs(30),
            mutation_timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_secs(10),
            page_size: 100,
        }
    }
}

impl RailwayConfig {
    /// Production settings with another endpoint.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        Self { endpoint: endpoint.into(), ..Self::default() }
    }
}

/// A Railway API client. Cheap to share behind an `Arc`; one per process is enough.
#[derive(Debug)]
pub struct RailwayClient {
    /// Built at the first call: a server with no sync never loads the TLS roots (with the
    /// webhook client, 0.3 to 0.4 MiB of an idle server's memory, docs/benchmarks.md).
    http: OnceLock<Result<reqwest::Client, String>>,
    endpoint: reqwest::Url,
    config: RailwayConfig,
    rate_limits: RateLimitBook,
    /// Where tokens' pacing states live and how fast a token may go, behind this client's
    /// batches of asks.
    pacing: Option<std::sync::Arc<PaceQueue>>,
    metrics: RailwayMetrics,
}

/// Refusals that applied nothing are sent again at most this often.
const RESENDS: u32 = 2;

/// Secret values carried by a request, replaced by `[redacted]` in any error text.
/// Values shorter than four characters are left alone: scrubbing "a" would mangle every
/// message while hiding nothing worth hiding.
#[derive(Debug, Default)]
pub(crate) struct Scrub<'a>(Vec<&'a str>);

impl<'a> Scrub<'a> {
    pub(crate) fn none() -> Self {
        Self(Vec::new())
    }

    pub(crate) fn values(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut v: Vec<&str> = values.into_iter().filter(|s| s.chars().count() >= 4).collect();
        // Longest first, so a value containing another is replaced whole.
        v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self(v)
    }

    pub(crate) fn apply(&self, mut text: String) -> String {
        for value in &self.0 {
            if text.contains(value) {
                text = text.replace(value, "[redacted]");
            }
        }
        text
    }
}

impl RailwayClient {
    /// Builds a client. Fails only on a malformed endpoint; a TLS setup failure is
    /// reported by the first call.
    pub fn new(config: RailwayConfig) -> Result<Self, RailwayError> {
        let endpoint = reqwest::Url::parse(&config.endpoint).map_err(|e| RailwayError::Config {
            message: format!("invalid Railway endpoint {:?}: {e}", config.endpoint),
        })?;
        Ok(Self {
            http: OnceLock::new(),
            endpoint,
            config,
            rate_limits: RateLimitBook::default(),
            pacing: None,
            metrics: RailwayMetrics::default(),
        })
    }

    fn http(&self) -> Result<&reqwest::Client, RailwayError> {
        let built = self.http.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(self.config.connect_timeout)
                .user_agent(concat!("sluice/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        });
        built.as_ref().map_err(|message| RailwayError::Config { message: message.clone() })
    }

    /// Paces every request per token through `store` (see `pacing.rs`), and on this node
    /// alone while `store` cannot answer.
    pub fn with_pacing(mut self, store: std::sync::Arc<dyn PaceStore>, settings: PaceSettings) -> Self {
        self.pacing = Some(PaceQueue::new(std::sync::Arc::new(FallbackPaces::new(store, settings)), settings));
        self
    }

    /// Counts every request into `metrics` (the server registers them for `/metrics`).
    pub fn with_metrics(mut self, metrics: RailwayMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The production client (`https://backboard.railway.com/graphql/v2`, 30 s timeout).
    pub fn production() -> Result<Self, RailwayError> {
        Self::new(RailwayConfig::default())
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &RailwayConfig {
        &self.config
    }

    /// The latest rate-limit figures Railway reported for this token, if any request
    /// with it has been answered.
    pub fn rate_limit(&self, token: &SecretToken) -> Option<RateLimitStatus> {
        self.rate_limits.get(token)
    }

    pub(crate) fn page_size(&self) -> i64 {
        i64::from(self.config.page_size.max(1))
    }

    /// Runs a read. A failure is safe to retry if [`RailwayError::is_retryable`].
    pub(crate) async fn query<Q: GraphQLQuery>(
        &self,
        creds: &Credentials,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, RailwayError> {
        self.execute::<Q>(creds, variables, OpKind::Query, &Scrub::none()).await
    }

    /// Runs a change. Never retried; a lost answer is [`RailwayError::OutcomeUnknown`].
    pub(crate) async fn mutate<Q: GraphQLQuery>(
        &self,
        creds: &Credentials,
        variables: Q::Variables,
        scrub: &Scrub<'_>,
    ) -> Result<Q::ResponseData, RailwayError> {
        self.execute::<Q>(creds, variables, OpKind::Mutation, scrub).await
    }

    async fn execute<Q: GraphQLQuery>(
        &self,
        creds: &Credentials,
        variables: Q::Variables,
        kind: OpKind,
        scrub: &Scrub<'_>,
    ) -> Result<Q::ResponseData, RailwayError> {
        let body = Q::build_query(variables);
        let operation = body.operation_name;
        let result = self.send(creds, &body, operation, kind).await;
        let result = result.and_then(|data| decode::<Q::ResponseData>(operation, kind, data));
        result.map_err(|e| e.map_message(|m| scrub.apply(m)))
    }

    async fn send<V: serde::Serialize>(
        &self,
        creds: &Credentials,
        body: &graphql_client::QueryBody<V>,
        operation: &'static str,
        kind: OpKind,
    ) -> Result<Value, RailwayError> {
        let mut json = serde_json::to_value(body).map_err(|_| RailwayError::Rejected {
            message: format!("could not encode the variables of {operation}"),
        })?;
        if let Some(vars) = json.get_mut("variables") {
            strip_nulls(vars);
        }
        let (name, value) = auth_header(creds)?;
        let key = token_key_hex(&creds.token);
        let mut resends = 0;
        loop {
            let strikes_counted = self.wait_for_slot(&key, operation).await?;
            let started = Instant::now();
            let timeout = self.timeout(kind);
            let sent = self
                .http()?
                .post(self.endpoint.clone())
                .timeout(timeout)
                .header(name.clone(), value.clone())
                .json(&json)
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    self.metrics.call(operation, None, started.elapsed());
                    return Err(self.transport_error(&e, operation, kind));
                }
            };

            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let budget = RateLimitStatus::from_headers(&headers);
            if let Some(rl) = budget {
                self.rate_limits.record(&creds.token, rl);
            }
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    self.metrics.call(operation, None, started.elapsed());
                    return Err(self.transport_error(&e, operation, kind));
                }
            };
            self.metrics.call(operation, Some(status), started.elapsed());
            tracing::debug!(
                operation,
                token_kind = %creds.kind,
                status,
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "railway request"
            );
            let answer = pace_answer(status, &headers, &bytes, budget);
            if pacing::worth_recording(answer, strikes_counted) {
                self.observe(&key, answer).await;
            }
            if self.pacing.is_some() && !matches!(answer, Answer::Accepted { .. }) && resends < RESENDS {
                // Refused at the door: nothing was applied, so even a change is sent again.
                resends += 1;
                continue;
            }
            return interpret(operation, kind, status, &headers, &bytes, SystemTime::now());
        }
    }

    /// Waits for the token's next slot, or gives the request back as rate limited when that
    /// slot is further away than the pacing's patience. Says whether the token had refusals
    /// counted then (an accepted answer must reset them: [`pacing::worth_recording`]).
    async fn wait_for_slot(&self, key: &str, operation: &str) -> Result<bool, RailwayError> {
        let Some(pacing) = &self.pacing else { return Ok(false) };
        // The store reads its clock when it decides: waiting for a batch does not age the
        // slot, and every node measures against the same clock.
        let (granted, now) = match pacing.ask(key, Ask::Slot).await {
            Ok(answer) => answer,
            // Only when this node's own states could not answer either (the task deciding
            // the batch ended abnormally).
            Err(e) => {
                tracing::warn!(error = %e, "pacing unavailable; sending unpaced");
                return Ok(false);
            }
        };
        match granted.slot {
            Slot::At(at) if at > now => {
                tokio::time::sleep(Duration::from_millis((at - now) as u64)).await;
                Ok(granted.strikes_counted)
            }
            Slot::At(_) | Slot::None => Ok(granted.strikes_counted),
            Slot::TooFar(at) => {
                // Whole seconds, rounded up, as Railway's own Retry-After.
                let wait = Duration::from_secs(((at - now).max(0) as u64).div_ceil(1000));
                Err(RailwayError::RateLimited {
                    retry_after: Some(wait),
                    reset: None,
                    message: format!(
                        "this connection's token may not send {operation} for {} s (Railway's limits)",
                        wait.as_secs().max(1)
                    ),
                })
            }
        }
    }

    async fn observe(&self, key: &str, answer: Answer) {
        let Some(pacing) = &self.pacing else { return };
        let jitter = rand::random::<f64>();
        if let Err(e) = pacing.ask(key, Ask::Record { answer, jitter }).await {
            tracing::warn!(error = %e, "pacing unavailable; an answer was not recorded");
        }
    }

    fn timeout(&self, kind: OpKind) -> Duration {
        match kind {
            OpKind::Query => self.config.timeout,
            OpKind::Mutation => self.config.mutation_timeout,
        }
    }

    /// A request that got no complete answer. A connection that never opened proves the
    /// request was not applied; anything later (timeout, reset) does not.
    fn transport_error(&self, e: &reqwest::Error, operation: &str, kind: OpKind) -> RailwayError {
        let never_sent = e.is_connect();
        let what = if e.is_timeout() {
            let limit = if never_sent { self.config.connect_timeout } else { self.timeout(kind) };
            format!(
                "{operation} timed out after {} ms{}",
                limit.as_millis(),
                if never_sent { " while connecting" } else { "" }
            )
        } else if never_sent {
            format!("could not connect to Railway for {operation}: {}", error_chain(e))
        } else {
            format!("{operation} failed in transit: {}", error_chain(e))
        };
        if kind == OpKind::Mutation && !never_sent {
            RailwayError::OutcomeUnknown { message: what }
        } else {
            RailwayError::Transient { message: what, status: None }
        }
    }
}

/// What an answer says about the token's pace: a 429 (with or without `Retry-After`) or an
/// HTML 403/429 from the edge is a refusal; anything else is accepted, with its budget.
fn pace_answer(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    budget: Option<RateLimitStatus>,
) -> Answer {
    let html = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
        || headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("html"));
    if status == 429 {
        return match parse_retry_after(headers, SystemTime::now()) {
            Some(wait) => Answer::RetryAfter { wait_ms: wait.as_millis() as i64 },
            None => Answer::Throttled,
        };
    }
    if status == 403 && html {
        return Answer::Throttled;
    }
    let remaining = budget.and_then(|b| b.remaining).and_then(|r| i64::try_from(r).ok());
    let reset_at = budget.and_then(|b| b.reset).map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64);
    Answer::Accepted { remaining, reset_at }
}

/// The one auth header for the token's kind, marked sensitive so it never prints.
fn auth_header(creds: &Credentials) -> Result<(HeaderName, HeaderValue), RailwayError> {
    let (name, prefix) = super::auth::header(creds.kind);
    let mut value = HeaderValue::from_str(&format!("{prefix}{}", creds.token.expose())).map_err(|_| {
        RailwayError::Unauthorized {
            message: "the token contains characters that cannot be sent in an HTTP header".to_owned(),
        }
    })?;
    value.set_sensitive(true);
    Ok((HeaderName::from_static(name), value))
}

/// `data` into the operation's typed response. serde's messages can quote the
/// offending value, so only the error category is reported.
fn decode<T: DeserializeOwned>(operation: &str, kind: OpKind, data: Value) -> Result<T, RailwayError> {
    serde_json::from_value(data).map_err(|e| {
        let message =
            format!("Railway's answer to {operation} does not have the expected shape ({:?} error)", e.classify());
        match kind {
            // The change was applied (Railway answered with data) but we cannot read
            // the answer: the caller must re-read.
            OpKind::Mutation => RailwayError::OutcomeUnknown { message },
            OpKind::Query => RailwayError::Rejected { message },
        }
    })
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Removes `null` members from objects, recursively (arrays keep their shape).
pub(crate) fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::railway::auth::TokenKind;

    #[test]
    fn nulls_are_stripped_recursively() {
        let mut v = serde_json::json!({"a": null, "b": {"serviceId": null, "x": 1}, "c": [null, {"d": null}]});
        strip_nulls(&mut v);
        assert_eq!(v, serde_json::json!({"b": {"x": 1}, "c": [null, {}]}));
    }

    #[test]
    fn auth_header_per_kind_is_sensitive() {
        let t = SecretToken::new("tok-123");
        let (n, v) = auth_header(&Credentials::new(TokenKind::Account, t.clone())).expect("header");
        assert_eq!(n.as_str(), "authorization");
        assert_eq!(v.to_str().ok(), Some("Bearer tok-123"));
        assert!(v.is_sensitive());
        let (n, v) = auth_header(&Credentials::new(TokenKind::Project, t)).expect("header");
        assert_eq!(n.as_str(), "project-access-token");
        assert_eq!(v.to_str().ok(), Some("tok-123"));
        let bad = Credentials::new(TokenKind::Workspace, SecretToken::new("a\nb"));
        assert!(matches!(auth_header(&bad), Err(RailwayError::Unauthorized { .. })));
    }

    #[test]
    fn scrub_replaces_sent_values() {
        let s = Scrub::values(["hunter2-secret", "abc", "hunter2"]);
        assert_eq!(
            s.apply("bad value hunter2-secret and hunter2 and abc".into()),
            "bad value [redacted] and [redacted] and abc"
        );
    }

    #[test]
    fn bad_endpoint_is_a_config_error() {
        let e = RailwayClient::new(RailwayConfig::with_endpoint("not a url")).expect_err("bad url");
        assert!(matches!(e, RailwayError::Config { .. }));
    }
}
