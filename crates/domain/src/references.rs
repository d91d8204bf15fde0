//! Secret references inside values, Infisical style, and their expansion.
//!
//! * `${KEY}`: the secret `KEY` in the same environment and folder;
//! * `${env.KEY}`: `KEY` in the root folder of environment `env`;
//! * `${env.folder1.folder2.KEY}`: `KEY` in `/folder1/folder2` of `env`.
//!
//! Because `.` separates the parts, a referenced key cannot contain a dot (a secret named
//! `a.b` exists but cannot be referenced). Text between `${` and `}` that is not a well-formed
//! reference (spaces, `${{shared.X}}` Railway references, shell defaults like `${A:-b}`) is kept
//! as written up to its `}`, and an unclosed `${` is literal text. There is no escape syntax.
//!
//! [`expand`] resolves recursively: a referenced value's own references are resolved relative
//! to *its* location. Start there. Errors name keys and references, never values.

use crate::names::{FolderPath, SecretKey, Slug};
use crate::secret::SecretValue;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Longest chain of references followed from one value.
pub const MAX_REFERENCE_DEPTH: usize = 10;

/// Largest expanded value, in bytes; guards against values that double at every level.
pub const MAX_EXPANDED_LEN: usize = 1 << 20;

/// Longest environment slug a reference may name.
const ENV_SLUG_MAX: usize = 64;

/// Where a secret lives: environment slug and folder.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RefLocation {
    pub environment: String,
    pub path: FolderPath,
}

impl RefLocation {
    pub fn new(environment: impl Into<String>, path: FolderPath) -> Self {
        Self { environment: environment.into(), path }
    }
}

/// One secret a reference points to. `Display` is `env:path:KEY` (`dev:/app:DB_URL`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefTarget {
    pub location: RefLocation,
    pub key: SecretKey,
}

impl fmt::Display for RefTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.location.environment, self.location.path, self.key)
    }
}

/// A parsed reference. `Display` gives it back as written (`${prod.db.URL}`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// `${KEY}`: same environment and folder as the value holding it.
    Local(SecretKey),
    /// `${env.KEY}` or `${env.folder1.folder2.KEY}`.
    Remote { environment: String, path: FolderPath, key: SecretKey },
}

impl Reference {
    /// Parses the text between `${` and `}`; `None` when it is not a reference.
    pub fn parse(inner: &str) -> Option<Reference> {
        let parts: Vec<&str> = inner.split('.').collect();
        let (last, rest) = parts.split_last()?;
        let key = SecretKey::parse(last).ok().filter(|k| k.as_str() == *last)?;
        let Some((env, folders)) = rest.split_first() else {
            return Some(Reference::Local(key));
        };
        Slug::parse(env, "environment", ENV_SLUG_MAX).ok().filter(|s| s.as_str() == *env)?;
        if !folders.iter().all(|f| FolderPath::parse_name(f, "secretPath").is_ok_and(|n| n == *f)) {
            return None;
        }
        let path = FolderPath::parse(&format!("/{}", folders.join("/"))).ok()?;
        Some(Reference::Remote { environment: env.to_string(), path, key })
    }

    pub fn key(&self) -> &SecretKey {
        match self {
            Self::Local(key) | Self::Remote { key, .. } => key,
        }
    }

    /// The secret this reference names, written in a value stored at `at`.
    pub fn target(&self, at: &RefLocation) -> RefTarget {
        match self {
            Self::Local(key) => RefTarget { location: at.clone(), key: key.clone() },
            Self::Remote { environment, path, key } => {
                RefTarget { location: RefLocation::new(environment.clone(), path.clone()), key: key.clone() }
            }
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(key) => write!(f, "${{{key}}}"),
            Self::Remote { environment, path, key } => {
                write!(f, "${{{environment}.")?;
                for segment in path.segments() {
                    write!(f, "{segment}.")?;
                }
                write!(f, "{key}}}")
            }
        }
    }
}

