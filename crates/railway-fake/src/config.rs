//! Configuration of the fake: the rate limit and the behaviour knobs.
//!
//! Every knob answers one of the open questions about real Railway (reference §11) or makes a
//! documented-but-unknown behaviour selectable, so a client can be proven to work under each
//! plausible answer. [`FakeConfig::default`] is the permissive setting: rate limiting off, any
//! non-empty variable name accepted, unknown names deleted silently.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything configurable about a running fake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FakeConfig {
    /// Per-token fixed-window rate limiting; `None` (the default) turns it off.
    pub rate_limit: Option<RateLimit>,
    /// Behaviour knobs.
    pub knobs: Knobs,
}

/// A per-token fixed-window rate limit (Railway's hourly budget), optionally with a per-second
/// limit on top (Railway's RPS limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Requests allowed per window and token.
    pub limit: u32,
    /// Requests allowed per token within any one second (`None`: no such limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<u32>,
    /// Window length.
    #[serde(rename = "windowSecs", with = "duration_secs")]
    pub window: Duration,
    /// How `X-RateLimit-Reset` is written.
    #[serde(default)]
    pub reset_format: ResetFormat,
    /// What a 429 carries as its body.
    #[serde(default)]
    pub exceeded_body: ExceededBody,
}

impl RateLimit {
    /// `limit` requests per `window`, ISO-8601 reset header, JSON 429 body.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            per_second: None,
            window,
            reset_format: ResetFormat::default(),
            exceeded_body: ExceededBody::default(),
        }
    }

    /// Also at most `requests` per token within any one second (Railway: 10 on Hobby, 50 on Pro).
    pub fn per_second(mut self, requests: u32) -> Self {
        self.per_second = Some(requests);
        self
    }
}

/// Format of the `X-RateLimit-Reset` header (undocumented by Railway).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResetFormat {
    /// `2026-01-01T00:00:00.000Z`
    #[default]
    Iso8601,
    /// `1767225600`
    EpochSeconds,
}

/// Body of a 429 answer (undocumented by Railway; clients must key on the status).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExceededBody {
    /// `{"errors":[{"message":"Rate limit exceeded"}]}`
    #[default]
    Json,
    /// No body at all.
    Empty,
    /// A small HTML page.
    Html,
}

/// Behaviour knobs for what real Railway does not document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Knobs {
    /// Which variable names writes accept.
    pub name_rule: NameRule,
    /// Largest accepted variable value in bytes; `None` = unlimited.
    pub max_value_bytes: Option<usize>,
    /// What `variableDelete` of a name that does not exist does.
    pub delete_missing: DeleteMissing,
    /// Whether `variableDelete` triggers a deploy of the affected services.
    pub delete_triggers_deploy: bool,
    /// Page size when a connection is read without `first`/`last`; `None` = everything.
    pub default_page_size: Option<usize>,
    /// `project(id:)` of an unknown id answers `Project not found` instead of `Not Authorized`.
    pub project_not_found_message: bool,
    /// How a new deployment goes from `QUEUED` to `SUCCESS`.
    pub deploy_lifecycle: DeployLifecycle,
    /// `timed` lifecycle: milliseconds from creation to `SUCCESS` (a third each in `QUEUED`,
    /// `BUILDING` and `DEPLOYING`).
    pub deploy_duration_ms: u64,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            name_rule: NameRule::NonEmpty,
            max_value_bytes: None,
            delete_missing: DeleteMissing::ReturnTrue,
            delete_triggers_deploy: true,
            default_page_size: None,
            project_not_found_message: false,
            deploy_lifecycle: DeployLifecycle::Instant,
            deploy_duration_ms: 3000,
        }
    }
}

/// How new deployments progress (`QUEUED → BUILDING → DEPLOYING → SUCCESS`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeployLifecycle {
    /// Created as `SUCCESS` at once.
    #[default]
    Instant,
    /// Status follows the time since creation (`deployDurationMs`), worked out when read.
    Timed,
    /// Created `QUEUED`; stays there until a test advances it (`/__fake/deployments/advance`).
    Manual,
}

/// Variable-name validation applied by the write mutations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NameRule {
    /// Any non-empty name (Railway documents no rule).
    #[default]
    NonEmpty,
    /// POSIX-portable: `^[A-Za-z_][A-Za-z0-9_]*$`.
    Posix,
}

impl NameRule {
    /// Whether `name` passes this rule.
    pub fn accepts(self, name: &str) -> bool {
        match self {
            NameRule::NonEmpty => !name.is_empty(),
            NameRule::Posix => {
                let mut chars = name.chars();
                chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
        }
    }
}

/// Outcome of deleting a variable that does not exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeleteMissing {
    /// Answer `true`, change nothing.
    #[default]
    ReturnTrue,
    /// Answer a resolver error naming the variable.
    Error,
}

mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        for (rule, name, ok) in [
            (NameRule::NonEmpty, "A", true),
            (NameRule::NonEmpty, "1 odd-name", true),
            (NameRule::NonEmpty, "", false),
            (NameRule::Posix, "_A1", true),
            (NameRule::Posix, "DATABASE_URL", true),
            (NameRule::Posix, "1A", false),
            (NameRule::Posix, "A-B", false),
            (NameRule::Posix, "", false),
        ] {
            assert_eq!(rule.accepts(name), ok, "{rule:?} {name:?}");
        }
    }

    #[test]
    fn rate_limit_json_shape() {
        let parsed: RateLimit =
            serde_json::from_str(r#"{"limit":5,"windowSecs":60,"resetFormat":"epochSeconds"}"#).expect("parses");
        assert_eq!(parsed.limit, 5);
        assert_eq!(parsed.window, Duration::from_secs(60));
        assert_eq!(parsed.reset_format, ResetFormat::EpochSeconds);
        assert_eq!(parsed.exceeded_body, ExceededBody::Json);
        assert_eq!(parsed.per_second, None);
        let hobby: RateLimit =
            serde_json::from_str(r#"{"limit":1000,"windowSecs":3600,"perSecond":10}"#).expect("parses");
        assert_eq!(hobby, RateLimit::new(1000, Duration::from_secs(3600)).per_second(10));
    }
}
