//! What the soak expects: the syncs it runs (source, target, key schema, deletion), the
//! history of every value the writers gave each source key, and the checks made against the
//! fake's write log and final state. Everything here is worked out from the test's own
//! records, not from what the engine says about itself.

use serde_json::{Value, json};
use sluice_railway_fake::VariableWrite;
use std::collections::{BTreeMap, BTreeSet};

/// A Railway scope: (environment id, service id or `None` for shared variables).
pub type Scope = (String, Option<String>);

/// One sync of the soak.
#[derive(Clone, Debug)]
pub struct SoakSync {
    pub name: &'static str,
    /// Source environment slug and folder.
    pub env: &'static str,
    pub path: &'static str,
    /// Key schema as `prefix`/`suffix` around the key, and the template sent to the API.
    pub schema: Option<&'static str>,
    pub prefix: &'static str,
    pub suffix: &'static str,
    pub deletion: bool,
    pub target: Scope,
    /// Destination names in the API's body.
    pub destination: Value,
    /// Source keys that are never deleted (the writers only update them).
    pub base_keys: &'static [&'static str],
    /// Which of the soak's two Railway connections (two tokens, paced apart) it uses.
    pub connection: usize,
    pub id: String,
}

impl SoakSync {
    /// The destination key a source key is written as.
    pub fn render(&self, key: &str) -> String {
        format!("{}{key}{}", self.prefix, self.suffix)
    }

    /// The source key a destination key is the rendering of, if it matches the schema.
    pub fn source_key<'a>(&self, name: &'a str) -> Option<&'a str> {
        name.strip_prefix(self.prefix)?.strip_suffix(self.suffix).filter(|k| !k.is_empty())
    }

    /// The API body creating this sync.
    pub fn body(&self, project: &str, connections: &[String]) -> Value {
        let connection = &connections[self.connection];
        // The mass-deletion guard stays on for emptied sources, but counted deletions never
        // hold a run: a sync that fell behind under chaos can owe many deletions (into a scope
        // holding a sealed variable they are made one at a time after the upsert, and a failed
        // delete leaves the rest for the next run), and a held run waits for a person by design.
        let mut options = json!({
            "initialSyncBehavior": "overwrite-destination",
            "disableSecretDeletion": !self.deletion,
            "massDeletionGuard": {"minKeys": 1000},
        });
        if let Some(schema) = self.schema {
            options["keySchema"] = json!(schema);
        }
        json!({
            "name": self.name, "projectId": project, "connectionId": connection,
            "environment": self.env, "secretPath": self.path, "isAutoSyncEnabled": true,
            "syncOptions": options, "destinationConfig": self.destination,
        })
    }
}

/// Every value each source key was given (in order), and whether it was ever deleted.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// (env, path, key) → values, oldest first.
    pub values: BTreeMap<(String, String, String), Vec<String>>,
    pub deleted: BTreeSet<(String, String, String)>,
    /// What the source holds now, per (env, path).
    pub current: BTreeMap<(String, String), BTreeMap<String, String>>,
}

impl History {
    /// A value about to be written (it may land even if the answer is lost).
    pub fn offer(&mut self, env: &str, path: &str, key: &str, value: &str) {
        let id = (env.to_string(), path.to_string(), key.to_string());
        self.values.entry(id).or_default().push(value.to_string());
    }

    /// A write the source acknowledged: the key now holds `value`.
    pub fn set(&mut self, env: &str, path: &str, key: &str, value: &str) {
        self.current.entry((env.to_string(), path.to_string())).or_default().insert(key.to_string(), value.to_string());
    }

    pub fn delete(&mut self, env: &str, path: &str, key: &str) {
        self.deleted.insert((env.to_string(), path.to_string(), key.to_string()));
        self.current.entry((env.to_string(), path.to_string())).or_default().remove(key);
    }

    fn values_of(&self, sync: &SoakSync, key: &str) -> Option<&Vec<String>> {
        self.values.get(&(sync.env.to_string(), sync.path.to_string(), key.to_string()))
    }

    fn was_deleted(&self, sync: &SoakSync, key: &str) -> bool {
        self.deleted.contains(&(sync.env.to_string(), sync.path.to_string(), key.to_string()))
    }

    pub fn source(&self, sync: &SoakSync) -> BTreeMap<String, String> {
        self.current.get(&(sync.env.to_string(), sync.path.to_string())).cloned().unwrap_or_default()
    }
}

/// Whether a name is one Railway provides (a sync must never write or delete it): the
/// `RAILWAY_` prefix, except the documented configuration variables (none used here).
pub fn provided(name: &str) -> bool {
    name.starts_with("RAILWAY_")
}

/// The destination's variables no sync may touch, per scope: sealed ones, references,
/// Railway's configuration, keys added by hand (matching a schema or not).
pub type Foreign = BTreeMap<Scope, BTreeMap<String, Option<String>>>;

/// The net effect of each request on each variable: a `replace: true` write deletes the
/// whole scope and sets it again in one request, so a variable it sets back to the value it
/// had is not changed by it. Oldest request first.
fn net_writes(writes: &[VariableWrite]) -> Vec<&VariableWrite> {
    let mut net: BTreeMap<(u64, String, Option<String>, String), &VariableWrite> = BTreeMap::new();
    for w in writes {
        net.insert((w.request, w.environment_id.clone(), w.service_id.clone(), w.name.clone()), w);
    }
    net.into_values().collect()
}

