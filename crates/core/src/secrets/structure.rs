//! A project's environments, folders and imports kept between reads, as the folder cache
//! ([`super::cache`]) keeps folder contents: each project's entry remembers the project's
//! change counter read *before* its rows were read, and serves only a reader that read the
//! same value. Every write that changes what is kept raises the counter in its own
//! transaction: an environment's update or deletion, a folder's rename, move, description
//! or deletion, and any change to a folder's imports (through [`super::SecretWrite`]). A
//! sync run read its environment, its folder twice and the folder's imports on every run:
//! four round trips of about thirty, on PostgreSQL each one to the database and back.
//!
//! What was not found is never kept: creating an environment or a folder does not raise the
//! counter (nothing could have been kept of it before). A folder's list of imports is kept
//! empty or not, since adding one raises the counter.
//!
//! Rows of another project than the entry's are never kept. The cache is bounded by the
//! number of rows it holds (a folder's list of imports counts as one); the projects used
//! least recently go first.

use crate::CoreResult;
use parking_lot::Mutex;
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId};
use sluice_storage::Conn;
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::imports::{self, ImportRow};
use std::collections::HashMap;

/// How many rows the cache holds at most, over every project.
const MAX_ROWS: usize = 20_000;

/// What is kept of one project at one counter value.
#[derive(Debug, Default)]
struct Kept {
    version: i64,
    environments: HashMap<EnvironmentId, EnvironmentRow>,
    folders: HashMap<FolderId, FolderRow>,
    by_path: HashMap<(EnvironmentId, FolderPath), FolderId>,
    imports: HashMap<FolderId, Vec<ImportRow>>,
    rows: usize,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Entries {
    by_project: HashMap<ProjectId, Kept>,
    rows: usize,
    clock: u64,
}

/// The cache of projects' environments, folders and imports (one per process, in
/// [`crate::Core`]).
#[derive(Debug)]
pub struct StructureCache {
    entries: Mutex<Entries>,
    max_rows: usize,
}

impl Default for StructureCache {
    fn default() -> Self {
        Self::new(MAX_ROWS)
    }
}

impl StructureCache {
    /// A cache holding at most `max_rows` rows (0 turns it off).
    pub fn new(max_rows: usize) -> Self {
        Self { entries: Mutex::new(Entries::default()), max_rows }
    }

    /// The environment `id` of `project`, its counter read at `version` before this call.
    pub async fn environment(
        &self,
        conn: &mut Conn,
        project: &ProjectId,
        version: i64,
        id: &EnvironmentId,
    ) -> CoreResult<Option<EnvironmentRow>> {
        if let Some(row) = self.look(project, version, |k| k.environments.get(id).cloned()) {
            return Ok(Some(row));
        }
        let found = environments::get(conn, id).await?;
        if let Some(row) = found.as_ref().filter(|r| &r.project_id == project) {
            self.keep(project, version, |k| k.environments.insert(row.id.clone(), row.clone()).is_none());
        }
        Ok(found)
    }

    /// The folder `id` of `project`, its counter read at `version` before this call.
    pub async fn folder(
        &self,
        conn: &mut Conn,
        project: &ProjectId,
        version: i64,
        id: &FolderId,
    ) -> CoreResult<Option<FolderRow>> {
        if let Some(row) = self.look(project, version, |k| k.folders.get(id).cloned()) {
            return Ok(Some(row));
        }
        let found = folders::get(conn, id).await?;
        if let Some(row) = found.as_ref() {
            self.keep_folder(project, version, row);
        }
        Ok(found)
    }

    /// The folder at `path` in environment `env` of `project`, its counter read at `version`
    /// before this call.
    pub async fn folder_at(
        &self,
        conn: &mut Conn,
        project: &ProjectId,
        version: i64,
        env: &EnvironmentId,
        path: &FolderPath,
    ) -> CoreResult<Option<FolderRow>> {
        let place = (env.clone(), path.clone());
        let kept = self.look(project, version, |k| k.by_path.get(&place).and_then(|id| k.folders.get(id)).cloned());
        if let Some(row) = kept {
            return Ok(Some(row));
        }
        let found = folders::get_by_path(conn, env, path).await?;
        if let Some(row) = found.as_ref() {
            self.keep_folder(project, version, row);
        }
        Ok(found)
    }

    /// The imports of `folder` (of `project`), in position order, its counter read at
    /// `version` before this call.
    pub async fn imports(
        &self,
        conn: &mut Conn,
        project: &ProjectId,
        version: i64,
        folder: &FolderRow,
    ) -> CoreResult<Vec<ImportRow>> {
        if let Some(list) = self.look(project, version, |k| k.imports.get(&folder.id).cloned()) {
            return Ok(list);
        }
        let list = imports::list(conn, &folder.id).await?;
        if &folder.project_id == project && list.iter().all(|i| &i.project_id == project) {
            self.keep(project, version, |k| k.imports.insert(folder.id.clone(), list.clone()).is_none());
        }
        Ok(list)
    }

