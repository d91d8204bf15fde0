//! Whole answers of the secret list kept between reads, so that a client polling the same
//! folder (every SDK does) costs one lookup of the project's change counter instead of
//! opening, expanding, tagging and serializing hundreds of secrets again.
//!
//! An answer is keyed by who asked and the exact query, and remembers the project's change
//! counter (`sluice_storage::change_counters`) read *before* the answer was made: it is
//! served only while the counter still has that value. Every write that can change a list
//! (secrets, folders, imports, tags, environments) raises the counter in its own
//! transaction, on any node sharing the database, so the next read misses and makes the
//! answer afresh. Who may read is decided on every request before the cache is looked at.
//!
//! The cache holds decrypted values in this process's memory, like the folder cache under
//! it; it is bounded in bytes (`--read-cache-mib`, 0 turns it off) and drops the least
//! recently used answers first.

use bytes::Bytes;
use parking_lot::Mutex;
use sluice_domain::ProjectId;
use std::collections::HashMap;
use std::sync::Arc;

/// A list answer ready to send.
#[derive(Debug)]
pub struct ListBody {
    pub json: Bytes,
    /// The strong `ETag`, quoted.
    pub etag: String,
}

/// Who asked, and what exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub principal: String,
    pub project: ProjectId,
    /// The query as parsed, in one canonical text.
    pub query: String,
}

#[derive(Debug)]
struct Entry {
    version: i64,
    body: Arc<ListBody>,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<ListKey, Entry>,
    bytes: usize,
    clock: u64,
}

/// The cache (one per server, in the state).
#[derive(Debug)]
pub struct ListCache {
    entries: Mutex<Entries>,
    max_bytes: usize,
}

impl ListCache {
    /// A cache of at most `max_bytes` of answers (0: off).
    pub fn new(max_bytes: usize) -> Self {
        Self { entries: Mutex::new(Entries::default()), max_bytes }
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// The answer kept for `key` at change counter `version`, if any.
    pub fn get(&self, key: &ListKey, version: i64) -> Option<Arc<ListBody>> {
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
                    e.bytes -= old.body.json.len();
                }
                None
            }
            None => None,
        }
    }

    /// Keeps `body` as the answer for `key` at `version`, evicting the least recently used
    /// answers beyond the bound. An answer larger than a quarter of the bound is not kept.
    pub fn insert(&self, key: ListKey, version: i64, body: Arc<ListBody>) {
        let size = body.json.len();
        if !self.enabled() || size > self.max_bytes / 4 {
            return;
        }
        let mut e = self.entries.lock();
        e.clock += 1;
        let now = e.clock;
        if let Some(old) = e.map.insert(key, Entry { version, body, last_used: now }) {
            e.bytes -= old.body.json.len();
        }
        e.bytes += size;
        while e.bytes > self.max_bytes {
            let Some(oldest) = e.map.iter().min_by_key(|(_, v)| v.last_used).map(|(k, _)| k.clone()) else { break };
            if let Some(gone) = e.map.remove(&oldest) {
                e.bytes -= gone.body.json.len();
            }
        }
    }

    /// Bytes of answers held.
    pub fn bytes(&self) -> usize {
        self.entries.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> ListKey {
        ListKey { principal: "p".into(), project: ProjectId::new(), query: format!("q{n}") }
    }

    fn body(len: usize) -> Arc<ListBody> {
        Arc::new(ListBody { json: Bytes::from(vec![b'x'; len]), etag: "\"t\"".into() })
    }

    #[test]
    fn an_answer_is_served_only_at_the_counter_it_was_made_at() {
        let c = ListCache::new(1_000);
        let k = key(1);
        c.insert(k.clone(), 7, body(10));
        assert!(c.get(&k, 7).is_some());
        assert!(c.get(&k, 8).is_none(), "the project changed since");
        assert!(c.get(&k, 7).is_none(), "an outdated answer is dropped");
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn the_bound_evicts_the_least_recently_used_and_zero_turns_it_off() {
        let c = ListCache::new(1_000);
        let (a, b, d) = (key(1), key(2), key(3));
        c.insert(a.clone(), 1, body(200));
        c.insert(b.clone(), 1, body(200));
        assert!(c.get(&a, 1).is_some());
        c.insert(d.clone(), 1, body(250));
        c.insert(key(4), 1, body(250));
        c.insert(key(5), 1, body(250));
        assert!(c.bytes() <= 1_000);
        assert!(c.get(&b, 1).is_none(), "the least recently used went first");
        c.insert(key(6), 1, body(251));
        assert!(c.get(&key(6), 1).is_none(), "larger than a quarter of the bound: not kept");
        let off = ListCache::new(0);
        off.insert(a.clone(), 1, body(1));
        assert!(off.get(&a, 1).is_none());
    }
}
