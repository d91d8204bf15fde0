//! A small time-bounded cache for hot lookups on the request path (token → principal,
//! principal + project → role). Entries expire after a short TTL, so a change made by
//! another node is seen within it; changes made here invalidate at once.

use dashmap::DashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    map: DashMap<K, (Instant, V)>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self { ttl, max_entries, map: DashMap::new() }
    }

    pub fn get(&self, k: &K) -> Option<V> {
        let hit = self.map.get(k).and_then(|e| (e.0.elapsed() < self.ttl).then(|| e.1.clone()));
        if hit.is_none() {
            self.map.remove_if(k, |_, e| e.0.elapsed() >= self.ttl);
        }
        hit
    }

    pub fn insert(&self, k: K, v: V) {
        if self.map.len() >= self.max_entries {
            self.map.retain(|_, e| e.0.elapsed() < self.ttl);
            if self.map.len() >= self.max_entries {
                self.map.clear();
            }
        }
        self.map.insert(k, (Instant::now(), v));
    }

    pub fn remove(&self, k: &K) {
        self.map.remove(k);
    }

    pub fn retain(&self, keep: impl Fn(&K, &V) -> bool) {
        self.map.retain(|k, e| keep(k, &e.1));
    }

    pub fn clear(&self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_removed() {
        let c = TtlCache::new(Duration::ZERO, 10);
        c.insert(1, "a");
        assert_eq!(c.get(&1), None, "a zero TTL never serves");
        let c = TtlCache::new(Duration::from_secs(60), 2);
        c.insert(1, "a");
        assert_eq!(c.get(&1), Some("a"));
        c.remove(&1);
        assert_eq!(c.get(&1), None);
        c.insert(1, "a");
        c.insert(2, "b");
        c.insert(3, "c");
        assert_eq!(c.get(&3), Some("c"));
    }
}
