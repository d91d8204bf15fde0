//! Key schemas: the template (`APP_{{secretKey}}`, `{{environment}}/{{secretKey}}`) that turns a
//! Sluice key into a destination key, and the [`KeyMatcher`] that decides which destination keys
//! a sync manages (Infisical spec §5).
//!
//! Parse once with [`KeySchema::parse`]; then bind it to an environment with
//! [`KeySchema::matcher`] (or [`KeyMatcher::new`] when the schema is optional). A bound matcher is
//! a fixed `prefix` and `suffix` around the key, which is all the planner and the import need:
//! rendering is `prefix + key + suffix`, matching and stripping undo it.
//!
//! Substitution is plain text. Infisical renders with Handlebars, which HTML-escapes (`=` becomes
//! `&#x3D;`); we do not replicate that.

use crate::names::NameError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest key schema we accept, after trimming.
pub const KEY_SCHEMA_MAX: usize = 255;

/// The placeholder replaced by the Sluice key. Exactly one per schema.
pub const SECRET_KEY_PLACEHOLDER: &str = "{{secretKey}}";

/// The placeholder replaced by the environment slug. Any number per schema.
pub const ENVIRONMENT_PLACEHOLDER: &str = "{{environment}}";

/// Infisical's message for a malformed schema, shared by its server and UI.
pub const KEY_SCHEMA_MESSAGE: &str = "Key schema must include exactly one {{secretKey}} placeholder. It can also include {{environment}} placeholders. Only alphanumeric characters (a-z, A-Z, 0-9), dashes (-), underscores (_), and slashes (/) are allowed besides the placeholders.";

const FIELD: &str = "keySchema";

/// One piece of the template on either side of `{{secretKey}}`.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Part {
    Literal(String),
    Environment,
}

/// A validated key schema. `Display` and `Serialize` give the template as written (trimmed).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeySchema {
    source: String,
    before: Vec<Part>,
    after: Vec<Part>,
}

impl KeySchema {
    /// Parses a schema for the `keySchema` field. Empty or whitespace-only means "no schema".
    pub fn parse(s: &str) -> Result<Option<KeySchema>, NameError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if s.chars().count() > KEY_SCHEMA_MAX {
            return Err(NameError::new(FIELD, format!("Key schema must be at most {KEY_SCHEMA_MAX} characters")));
        }
        let invalid = || NameError::new(FIELD, KEY_SCHEMA_MESSAGE);
        let mut before = Vec::new();
        let mut after = Vec::new();
        let mut seen_key = false;
        let mut rest = s;
        while !rest.is_empty() {
            let side = if seen_key { &mut after } else { &mut before };
            if let Some(r) = rest.strip_prefix(SECRET_KEY_PLACEHOLDER) {
                if seen_key {
                    return Err(invalid());
                }
                seen_key = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix(ENVIRONMENT_PLACEHOLDER) {
                side.push(Part::Environment);
                rest = r;
            } else {
                let c = rest.chars().next().ok_or_else(invalid)?;
                if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/')) {
                    return Err(invalid());
                }
                match side.last_mut() {
                    Some(Part::Literal(lit)) => lit.push(c),
                    _ => side.push(Part::Literal(c.to_string())),
                }
                rest = &rest[c.len_utf8()..];
            }
        }
        if !seen_key {
            return Err(invalid());
        }
        Ok(Some(KeySchema { source: s.to_string(), before, after }))
    }

    /// The template as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the schema mentions `{{environment}}`, so its keys differ per environment.
    pub fn uses_environment(&self) -> bool {
        self.before.iter().chain(&self.after).any(|p| *p == Part::Environment)
    }

    /// The destination key for `key` in `environment` (an environment slug).
    pub fn render(&self, key: &str, environment: &str) -> String {
        self.matcher(environment).render(key)
    }

    /// This schema bound to `environment`: what it renders and which keys it claims there.
    pub fn matcher(&self, environment: &str) -> KeyMatcher {
        KeyMatcher { affixes: Some((fill(&self.before, environment), fill(&self.after, environment))) }
    }
}

fn fill(parts: &[Part], environment: &str) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Literal(s) => s.as_str(),
            Part::Environment => environment,
        })
        .collect()
}

impl fmt::Display for KeySchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl fmt::Debug for KeySchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeySchema({})", self.source)
    }
}

impl Serialize for KeySchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

/// Deserializes a non-empty schema; an optional field should use
/// [`crate::sync_config::SyncOptions`]'s handling, where `""` means none.
impl<'de> Deserialize<'de> for KeySchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match KeySchema::parse(&s) {
            Ok(Some(schema)) => Ok(schema),
            Ok(None) => Err(serde::de::Error::custom("key schema must not be empty")),
            Err(e) => Err(serde::de::Error::custom(e.message)),
        }
    }
}

/// Which destination keys a sync manages in one environment, and how its keys are named there
/// (Infisical spec §5.3). Built by [`KeyMatcher::new`]; without a schema it claims every key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMatcher {
    /// `None`: no schema. Otherwise the rendered text before and after `{{secretKey}}`.
    affixes: Option<(String, String)>,
}

impl KeyMatcher {
    /// The matcher of a sync without a key schema: keys pass through unchanged.
    pub fn all() -> Self {
        Self { affixes: None }
    }

    /// The matcher for an optional schema in `environment`.
    pub fn new(schema: Option<&KeySchema>, environment: &str) -> Self {
        schema.map_or_else(Self::all, |s| s.matcher(environment))
    }

    /// Text before the key (empty without a schema).
    pub fn prefix(&self) -> &str {
        self.affixes.as_ref().map_or("", |(p, _)| p.as_str())
    }

    /// Text after the key (empty without a schema).
    pub fn suffix(&self) -> &str {
        self.affixes.as_ref().map_or("", |(_, s)| s.as_str())
    }

    /// The destination key for a Sluice key.
    pub fn render(&self, key: &str) -> String {
        format!("{}{key}{}", self.prefix(), self.suffix())
    }

    /// True when this sync manages the destination key `key`.
    pub fn matches(&self, key: &str) -> bool {
        self.strip_str(key).is_some()
    }

    /// The Sluice key behind a managed destination key; `None` when `key` is not managed.
    pub fn strip(&self, key: &str) -> Option<String> {
        self.strip_str(key).map(str::to_string)
    }

    fn strip_str<'k>(&self, key: &'k str) -> Option<&'k str> {
        let Some((prefix, suffix)) = &self.affixes else {
            return Some(key);
        };
        let middle = key.strip_prefix(prefix.as_str())?.strip_suffix(suffix.as_str())?;
        // With a `/` in the template, the key part is one path segment: `/app/{{secretKey}}`
        // must not claim `/app/sub/KEY`.
        if (prefix.contains('/') || suffix.contains('/')) && middle.contains('/') {
            return None;
        }
        Some(middle)
    }
}

#[cfg(test)]
#[path = "key_schema_test.rs"]
mod tests;