enum Token<'v> {
    Text(&'v str),
    /// A reference, and its text as written (`${ DB_HOST }`).
    Ref(Reference, &'v str),
}

/// Splits a value into literal text and references.
fn tokens(value: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let inner_and_after = &rest[start + 2..];
        let Some(end) = inner_and_after.find('}') else {
            break;
        };
        let after = &inner_and_after[end + 1..];
        match Reference::parse(&inner_and_after[..end]) {
            Some(r) => {
                if start > 0 {
                    out.push(Token::Text(&rest[..start]));
                }
                out.push(Token::Ref(r, &rest[start..start + 2 + end + 1]));
            }
            None => out.push(Token::Text(&rest[..start + 2 + end + 1])),
        }
        rest = after;
    }
    if !rest.is_empty() {
        out.push(Token::Text(rest));
    }
    out
}

/// The well-formed references in `value`, in order of appearance (repeats included).
pub fn references(value: &str) -> Vec<Reference> {
    tokens(value)
        .into_iter()
        .filter_map(|t| match t {
            Token::Ref(r, _) => Some(r),
            Token::Text(_) => None,
        })
        .collect()
}

/// The secrets a value stored at `at` refers to directly, sorted and without repeats. The
/// engine indexes these to find the syncs a change affects transitively.
pub fn dependencies(value: &str, at: &RefLocation) -> Vec<RefTarget> {
    references(value).iter().map(|r| r.target(at)).collect::<BTreeSet<_>>().into_iter().collect()
}

/// Why a value could not be expanded. Names references and keys, never values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// The references loop back on themselves; `chain` lists the loop, first secret repeated last.
    #[error("secret references form a cycle: {}", chain.join(" -> "))]
    Cycle { chain: Vec<String> },
    /// Following references went deeper than [`MAX_REFERENCE_DEPTH`].
    #[error("secret reference {reference} is nested more than {max_depth} levels deep")]
    TooDeep { reference: String, max_depth: usize },
    /// A referenced secret does not exist. `reference` is as written; `target` is the
    /// resolved `env:path:KEY`.
    #[error("secret reference {reference} points to a secret that does not exist")]
    Missing { reference: String, target: String },
    /// The expanded value would exceed [`MAX_EXPANDED_LEN`] bytes.
    #[error("secret references expand to more than {max_len} bytes")]
    TooLarge { max_len: usize },
}

/// Looks up the raw stored value of a secret; `None` when it does not exist.
pub type Lookup<'l> = dyn FnMut(&RefLocation, &SecretKey) -> Option<SecretValue> + 'l;

/// Expands the references in `value`, stored at `at`. `lookup` returns raw stored values.
pub fn expand(value: &SecretValue, at: &RefLocation, lookup: &mut Lookup<'_>) -> Result<SecretValue, ExpandError> {
    let mut expander = Expander { lookup, stack: Vec::new(), done: BTreeMap::new(), broken: None };
    expander.value(value.expose(), at, 0).map(|(text, _)| SecretValue::new(text))
}

/// A reference that could not be expanded, left in the value as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenReference {
    /// As written in the value that holds it (`${DB_HOST}`).
    pub reference: String,
    pub error: ExpandError,
}

impl fmt::Display for BrokenReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

/// A value expanded as far as it can be, and the references that could not be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    pub value: SecretValue,
    /// Empty when every reference resolved.
    pub broken: Vec<BrokenReference>,
}

impl Expanded {
    pub fn is_whole(&self) -> bool {
        self.broken.is_empty()
    }
}

/// Like [`expand_secret`], as reads do it (Infisical's behaviour, which clients rely on): a
/// reference that does not resolve stays in the value as its literal text, a cycle stops
/// expanding where it closes, a reference nested more than [`MAX_REFERENCE_DEPTH`] deep
/// or expanding past [`MAX_EXPANDED_LEN`] stays literal, and the value is always returned,
/// with what could not be expanded.
pub fn expand_secret_lenient(
    at: &RefLocation,
    key: &SecretKey,
    value: &SecretValue,
    lookup: &mut Lookup<'_>,
) -> Expanded {
    let origin = RefTarget { location: at.clone(), key: key.clone() };
    let mut expander = Expander { lookup, stack: vec![origin], done: BTreeMap::new(), broken: Some(Vec::new()) };
    let text = match expander.value(value.expose(), at, 0) {
        Ok((text, _)) => text,
        // Lenient expansion reports instead of failing; keep the value as stored if not.
        Err(_) => value.expose().to_string(),
    };
    let mut broken = expander.broken.unwrap_or_default();
    broken.dedup();
    Expanded { value: SecretValue::new(text), broken }
}

