//! Test fixtures shared by this crate's tests: literal maps for table tests, and proptest
//! strategies for keys, schemas, environments, and destination states built to overlap with a
//! desired map.

use crate::key_schema::{ENVIRONMENT_PLACEHOLDER, KeyMatcher, KeySchema, SECRET_KEY_PLACEHOLDER};
use crate::names::SecretKey;
use crate::planner::{Desired, Observed};
use crate::secret::SecretValue;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Sluice secrets from literal pairs.
pub fn secrets(pairs: &[(&str, &str)]) -> Desired {
    pairs.iter().map(|(k, v)| (SecretKey::parse(k).expect("key"), SecretValue::from(*v))).collect()
}

/// Destination variables from literal pairs; `None` is a sealed variable.
pub fn variables(pairs: &[(&str, Option<&str>)]) -> Observed {
    pairs.iter().map(|(k, v)| (k.to_string(), v.map(SecretValue::from))).collect()
}

/// A schema known to be valid and non-empty.
pub fn schema(s: &str) -> KeySchema {
    KeySchema::parse(s).expect("valid").expect("non-empty")
}

/// Any valid Sluice key (letters, digits, `_`, `.`, `-`), biased towards short names so that
/// generated maps collide.
pub fn secret_key() -> impl Strategy<Value = SecretKey> {
    prop_oneof![
        3 => "[A-E][A-E_]{0,3}",
        1 => "[A-Za-z0-9_.-]{1,12}",
        1 => "RAILWAY_[A-Z]{1,3}",
    ]
    .prop_map(|s| SecretKey::parse(&s).expect("generated keys are valid"))
}

/// Short values from a small alphabet, so equal values happen often.
pub fn value() -> impl Strategy<Value = SecretValue> {
    "[ab]{0,2}".prop_map(SecretValue::new)
}

pub fn environment() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,5}"
}

fn side() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            3 => "[A-Za-z0-9_/-]{1,4}",
            1 => Just(ENVIRONMENT_PLACEHOLDER.to_string()),
        ],
        0..3,
    )
    .prop_map(|parts| parts.concat())
}

/// Any valid key schema, built from literal runs and `{{environment}}` on either side of the key.
pub fn key_schema() -> impl Strategy<Value = KeySchema> {
    (side(), side()).prop_map(|(before, after)| {
        let text = format!("{before}{SECRET_KEY_PLACEHOLDER}{after}");
        KeySchema::parse(&text).expect("valid").expect("non-empty")
    })
}

pub fn maybe_schema() -> impl Strategy<Value = Option<KeySchema>> {
    prop_oneof![1 => Just(None), 3 => key_schema().prop_map(Some)]
}

pub fn desired() -> impl Strategy<Value = Desired> {
    btree_map(secret_key(), value(), 0..8)
}

/// How one observed key relates to the desired map.
#[derive(Clone, Debug)]
enum Seed {
    /// The n-th desired key, rendered: same value, other value, or sealed.
    Desired(usize, u8),
    /// A key the schema manages but Sluice does not have.
    Managed(SecretKey, Option<SecretValue>),
    /// Any key at all: usually unmanaged when there is a schema.
    Raw(String, Option<SecretValue>),
}

fn observed_value() -> impl Strategy<Value = Option<SecretValue>> {
    prop_oneof![4 => value().prop_map(Some), 1 => Just(None)]
}

fn seed() -> impl Strategy<Value = Seed> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..3).prop_map(|(i, m)| Seed::Desired(i, m)),
        2 => (secret_key(), observed_value()).prop_map(|(k, v)| Seed::Managed(k, v)),
        2 => ("(RAILWAY_)?[A-Za-z0-9_/.-]{1,8}", observed_value()).prop_map(|(k, v)| Seed::Raw(k, v)),
    ]
}

/// A destination state for `desired` under `matcher`: some desired keys present (equal,
/// different or sealed), some managed extras, some unrelated keys, some `RAILWAY_*`.
pub fn observed_for(desired: &Desired, matcher: &KeyMatcher, seeds: &[SeedHandle]) -> Observed {
    let keys: Vec<(&SecretKey, &SecretValue)> = desired.iter().collect();
    let mut out = BTreeMap::new();
    for SeedHandle(seed) in seeds {
        match seed {
            Seed::Desired(i, mode) => {
                if keys.is_empty() {
                    continue;
                }
                let (k, v) = keys[i % keys.len()];
                let value = match mode {
                    0 => Some(v.clone()),
                    1 => Some(SecretValue::new(format!("{}-changed", v.expose()))),
                    _ => None,
                };
                out.insert(matcher.render(k.as_str()), value);
            }
            Seed::Managed(k, v) => {
                out.insert(matcher.render(k.as_str()), v.clone());
            }
            Seed::Raw(k, v) => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// Opaque wrapper so tests take seeds without naming the private enum.
#[derive(Clone, Debug)]
pub struct SeedHandle(Seed);

pub fn seeds() -> impl Strategy<Value = Vec<SeedHandle>> {
    vec(seed().prop_map(SeedHandle), 0..10)
}

/// A whole planning scenario: schema, environment, desired map and observed destination.
pub type Scenario = (Option<KeySchema>, String, Desired, Observed);

pub fn scenario() -> impl Strategy<Value = Scenario> {
    (maybe_schema(), environment(), desired(), seeds()).prop_map(|(schema, env, desired, seeds)| {
        let matcher = KeyMatcher::new(schema.as_ref(), &env);
        let observed = observed_for(&desired, &matcher, &seeds);
        (schema, env, desired, observed)
    })
}
