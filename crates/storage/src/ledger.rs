//! The ownership ledger of each sync (migration `0014_ledger_drift_guard`): the destination
//! keys it wrote, when, and a keyed digest of the value it last wrote. Never a value.

use crate::{Conn, Result, now_ms};
use sluice_domain::SyncId;
use std::collections::BTreeMap;

/// One key a sync owns at its destination.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub key: String,
    /// HMAC-SHA256 (hex) of the value last written, under the project's digest key.
    pub digest: Option<String>,
    /// When the sync last wrote (or claimed) it, ms since the epoch.
    pub written_at: i64,
}

/// Every key the sync owns, by key.
pub async fn list(conn: &mut Conn, sync_id: &SyncId) -> Result<Vec<LedgerRow>> {
    Ok(sqlx::query_as("SELECT key, digest, written_at FROM sync_keys WHERE sync_id = $1 ORDER BY key")
        .bind(sync_id)
        .fetch_all(conn)
        .await?)
}

/// Key → digest, for planning and drift checks.
pub async fn digests(conn: &mut Conn, sync_id: &SyncId) -> Result<BTreeMap<String, Option<String>>> {
    Ok(list(conn, sync_id).await?.into_iter().map(|r| (r.key, r.digest)).collect())
}

/// Records what a run wrote or claimed (key → digest of the value now there) and what it
/// removed, and marks the ledger started unless it `started` before. One statement per
/// key: a run's keys are few beside its Railway calls, and a 5,000-key first sync is one
/// transaction.
pub async fn record(
    conn: &mut Conn,
    sync_id: &SyncId,
    written: &BTreeMap<String, Option<String>>,
    removed: &[String],
    started: bool,
) -> Result<()> {
    let now = now_ms();
    for (key, digest) in written {
        sqlx::query(
            "INSERT INTO sync_keys (sync_id, key, digest, written_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sync_id, key) DO UPDATE SET digest = EXCLUDED.digest,
               written_at = CASE WHEN sync_keys.digest IS NOT DISTINCT FROM EXCLUDED.digest
                                 THEN sync_keys.written_at ELSE EXCLUDED.written_at END",
        )
        .bind(sync_id)
        .bind(key)
        .bind(digest)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for key in removed {
        sqlx::query("DELETE FROM sync_keys WHERE sync_id = $1 AND key = $2")
            .bind(sync_id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    if started {
        return Ok(());
    }
    sqlx::query("UPDATE secret_syncs SET ledger_since = $1 WHERE id = $2 AND ledger_since IS NULL")
        .bind(now)
        .bind(sync_id)
        .execute(conn)
        .await?;
    Ok(())
}
