//! Redeploys a sync owes its Railway service (see migration `0011_redeploys_owed`).

use crate::{Conn, Result, now_ms};
use sluice_domain::SyncId;

/// Records that the sync's service must be redeployed (kept if already owed).
pub async fn owe(conn: &mut Conn, sync_id: &SyncId) -> Result<()> {
    sqlx::query("INSERT INTO sync_redeploys_owed (sync_id, since) VALUES ($1, $2) ON CONFLICT (sync_id) DO NOTHING")
        .bind(sync_id)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn is_owed(conn: &mut Conn, sync_id: &SyncId) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT since FROM sync_redeploys_owed WHERE sync_id = $1")
        .bind(sync_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

pub async fn settle(conn: &mut Conn, sync_id: &SyncId) -> Result<()> {
    sqlx::query("DELETE FROM sync_redeploys_owed WHERE sync_id = $1").bind(sync_id).execute(conn).await?;
    Ok(())
}