/// Like [`expand`] for the secret `key` at `at` whose raw value is `value`: a reference back to
/// the secret itself is reported as a cycle from the start (`dev:/:A -> dev:/:A`).
pub fn expand_secret(
    at: &RefLocation,
    key: &SecretKey,
    value: &SecretValue,
    lookup: &mut Lookup<'_>,
) -> Result<SecretValue, ExpandError> {
    let origin = RefTarget { location: at.clone(), key: key.clone() };
    let mut expander = Expander { lookup, stack: vec![origin], done: BTreeMap::new(), broken: None };
    expander.value(value.expose(), at, 0).map(|(text, _)| SecretValue::new(text))
}

struct Expander<'a, 'l> {
    lookup: &'a mut Lookup<'l>,
    /// Secrets being expanded, outermost first.
    stack: Vec<RefTarget>,
    /// Secrets already expanded in this call: text and height (longest chain below them).
    done: BTreeMap<RefTarget, (String, usize)>,
    /// Lenient mode: references that could not be expanded are collected here and left
    /// literal instead of failing the expansion.
    broken: Option<Vec<BrokenReference>>,
}

impl Expander<'_, '_> {
    /// Expands `value` found `depth` references below the start. Returns the text and its height.
    fn value(&mut self, value: &str, at: &RefLocation, depth: usize) -> Result<(String, usize), ExpandError> {
        let mut out = String::new();
        let mut height = 0;
        for token in tokens(value) {
            let (text, h) = match token {
                Token::Text(t) => (t.to_string(), 0),
                Token::Ref(r, written) => match self.reference(&r, r.target(at), depth + 1) {
                    Ok((text, h)) if out.len() + text.len() <= MAX_EXPANDED_LEN || self.broken.is_none() => {
                        (text, h + 1)
                    }
                    Ok(_) => self.leave(written, ExpandError::TooLarge { max_len: MAX_EXPANDED_LEN })?,
                    Err(e) => self.leave(written, e)?,
                },
            };
            if out.len() + text.len() > MAX_EXPANDED_LEN {
                return Err(ExpandError::TooLarge { max_len: MAX_EXPANDED_LEN });
            }
            out.push_str(&text);
            height = height.max(h);
        }
        Ok((out, height))
    }

    /// A reference that failed with `e`: in lenient mode it stays as `written`, and is
    /// recorded; otherwise the expansion fails.
    fn leave(&mut self, written: &str, e: ExpandError) -> Result<(String, usize), ExpandError> {
        match &mut self.broken {
            Some(broken) => {
                broken.push(BrokenReference { reference: written.to_string(), error: e });
                Ok((written.to_string(), 0))
            }
            None => Err(e),
        }
    }

    fn reference(&mut self, r: &Reference, target: RefTarget, depth: usize) -> Result<(String, usize), ExpandError> {
        if let Some(pos) = self.stack.iter().position(|t| *t == target) {
            let chain = self.stack[pos..].iter().chain([&target]).map(ToString::to_string).collect();
            return Err(ExpandError::Cycle { chain });
        }
        let too_deep = || ExpandError::TooDeep { reference: r.to_string(), max_depth: MAX_REFERENCE_DEPTH };
        if depth > MAX_REFERENCE_DEPTH {
            return Err(too_deep());
        }
        if let Some((text, h)) = self.done.get(&target) {
            // Reused expansions must respect the depth limit as if they were followed again.
            return if depth + h > MAX_REFERENCE_DEPTH { Err(too_deep()) } else { Ok((text.clone(), *h)) };
        }
        let raw = (self.lookup)(&target.location, &target.key)
            .ok_or_else(|| ExpandError::Missing { reference: r.to_string(), target: target.to_string() })?;
        self.stack.push(target.clone());
        let result = self.value(raw.expose(), &target.location, depth);
        self.stack.pop();
        let (text, h) = result?;
        self.done.insert(target, (text.clone(), h));
        Ok((text, h))
    }
}

#[cfg(test)]
#[path = "references_test.rs"]
mod tests;
