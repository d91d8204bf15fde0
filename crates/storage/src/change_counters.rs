//! Per-project change counters: raised in the same transaction as every write to a
//! project's secrets, folders or imports, read by whoever caches what those writes change.
//!
//! The raise is an `UPDATE` of one row, so on PostgreSQL concurrent writers of a project
//! take turns at that row and the counter grows in commit order: a reader that sees value
//! `n` committed also sees every write that raised it up to `n`. (An id from a sequence
//! would not do: ids are handed out at insert, not at commit.)

use crate::{Conn, Result, Tx};
use sluice_domain::ProjectId;
use std::collections::HashMap;
use std::sync::Mutex;

/// Raises `project`'s counter by one (from 0 when it has none yet) and returns it; the
/// transaction makes it known to its store once committed.
pub async fn raise(tx: &mut Tx, project: &ProjectId) -> Result<i64> {
    let version = sqlx::query_scalar(
        "INSERT INTO project_change_counters (project_id, version) VALUES ($1, 1)
         ON CONFLICT (project_id) DO UPDATE SET version = project_change_counters.version + 1
         RETURNING version",
    )
    .bind(project.as_str())
    .fetch_one(&mut **tx)
    .await?;
    tx.raised.push((project.clone(), version));
    Ok(version)
}

/// `project`'s counter: 0 before its first write.
pub async fn current(conn: &mut Conn, project: &ProjectId) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar("SELECT version FROM project_change_counters WHERE project_id = $1")
        .bind(project.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(v.unwrap_or(0))
}

/// The counters a store knows without reading them: only a store that is its SQLite file's
/// only server ([`crate::StoreConfig::sole_server`]) keeps any, since then every write to
/// the file is one of its own transactions. A counter is first read from the database, then
/// follows each commit that raises it; it only grows (a read that raced a commit cannot
/// lower it). A commit whose outcome is unknown makes its counters doubtful: read from the
/// database on each request until a later commit raises them (a read cannot settle it, as
/// it may have come before the commit landed).
#[derive(Debug)]
pub struct Known {
    keeps: bool,
    versions: Mutex<HashMap<ProjectId, Counter>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counter {
    At(i64),
    Doubtful,
}

impl Known {
    pub fn new(keeps: bool) -> Self {
        Self { keeps, versions: Mutex::new(HashMap::new()) }
    }

    fn versions(&self) -> std::sync::MutexGuard<'_, HashMap<ProjectId, Counter>> {
        self.versions.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, project: &ProjectId) -> Option<i64> {
        if !self.keeps {
            return None;
        }
        match self.versions().get(project) {
            Some(Counter::At(v)) => Some(*v),
            Some(Counter::Doubtful) | None => None,
        }
    }

    /// `project`'s counter was read as `version` from the database.
    pub fn read(&self, project: &ProjectId, version: i64) {
        if !self.keeps {
            return;
        }
        let mut versions = self.versions();
        match versions.get(project).copied() {
            Some(Counter::Doubtful) => {}
            Some(Counter::At(v)) => {
                versions.insert(project.clone(), Counter::At(v.max(version)));
            }
            None => {
                versions.insert(project.clone(), Counter::At(version));
            }
        }
    }

    /// A transaction that raised `project`'s counter to `version` committed: the database
    /// holds at least that.
    pub fn committed(&self, project: &ProjectId, version: i64) {
        if !self.keeps {
            return;
        }
        let mut versions = self.versions();
        let next = match versions.get(project).copied() {
            Some(Counter::At(v)) => v.max(version),
            Some(Counter::Doubtful) | None => version,
        };
        versions.insert(project.clone(), Counter::At(next));
    }

    /// A commit that raised `project`'s counter may or may not have landed.
    pub fn doubtful(&self, project: &ProjectId) {
        if self.keeps {
            self.versions().insert(project.clone(), Counter::Doubtful);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_counter_only_grows_and_only_a_sole_server_keeps_any() {
        let p = ProjectId::new();
        let sole = Known::new(true);
        assert_eq!(sole.get(&p), None);
        sole.committed(&p, 3);
        sole.read(&p, 2);
        assert_eq!(sole.get(&p), Some(3), "a read that raced a commit does not lower it");
        sole.committed(&p, 4);
        assert_eq!(sole.get(&p), Some(4));
        let fresh = ProjectId::new();
        sole.read(&fresh, 7);
        assert_eq!(sole.get(&fresh), Some(7), "learnt from a read");
        let shared = Known::new(false);
        shared.committed(&p, 4);
        shared.read(&p, 4);
        assert_eq!(shared.get(&p), None, "a shared database is always read");
    }

    #[test]
    fn a_commit_of_unknown_outcome_is_read_from_the_database_until_a_later_commit() {
        let p = ProjectId::new();
        let sole = Known::new(true);
        sole.committed(&p, 3);
        sole.doubtful(&p);
        assert_eq!(sole.get(&p), None);
        sole.read(&p, 3);
        assert_eq!(sole.get(&p), None, "a read may have come before the commit landed");
        sole.committed(&p, 5);
        assert_eq!(sole.get(&p), Some(5));
    }
}