    fn keep_folder(&self, project: &ProjectId, version: i64, row: &FolderRow) {
        if &row.project_id != project {
            return;
        }
        self.keep(project, version, |k| {
            k.by_path.insert((row.environment_id.clone(), row.path.clone()), row.id.clone());
            k.folders.insert(row.id.clone(), row.clone()).is_none()
        });
    }

    /// What `find` finds in the entry of `project` kept at `version`. An entry kept at
    /// another value is outdated (the counter only grows, and a reader of an older value
    /// gets there first only by a race it would lose anyway): dropped.
    fn look<T>(&self, project: &ProjectId, version: i64, find: impl FnOnce(&Kept) -> Option<T>) -> Option<T> {
        let mut e = self.entries.lock();
        e.clock += 1;
        let now = e.clock;
        match e.by_project.get_mut(project) {
            Some(kept) if kept.version == version => {
                kept.last_used = now;
                find(kept)
            }
            Some(_) => {
                if let Some(old) = e.by_project.remove(project) {
                    e.rows -= old.rows;
                }
                None
            }
            None => None,
        }
    }

    /// Adds a row to the entry of `project` at `version` (`add` says whether the row is
    /// new there), replacing an entry kept at another value; then drops the projects used
    /// least recently while over the bound (this one last).
    fn keep(&self, project: &ProjectId, version: i64, add: impl FnOnce(&mut Kept) -> bool) {
        if self.max_rows == 0 {
            return;
        }
        let mut e = self.entries.lock();
        if e.by_project.get(project).is_some_and(|k| k.version != version)
            && let Some(old) = e.by_project.remove(project)
        {
            e.rows -= old.rows;
        }
        e.clock += 1;
        let now = e.clock;
        let kept = e.by_project.entry(project.clone()).or_insert_with(|| Kept { version, ..Kept::default() });
        kept.last_used = now;
        let added = add(kept);
        if added {
            kept.rows += 1;
            e.rows += 1;
        }
        while e.rows > self.max_rows {
            let oldest = e
                .by_project
                .iter()
                .filter(|(id, _)| *id != project)
                .min_by_key(|(_, k)| k.last_used)
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| project.clone());
            let Some(old) = e.by_project.remove(&oldest) else { break };
            e.rows -= old.rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(id: &str, project: &str) -> EnvironmentRow {
        EnvironmentRow {
            id: EnvironmentId::from_trusted(id),
            project_id: ProjectId::from_trusted(project),
            name: id.into(),
            slug: id.into(),
            position: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn keep_env(cache: &StructureCache, project: &str, version: i64, id: &str) {
        let row = env(id, project);
        cache.keep(&ProjectId::from_trusted(project), version, |k| {
            k.environments.insert(row.id.clone(), row.clone()).is_none()
        });
    }

    fn kept(cache: &StructureCache, project: &str, version: i64, id: &str) -> bool {
        let id = EnvironmentId::from_trusted(id);
        cache.look(&ProjectId::from_trusted(project), version, |k| k.environments.get(&id).cloned()).is_some()
    }

    #[test]
    fn a_project_is_served_only_at_the_counter_its_rows_were_read_at() {
        let cache = StructureCache::new(100);
        keep_env(&cache, "p", 3, "dev");
        assert!(kept(&cache, "p", 3, "dev"));
        assert!(!kept(&cache, "q", 3, "dev"), "another project's entry");
        assert!(!kept(&cache, "p", 4, "dev"), "the counter moved on");
        assert!(!kept(&cache, "p", 3, "dev"), "and the outdated entry is gone");
        keep_env(&cache, "p", 4, "dev");
        keep_env(&cache, "p", 5, "prod");
        assert!(!kept(&cache, "p", 5, "dev"), "a row read at a newer counter replaces the older entry");
        assert!(kept(&cache, "p", 5, "prod"));
    }

    #[test]
    fn the_projects_used_least_recently_go_first_and_the_bound_holds() {
        let cache = StructureCache::new(2);
        keep_env(&cache, "a", 1, "dev");
        keep_env(&cache, "b", 1, "dev");
        assert!(kept(&cache, "a", 1, "dev"));
        keep_env(&cache, "c", 1, "dev");
        assert!(!kept(&cache, "b", 1, "dev"), "b was used least recently");
        assert!(kept(&cache, "a", 1, "dev") && kept(&cache, "c", 1, "dev"));
        assert_eq!(cache.entries.lock().rows, 2);
        keep_env(&cache, "a", 1, "dev");
        assert_eq!(cache.entries.lock().rows, 2, "a row kept again is not counted twice");
        assert!(kept(&cache, "c", 1, "dev"), "nor does it push another project out");
        keep_env(&cache, "a", 1, "prod");
        keep_env(&cache, "a", 1, "staging");
        assert!(!kept(&cache, "c", 1, "dev"));
        assert_eq!(cache.entries.lock().rows, 0, "one project over the bound alone is dropped");
        let off = StructureCache::new(0);
        keep_env(&off, "a", 1, "dev");
        assert!(!kept(&off, "a", 1, "dev"), "a cache of no rows keeps nothing");
    }
}
