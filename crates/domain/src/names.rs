//! Names parsed once where input enters: secret keys, folder paths and slugs.
//! Downstream code takes these types and never re-validates.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a name was refused. The message names the rule; `field` names where it came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct NameError {
    pub field: String,
    pub message: String,
}

impl NameError {
    /// A refusal of the request field `field`; `message` says which rule was broken.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_string(), message: message.into() }
    }
}

/// Longest secret key we accept.
pub const SECRET_KEY_MAX: usize = 256;

/// A secret's name: letters, digits, `_`, `.` and `-`, at most 256 characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SecretKey(String);

impl SecretKey {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        Self::parse_field(s, "secretKey")
    }

    pub fn parse_field(s: &str, field: &str) -> Result<Self, NameError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(NameError::new(field, "secret key must not be empty"));
        }
        if s.chars().count() > SECRET_KEY_MAX {
            return Err(NameError::new(field, format!("secret key must be at most {SECRET_KEY_MAX} characters")));
        }
        if let Some(bad) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))) {
            return Err(NameError::new(
                field,
                format!(
                    "secret key \"{s}\" contains {bad:?}; only letters, digits, underscores (_), dots (.) and hyphens (-) are allowed"
                ),
            ));
        }
        Ok(Self(s.to_string()))
    }

    /// Wraps a key read back from storage, which only ever holds parsed keys.
    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SecretKey {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<SecretKey> for String {
    fn from(k: SecretKey) -> Self {
        k.0
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.0)
    }
}

impl AsRef<str> for SecretKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An absolute folder path such as `/` or `/app/api`. Segments are letters, digits,
/// `_` and `-`. A trailing slash is dropped and a missing leading slash added, as
/// Infisical's clients send both forms.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FolderPath(String);

/// Deepest folder nesting we accept.
pub const FOLDER_DEPTH_MAX: usize = 20;

impl FolderPath {
    pub fn root() -> Self {
        Self("/".to_string())
    }

    pub fn parse(s: &str) -> Result<Self, NameError> {
        Self::parse_field(s, "secretPath")
    }

    pub fn parse_field(s: &str, field: &str) -> Result<Self, NameError> {
        let s = s.trim();
        let trimmed = s.trim_start_matches('/').trim_end_matches('/');
        if trimmed.is_empty() {
            return Ok(Self::root());
        }
        let mut out = String::with_capacity(trimmed.len() + 1);
        let mut depth = 0;
        for seg in trimmed.split('/') {
            FolderPath::check_segment(seg, field, s)?;
            out.push('/');
            out.push_str(seg);
            depth += 1;
        }
        if depth > FOLDER_DEPTH_MAX {
            return Err(NameError::new(field, format!("path \"{s}\" is deeper than {FOLDER_DEPTH_MAX} folders")));
        }
        Ok(Self(out))
    }

    fn check_segment(seg: &str, field: &str, whole: &str) -> Result<(), NameError> {
        if seg.is_empty() {
            return Err(NameError::new(field, format!("path \"{whole}\" has an empty folder name (\"//\")")));
        }
        if seg.len() > 64 {
            return Err(NameError::new(field, format!("folder name \"{seg}\" is longer than 64 characters")));
        }
        if let Some(bad) = seg.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))) {
            return Err(NameError::new(
                field,
                format!(
                    "folder name \"{seg}\" in path \"{whole}\" contains {bad:?}; only letters, digits, underscores and hyphens are allowed"
                ),
            ));
        }
        Ok(())
    }

    /// Validates one folder name (the last segment of a path).
    pub fn parse_name(name: &str, field: &str) -> Result<String, NameError> {
        let name = name.trim();
        Self::check_segment(name, field, name)?;
        Ok(name.to_string())
    }

    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// The folder names from the root down.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }

    /// The path one level up; `None` for the root.
    pub fn parent(&self) -> Option<FolderPath> {
        if self.is_root() {
            return None;
        }
        let cut = self.0.rfind('/').unwrap_or(0);
        Some(if cut == 0 { Self::root() } else { Self(self.0[..cut].to_string()) })
    }

    /// The last folder name; `None` for the root.
    pub fn name(&self) -> Option<&str> {
        self.segments().last()
    }

    /// This path with one more folder below it.
    pub fn join(&self, name: &str) -> FolderPath {
        if self.is_root() { Self(format!("/{name}")) } else { Self(format!("{}/{name}", self.0)) }
    }

    /// True when `self` is `other` or lies below it.
    pub fn is_within(&self, other: &FolderPath) -> bool {
        other.is_root() || self.0 == other.0 || self.0.starts_with(&format!("{}/", other.0))
    }
}

impl TryFrom<String> for FolderPath {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<FolderPath> for String {
    fn from(p: FolderPath) -> Self {
        p.0
    }
}

impl fmt::Display for FolderPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FolderPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FolderPath({})", self.0)
    }
}

/// A slug: lowercase letters, digits and single hyphens, no leading or trailing hyphen.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Slug(String);

/// An environment's slug (`dev`, `staging`, `prod`).
pub type EnvSlug = Slug;

impl Slug {
    /// Parses `s` for the request field `field`, at most `max` characters. The messages
    /// follow Infisical's (`name field can only contain lowercase letters, numbers, and hyphens`).
    pub fn parse(s: &str, field: &str, max: usize) -> Result<Self, NameError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(NameError::new(field, format!("{field} field must be at least 1 lowercase character")));
        }
        if s.chars().count() > max {
            return Err(NameError::new(field, format!("{field} field must be at most {max} lowercase characters")));
        }
        let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(NameError::new(
                field,
                format!("{field} field can only contain lowercase letters, numbers, and hyphens (got \"{s}\")"),
            ));
        }
        Ok(Self(s.to_string()))
    }

    /// Turns free text into a slug (`"My Project"` → `"my-project"`); empty when nothing is left.
    pub fn slugify(s: &str) -> String {
        let mut out = String::new();
        for c in s.trim().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_string()
    }

    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_paths_normalise() {
        for (input, want) in [("/", "/"), ("", "/"), ("/a/b/", "/a/b"), ("a/b", "/a/b"), ("/my-secrets", "/my-secrets")]
        {
            assert_eq!(FolderPath::parse(input).expect(input).as_str(), want);
        }
        assert!(FolderPath::parse("/a//b").is_err());
        assert!(FolderPath::parse("/a b").is_err());
    }

    #[test]
    fn folder_path_relations() {
        let p = FolderPath::parse("/a/b").expect("path");
        assert_eq!(p.parent().expect("parent").as_str(), "/a");
        assert_eq!(p.name(), Some("b"));
        assert!(p.is_within(&FolderPath::root()));
        assert!(p.is_within(&FolderPath::parse("/a").expect("path")));
        assert!(!FolderPath::parse("/ab").expect("path").is_within(&FolderPath::parse("/a").expect("path")));
        assert_eq!(FolderPath::root().join("x").as_str(), "/x");
    }

    #[test]
    fn secret_keys_name_the_bad_character() {
        assert!(SecretKey::parse("DATABASE_URL").is_ok());
        let err = SecretKey::parse("BAD KEY").expect_err("space");
        assert!(err.message.contains("' '"), "{err}");
        assert!(SecretKey::parse("").is_err());
    }

    #[test]
    fn slugs_follow_infisical_messages() {
        assert!(Slug::parse("my-railway-sync", "name", 256).is_ok());
        let err = Slug::parse("My Sync", "name", 256).expect_err("upper");
        assert!(err.message.starts_with("name field can only contain lowercase letters, numbers, and hyphens"));
        assert_eq!(Slug::slugify("My Project!"), "my-project");
    }
}
