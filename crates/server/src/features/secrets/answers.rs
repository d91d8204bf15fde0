//! Whole answers of secret reads kept between requests: a list, so that a client polling
//! the same folder (every SDK does) does not open, expand, tag and serialize hundreds of
//! secrets again, and one secret, so that an app reading its secret at each start or
//! request costs a lookup, not a query and two AES-GCM opens.
//!
//! An answer is keyed by who asked and the exact query, and remembers the project's change
//! counter (`sluice_storage::change_counters`) taken *before* the answer was made: it is
//! served only while the counter still has that value. Every write that can change a read
//! (secrets, folders, imports, tags, environments) raises the counter in its own
//! transaction, so the next read misses and makes the answer afresh. On PostgreSQL the
//! counter is read from the database on each request, so a write by any node shows at
//! once; a server alone on its SQLite file knows every raise without reading it
//! (`Store::change_counter`). Who may read is decided on every request before the cache
//! is looked at.
//!
//! The cache holds decrypted values in this process's memory, like the folder cache under
//! it; it is bounded in bytes (`--read-cache-mib`, 0 turns it off) and, once full, drops
//! the least recently used tenth of its answers.

use bytes::Bytes;
use parking_lot::Mutex;
use sluice_domain::ProjectId;
use std::collections::HashMap;
use std::sync::Arc;

/// An answer ready to send.
#[derive(Debug)]
pub struct Answer {
    pub json: Bytes,
    /// The strong `ETag`, quoted.
    pub etag: String,
}

/// Who asked, and what exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    pub principal: String,
    pub project: ProjectId,
    /// The query as parsed, in one canonical text.
    pub query: String,
}

#[derive(Debug)]
struct Entry {
    version: i64,
    body: Arc<Answer>,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<AnswerKey, Entry>,
    bytes: usize,
    clock: u64,
}

/// The cache (one per server, in the state).
#[derive(Debug)]
pub struct AnswerCache {
    entries: Mutex<Entries>,
    max_bytes: usize,
}

impl AnswerCache {
    /// A cache of at most `max_bytes` of answers (0: off).
    pub fn new(max_bytes: usize) -> Self {
        Self { entries: Mutex::new(Entries::default()), max_bytes }
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// The answer kept for `key` at change counter `version`, if any.
    pub fn get(&self, key: &AnswerKey, version: i64) -> Option<Arc<Answer>> {
        let mut e = self.entries.lock();
        e.clock += 1;
        let now = e.clock;
        match e.map.get_mut(key) {
            Some(entry) if entry.version == version => {
                entry.last_used = now;
                Some(entry.body.clone())
            }
            Some(_) => {
                if let Some(old) = e.map.remove(key) {
                    e.bytes -= held(key, &old.body);
                }
                None
            }
            None => None,
        }
    }

    /// Keeps `body` as the answer for `key` at `version`; once the bound is passed, the least
    /// recently used tenth of the answers go. An answer larger than a quarter of the bound
    /// is not kept.
    pub fn insert(&self, key: AnswerKey, version: i64, body: Arc<Answer>) {
        let size = held(&key, &body);
        if !self.enabled() || size > self.max_bytes / 4 {
            return;
        }
        let mut e = self.entries.lock();
        e.clock += 1;
        let now = e.clock;
        if let Some(old) = e.map.remove(&key) {
            e.bytes -= held(&key, &old.body);
        }
        e.map.insert(key, Entry { version, body, last_used: now });
        e.bytes += size;
        if e.bytes > self.max_bytes {
            // One sort per tenth evicted, not one scan per insert.
            let mut by_age: Vec<(u64, AnswerKey)> = e.map.iter().map(|(k, v)| (v.last_used, k.clone())).collect();
            by_age.sort_unstable_by_key(|(used, _)| *used);
            let target = self.max_bytes - self.max_bytes / 10;
            for (_, k) in by_age {
                if e.bytes <= target {
                    break;
                }
                if let Some(gone) = e.map.remove(&k) {
                    e.bytes -= held(&k, &gone.body);
                }
            }
        }
    }

    /// Bytes of answers held.
    pub fn bytes(&self) -> usize {
        self.entries.lock().bytes
    }
}

/// What an answer costs the bound: its body, its tag and its key, plus a fixed share for
/// the map's bookkeeping.
fn held(key: &AnswerKey, body: &Answer) -> usize {
    const OVERHEAD: usize = 96;
    body.json.len() + body.etag.len() + key.principal.len() + key.query.len() + OVERHEAD
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> AnswerKey {
        AnswerKey { principal: "p".into(), project: ProjectId::new(), query: format!("q{n}") }
    }

    fn body(len: usize) -> Arc<Answer> {
        Arc::new(Answer { json: Bytes::from(vec![b'x'; len]), etag: "\"t\"".into() })
    }

    #[test]
    fn an_answer_is_served_only_at_the_counter_it_was_made_at() {
        let c = AnswerCache::new(1_000);
        let k = key(1);
        c.insert(k.clone(), 7, body(10));
        assert!(c.get(&k, 7).is_some());
        assert!(c.get(&k, 8).is_none(), "the project changed since");
        assert!(c.get(&k, 7).is_none(), "an outdated answer is dropped");
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn the_bound_evicts_the_least_recently_used_and_zero_turns_it_off() {
        let c = AnswerCache::new(2_000);
        let (a, b) = (key(1), key(2));
        c.insert(a.clone(), 1, body(200));
        c.insert(b.clone(), 1, body(200));
        assert!(c.get(&a, 1).is_some());
        for n in 3..=6 {
            c.insert(key(n), 1, body(300));
        }
        assert!(c.bytes() <= 2_000, "{}", c.bytes());
        assert!(c.get(&b, 1).is_none(), "the least recently used went first");
        let mut newest = key(0);
        for n in 7..60 {
            newest = key(n);
            c.insert(newest.clone(), 1, body(100));
            assert!(c.bytes() <= 2_000, "{}", c.bytes());
        }
        assert!(c.get(&newest, 1).is_some(), "the newest stays");
        let large = key(60);
        c.insert(large.clone(), 1, body(400));
        assert!(c.get(&large, 1).is_none(), "larger than a quarter of the bound with its key: not kept");
        let off = AnswerCache::new(0);
        off.insert(a.clone(), 1, body(1));
        assert!(off.get(&a, 1).is_none());
    }
}
