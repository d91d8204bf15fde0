//! Railway's rate-limit headers: parsing (`Retry-After`, `X-RateLimit-*`) and the
//! per-token memory of the latest values.
//!
//! Railway counts its budget per token, so the client remembers the latest
//! [`RateLimitStatus`] per token — keyed by a SHA-256 of the token, never the token.
//! The formats of `X-RateLimit-Reset` are undocumented; ISO-8601, HTTP-date and epoch
//! seconds are all accepted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime, macros::format_description};

use sluice_domain::SecretToken;

/// The latest rate-limit figures Railway sent for one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// `X-RateLimit-Limit`: the budget of the window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the current window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: when the current window ends.
    pub reset: Option<OffsetDateTime>,
}

impl RateLimitStatus {
    /// Reads the three headers; `None` when none of them is present.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let limit = header_str(headers, "x-ratelimit-limit").and_then(|v| v.parse().ok());
        let remaining = header_str(headers, "x-ratelimit-remaining").and_then(|v| v.parse().ok());
        let reset = header_str(headers, "x-ratelimit-reset").and_then(parse_reset);
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            None
        } else {
            Some(Self { limit, remaining, reset })
        }
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// `Retry-After`: an integer number of seconds or an HTTP-date (a date in the past
/// means "now").
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = header_str(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let now = OffsetDateTime::from(now);
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

/// `X-RateLimit-Reset`: ISO-8601 / RFC 3339, HTTP-date, or epoch seconds (or
/// milliseconds, recognised by magnitude).
pub(crate) fn parse_reset(value: &str) -> Option<OffsetDateTime> {
    let value = value.trim();
    if let Ok(n) = value.parse::<i64>() {
        // Epoch milliseconds have 13 digits until the year 2286.
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        return OffsetDateTime::from_unix_timestamp(secs).ok();
    }
    if let Ok(n) = value.parse::<f64>()
        && n.is_finite()
        && n >= 0.0
    {
        #[allow(clippy::cast_possible_truncation)]
        return OffsetDateTime::from_unix_timestamp(n as i64).ok();
    }
    OffsetDateTime::parse(value, &Rfc3339).ok().or_else(|| parse_http_date(value))
}

/// An HTTP-date (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) or an RFC 2822 date.
fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let imf = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    PrimitiveDateTime::parse(value, imf)
        .map(PrimitiveDateTime::assume_utc)
        .ok()
        .or_else(|| OffsetDateTime::parse(value, &Rfc2822).ok())
}

/// The latest status per token, keyed by SHA-256 of the token.
#[derive(Debug, Default)]
pub(crate) struct RateLimitBook {
    latest: Mutex<HashMap<[u8; 32], RateLimitStatus>>,
}

impl RateLimitBook {
    pub(crate) fn record(&self, token: &SecretToken, status: RateLimitStatus) {
        let mut map = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(token_key(token), status);
    }

    pub(crate) fn get(&self, token: &SecretToken) -> Option<RateLimitStatus> {
        let map = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&token_key(token)).copied()
    }
}

fn token_key(token: &SecretToken) -> [u8; 32] {
    Sha256::digest(token.expose().as_bytes()).into()
}

/// A token's key for per-token state kept outside this process (hex SHA-256; never the
/// token).
pub fn token_key_hex(token: &SecretToken) -> String {
    token_key(token).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after(&headers(&[("retry-after", "42")]), now), Some(Duration::from_secs(42)));
        // 1994-11-06T08:49:37Z is 784111777.
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:50:07 GMT")]), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:00:00 GMT")]), now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn reset_accepts_iso_http_date_and_epoch() {
        let expected = OffsetDateTime::from_unix_timestamp(784_111_777).expect("ts");
        for v in [
            "1994-11-06T08:49:37Z",
            "1994-11-06T08:49:37.000Z",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "784111777",
            "784111777000",
            "784111777.0",
        ] {
            assert_eq!(parse_reset(v), Some(expected), "{v}");
        }
        assert_eq!(parse_reset("tomorrow"), None);
    }

    #[test]
    fn status_from_headers() {
        let h = headers(&[
            ("x-ratelimit-limit", "1000"),
            ("x-ratelimit-remaining", "998"),
            ("x-ratelimit-reset", "1994-11-06T08:49:37Z"),
        ]);
        let s = RateLimitStatus::from_headers(&h).expect("status");
        assert_eq!(s.limit, Some(1000));
        assert_eq!(s.remaining, Some(998));
        assert!(s.reset.is_some());
        assert_eq!(RateLimitStatus::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn book_keeps_latest_per_token() {
        let book = RateLimitBook::default();
        let a = SecretToken::new("a");
        let b = SecretToken::new("b");
        let s = |r| RateLimitStatus { limit: Some(10), remaining: Some(r), reset: None };
        book.record(&a, s(9));
        book.record(&a, s(8));
        book.record(&b, s(3));
        assert_eq!(book.get(&a).and_then(|s| s.remaining), Some(8));
        assert_eq!(book.get(&b).and_then(|s| s.remaining), Some(3));
        assert_eq!(book.get(&SecretToken::new("c")), None);
    }
}
