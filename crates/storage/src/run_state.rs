//! What a sync run reads of its sync's own state before it plans, in one statement: the
//! project's change counter (the source is read at it), the keys the sync owns, the deploys
//! it owes or follows, and the folders it depended on last time. Four round trips were one
//! each. Only runs of the sync (which hold its lease) write the ledger and the
//! dependencies; the pending deploys are also settled by an edit of the sync's target, which
//! the run, still on the target it was claimed with, sees at its next run.

use crate::deploys::PendingDeployRow;
use crate::ledger::LedgerRow;
use crate::{Conn, Result};
use sluice_domain::{EnvironmentId, FolderPath, ProjectId, SyncId};
use sqlx::Row;

/// A sync's state as a run found it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunState {
    /// The project's change counter ([`crate::change_counters`]).
    pub counter: i64,
    /// The sync's ownership ledger, by key ([`crate::ledger::list`]).
    pub keys: Vec<LedgerRow>,
    /// Its pending deploys, by service id ([`crate::deploys::pending`]).
    pub pending: Vec<PendingDeployRow>,
    /// The folders it depended on ([`crate::syncs::dependencies`]).
    pub dependencies: Vec<(EnvironmentId, FolderPath)>,
}

/// Reads `sync`'s [`RunState`] (of `project`) in one statement: one row per part, in one
/// column shape, tagged by the part it belongs to.
pub async fn read(conn: &mut Conn, sync: &SyncId, project: &ProjectId) -> Result<RunState> {
    let rows = sqlx::query(
        "SELECT 'c' AS part, CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, version AS n
           FROM project_change_counters
           WHERE project_id = $2
         UNION ALL SELECT 'k', key, digest, NULL, written_at FROM sync_keys WHERE sync_id = $1
         UNION ALL SELECT 'd', service_id, deployment_id, requested_after, since FROM sync_deploys WHERE sync_id = $1
         UNION ALL SELECT 'p', environment_id, path, NULL, NULL FROM sync_dependencies WHERE sync_id = $1
         ORDER BY part, a",
    )
    .bind(sync)
    .bind(project.as_str())
    .fetch_all(conn)
    .await?;
    let mut state = RunState::default();
    for row in rows {
        let part: String = row.try_get("part")?;
        match part.as_str() {
            "c" => state.counter = row.try_get::<Option<i64>, _>("n")?.unwrap_or(0),
            "k" => state.keys.push(LedgerRow {
                key: row.try_get("a")?,
                digest: row.try_get("b")?,
                written_at: row.try_get::<Option<i64>, _>("n")?.unwrap_or(0),
            }),
            "d" => state.pending.push(PendingDeployRow {
                service_id: row.try_get("a")?,
                deployment_id: row.try_get("b")?,
                requested_after: row.try_get("c")?,
                since: row.try_get::<Option<i64>, _>("n")?.unwrap_or(0),
            }),
            _ => state.dependencies.push((row.try_get("a")?, row.try_get("b")?)),
        }
    }
    Ok(state)
}