/// Checks every variable change Railway received against the rules; the violations, each
/// said in words, and how many variables no sync owns were written back unchanged (by
/// whole-set writes).
pub fn check_writes(
    writes: &[VariableWrite],
    syncs: &[SoakSync],
    history: &History,
    foreign: &Foreign,
) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut rewritten = 0;
    for w in net_writes(writes) {
        let scope: Scope = (w.environment_id.clone(), w.service_id.clone());
        let what = match &w.value {
            Some(_) => format!("{} (request {}) wrote {} in {:?}", w.operation, w.request, w.name, scope),
            None => format!("{} (request {}) deleted {} in {:?}", w.operation, w.request, w.name, scope),
        };
        if let Some(held) = foreign.get(&scope).and_then(|f| f.get(&w.name)) {
            if held.is_some() && w.value == *held && w.operation == "variableCollectionUpsert" {
                rewritten += 1; // a whole-set write put it back as it was
            } else {
                problems.push(format!("{what}: a variable no sync owns (sealed, reference, by hand)"));
            }
            continue;
        }
        if provided(&w.name) {
            problems.push(format!("{what}: a Railway-provided variable"));
            continue;
        }
        let owner = syncs.iter().find(|s| s.target == scope && s.source_key(&w.name).is_some());
        let Some(sync) = owner else {
            problems.push(format!("{what}: no sync of this target manages that name"));
            continue;
        };
        let key = sync.source_key(&w.name).unwrap_or_default();
        match (&w.value, history.values_of(sync, key)) {
            (_, None) => problems.push(format!("{what}: the source of {} never held {key}", sync.name)),
            (Some(value), Some(values)) if !values.contains(value) => {
                problems.push(format!("{what}: a value that no version of {key} in {} ever had", sync.name))
            }
            (None, Some(_)) if !sync.deletion => {
                problems.push(format!("{what}: sync {} has deletion disabled", sync.name))
            }
            (None, Some(_)) if !history.was_deleted(sync, key) => {
                problems.push(format!("{what}: {key} was never deleted from the source of {}", sync.name))
            }
            _ => {}
        }
    }
    (problems, rewritten)
}

/// How the destination of `sync` differs from the plan of its source (empty: converged).
/// `actual` is the stored variables of its scope (sealed as `None`).
pub fn differences(
    sync: &SoakSync,
    actual: &BTreeMap<String, Option<String>>,
    history: &History,
    foreign: &Foreign,
) -> Vec<String> {
    let foreign = foreign.get(&sync.target).cloned().unwrap_or_default();
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in history.source(sync) {
        let name = sync.render(&key);
        if provided(&name) || foreign.contains_key(&name) {
            continue; // never written: Railway's own, or sealed/by hand at the destination
        }
        expected.insert(name, value);
    }
    let mut out = Vec::new();
    for (name, value) in &expected {
        match actual.get(name) {
            Some(Some(v)) if v == value => {}
            Some(_) => out.push(format!("{name} differs from the source")),
            None => out.push(format!("{name} is missing")),
        }
    }
    for (name, value) in &foreign {
        if actual.get(name) != Some(value) {
            out.push(format!("{name} (not the sync's) was changed or removed"));
        }
    }
    for (name, value) in actual {
        if expected.contains_key(name) || foreign.contains_key(name) {
            continue;
        }
        // Only another sync's keys, or (deletion disabled) a deleted key at a value it had.
        let other = |s: &&SoakSync| s.target == sync.target && s.name != sync.name && s.source_key(name).is_some();
        let leftover = !sync.deletion
            && sync.source_key(name).is_some_and(|key| {
                value.as_ref().is_some_and(|v| history.values_of(sync, key).is_some_and(|vs| vs.contains(v)))
            });
        if !leftover && !other(&sync) {
            out.push(format!("{name} should not be there"));
        }
    }
    out
}

/// Whether a running deployment's variables hold every value the sync's source says.
pub fn running_differences(
    sync: &SoakSync,
    running: &BTreeMap<String, Option<String>>,
    history: &History,
    foreign: &Foreign,
) -> Vec<String> {
    let foreign = foreign.get(&sync.target).cloned().unwrap_or_default();
    history
        .source(sync)
        .into_iter()
        .map(|(key, value)| (sync.render(&key), value))
        .filter(|(name, _)| !provided(name) && !foreign.contains_key(name))
        .filter(|(name, value)| running.get(name) != Some(&Some(value.clone())))
        .map(|(name, _)| format!("the running deployment does not have the newest {name}"))
        .collect()
}

/// One run of a sync: `(started_at, finished_at, node)`.
pub type RunSpan = (i64, Option<i64>, String);

/// Runs of one sync that overlap in time.
pub fn overlaps(runs: &[RunSpan]) -> Vec<String> {
    let mut sorted = runs.to_vec();
    sorted.sort();
    sorted
        .windows(2)
        .filter_map(|w| {
            let (start_a, end_a, node_a) = &w[0];
            let (start_b, _, node_b) = &w[1];
            match end_a {
                Some(end) if end <= start_b => None,
                _ => Some(format!("a run on {node_b} started at {start_b} while one on {node_a} (from {start_a}) ran")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_runs_are_found() {
        let n = |s: &str| s.to_string();
        assert!(overlaps(&[(0, Some(10), n("a")), (10, Some(20), n("b"))]).is_empty());
        assert_eq!(overlaps(&[(0, Some(10), n("a")), (5, Some(20), n("b"))]).len(), 1);
        assert_eq!(overlaps(&[(0, None, n("a")), (5, Some(20), n("b"))]).len(), 1);
    }
}
