//! Per-project change counters: raised in the same transaction as every write to a
//! project's secrets, folders or imports, read by whoever caches what those writes change.
//!
//! The raise is an `UPDATE` of one row, so on PostgreSQL concurrent writers of a project
//! take turns at that row and the counter grows in commit order: a reader that sees value
//! `n` committed also sees every write that raised it up to `n`. (An id from a sequence
//! would not do: ids are handed out at insert, not at commit.)

use crate::{Conn, Result};
use sluice_domain::ProjectId;

/// Raises `project`'s counter by one (from 0 when it has none yet) and returns it.
pub async fn raise(conn: &mut Conn, project: &ProjectId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO project_change_counters (project_id, version) VALUES ($1, 1)
         ON CONFLICT (project_id) DO UPDATE SET version = project_change_counters.version + 1
         RETURNING version",
    )
    .bind(project.as_str())
    .fetch_one(conn)
    .await?)
}

/// `project`'s counter: 0 before its first write.
pub async fn current(conn: &mut Conn, project: &ProjectId) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar("SELECT version FROM project_change_counters WHERE project_id = $1")
        .bind(project.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(v.unwrap_or(0))
}
