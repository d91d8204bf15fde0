//! Folder contents kept between reads: a folder's rows with every value and comment
//! already opened, so a list of 500 secrets is not 500 rows fetched and 1,000 AES-GCM
//! opens on every request.
//!
//! An entry is keyed by folder id and remembers the project's change counter
//! (`sluice_storage::change_counters`) read *before* its rows were read. It is used only
//! while the counter still has that value, and every reader reads the counter from the
//! database first: any write to the project, by this node or another one sharing the
//! PostgreSQL database, raises the counter in its own transaction, so the next read misses
//! and loads afresh. An entry can be older than the counter allows (a write committed
//! between reading the counter and the rows makes it newer instead, which is safe: it is
//! simply not used again). Who may read what is decided per request before any of this.
//!
//! The cache is bounded by the number of secrets it holds ([`FolderCache::new`]); the
//! least recently used folders go first. Values are [`SecretValue`]s, wiped when dropped.

use parking_lot::Mutex;
use sluice_domain::{FolderId, SecretValue};
use sluice_storage::secrets::SecretRow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A folder's secrets as read at one change-counter value.
#[derive(Debug, Default)]
pub struct FolderContents {
    /// Key → row.
    pub rows: BTreeMap<String, SecretRow>,
    /// Key → (value, comment), for the rows whose ciphertexts opened.
    pub opened: HashMap<String, (SecretValue, SecretValue)>,
}

impl FolderContents {
    /// Whether every row's value and comment opened (only such contents are cached: a row
    /// that does not open fails each read that needs it, as without a cache).
    pub fn complete(&self) -> bool {
        self.opened.len() == self.rows.len()
    }
}

#[derive(Debug)]
struct Entry {
    version: i64,
    contents: Arc<FolderContents>,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Entries {
    by_folder: HashMap<FolderId, Entry>,
    /// Rows held, summed over entries.
    rows: usize,
    clock: u64,
}

/// The cache of opened folder contents (one per process, in [`crate::Core`]).
#[derive(Debug)]
pub struct FolderCache {
    entries: Mutex<Entries>,
    max_rows: usize,
}

impl FolderCache {
    /// A cache holding at most `max_rows` secrets (0 turns it off).
    pub fn new(max_rows: usize) -> Self {
        Self { entries: Mutex::new(Entries::default()), max_rows }
    }

    /// The contents of `folder` as read at change counter `version`, if kept.
    pub fn get(&self, folder: &FolderId, version: i64) -> Option<Arc<FolderContents>> {
        let mut e = self.entries.lock();
        e.clock += 1;
        let now = e.clock;
        match e.by_folder.get_mut(folder) {
            Some(entry) if entry.version == version => {
                entry.last_used = now;
                Some(entry.contents.clone())
            }
            Some(_) => {
                // Outdated: the project changed since. Drop it now rather than when evicted.
                if let Some(old) = e.by_folder.remove(folder) {
                    e.rows -= old.contents.rows.len();
                }
                None
            }
            None => None,
        }
    }

    /// Keeps `contents` of `folder`, read after the change counter was seen at `version`.
    pub fn put(&self, folder: FolderId, version: i64, contents: Arc<FolderContents>) {
        let size = contents.rows.len();
        if size > self.max_rows || !contents.complete() {
            return;
        }
        let mut e = self.entries.lock();
        if let Some(old) = e.by_folder.remove(&folder) {
            e.rows -= old.contents.rows.len();
        }
        while e.rows + size > self.max_rows {
            let Some(oldest) = e.by_folder.iter().min_by_key(|(_, entry)| entry.last_used).map(|(id, _)| id.clone())
            else {
                break;
            };
            if let Some(old) = e.by_folder.remove(&oldest) {
                e.rows -= old.contents.rows.len();
            }
        }
        e.clock += 1;
        let last_used = e.clock;
        e.rows += size;
        e.by_folder.insert(folder, Entry { version, contents, last_used });
    }

    /// Forgets everything (a project's data key was replaced, say).
    pub fn clear(&self) {
        let mut e = self.entries.lock();
        e.by_folder.clear();
        e.rows = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str) -> SecretRow {
        SecretRow {
            id: sluice_domain::SecretId::from_trusted(format!("id-{key}")),
            project_id: sluice_domain::ProjectId::from_trusted("p"),
            environment_id: sluice_domain::EnvironmentId::from_trusted("e"),
            folder_id: FolderId::from_trusted("f"),
            key: key.to_string(),
            secret_type: "shared".into(),
            version: 1,
            value_ct: Vec::new(),
            comment_ct: Vec::new(),
            skip_multiline_encoding: false,
            reminder_note: None,
            reminder_repeat_days: None,
            metadata: "[]".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn contents(keys: &[&str]) -> Arc<FolderContents> {
        let mut c = FolderContents::default();
        for k in keys {
            let row = row(k);
            c.opened.insert(k.to_string(), (SecretValue::new("v"), SecretValue::new("")));
            c.rows.insert(k.to_string(), row);
        }
        Arc::new(c)
    }

    #[test]
    fn an_entry_serves_only_its_own_counter_value() {
        let cache = FolderCache::new(100);
        let f = FolderId::from_trusted("f1");
        cache.put(f.clone(), 3, contents(&["A"]));
        assert!(cache.get(&f, 3).is_some());
        assert!(cache.get(&f, 4).is_none(), "a newer counter misses");
        assert!(cache.get(&f, 3).is_none(), "and the outdated entry is gone");
    }

    #[test]
    fn the_least_recently_used_folders_go_first_and_the_bound_holds() {
        let cache = FolderCache::new(4);
        let (a, b, c) = (FolderId::from_trusted("a"), FolderId::from_trusted("b"), FolderId::from_trusted("c"));
        cache.put(a.clone(), 1, contents(&["K1", "K2"]));
        cache.put(b.clone(), 1, contents(&["K1", "K2"]));
        assert!(cache.get(&a, 1).is_some());
        cache.put(c.clone(), 1, contents(&["K1", "K2"]));
        assert!(cache.get(&b, 1).is_none(), "b was used least recently");
        assert!(cache.get(&a, 1).is_some());
        assert!(cache.get(&c, 1).is_some());
        cache.put(FolderId::from_trusted("big"), 1, contents(&["1", "2", "3", "4", "5"]));
        assert!(cache.get(&FolderId::from_trusted("big"), 1).is_none(), "larger than the whole cache");
    }

    #[test]
    fn contents_with_a_row_that_did_not_open_are_not_kept() {
        let cache = FolderCache::new(100);
        let mut c = FolderContents::default();
        c.rows.insert("A".into(), row("A"));
        cache.put(FolderId::from_trusted("f"), 1, Arc::new(c));
        assert!(cache.get(&FolderId::from_trusted("f"), 1).is_none());
    }
}
