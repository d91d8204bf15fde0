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
/// lower it).
#[derive(Debug)]
pub struct Known {
    keeps: bool,
    versions: Mutex<HashMap<ProjectId, i64>>,
}

impl Known {
    pub fn new(keeps: bool) -> Self {
        Self { keeps, versions: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, project: &ProjectId) -> Option<i64> {
        if !self.keeps {
            return None;
        }
        self.versions.lock().unwrap_or_else(|e| e.into_inner()).get(project).copied()
    }

    /// `project`'s counter is at least `version`, committed.
    pub fn committed(&self, project: &ProjectId, version: i64) {
        if !self.keeps {
            return;
        }
        let mut versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        let v = versions.entry(project.clone()).or_insert(version);
        *v = (*v).max(version);
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
        sole.committed(&p, 2);
        assert_eq!(sole.get(&p), Some(3), "a read that raced a commit does not lower it");
        sole.committed(&p, 4);
        assert_eq!(sole.get(&p), Some(4));
        let shared = Known::new(false);
        shared.committed(&p, 4);
        assert_eq!(shared.get(&p), None, "a shared database is always read");
    }
}
