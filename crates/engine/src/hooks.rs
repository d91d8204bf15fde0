//! What a run tells a destination while it applies a plan ([`ApplyHooks`]): before each
//! write, whether the run still holds its lease; and the redeploy a sync owes its
//! service, kept in the database so a crash between a write and its redeploy is paid by
//! the next run.

use crate::Engine;
use crate::error::EngineError;
use sluice_destinations::{ApplyHooks, BoxFuture, HookError};
use sluice_domain::SyncId;
use sluice_storage::redeploys;
use std::sync::atomic::{AtomicBool, Ordering};

/// The hooks of one run.
#[derive(Debug)]
pub struct RunHooks<'a> {
    pub engine: &'a Engine,
    pub sync: &'a SyncId,
    /// Set by the run's heartbeat when another node took the sync over.
    pub lost: &'a AtomicBool,
}

fn stop(e: impl Into<EngineError>) -> HookError {
    HookError(Box::new(e.into()))
}

impl ApplyHooks for RunHooks<'_> {
    fn before_write(&self) -> BoxFuture<'_, Result<(), HookError>> {
        Box::pin(
            async move { if self.lost.load(Ordering::SeqCst) { Err(stop(EngineError::LeaseLost)) } else { Ok(()) } },
        )
    }

    fn redeploy_owed(&self) -> BoxFuture<'_, Result<bool, HookError>> {
        Box::pin(async move {
            let mut conn = self.engine.store().read().await.map_err(stop)?;
            redeploys::is_owed(&mut conn, self.sync).await.map_err(stop)
        })
    }

    fn owe_redeploy(&self) -> BoxFuture<'_, Result<(), HookError>> {
        Box::pin(async move {
            let mut tx = self.engine.store().write().await.map_err(stop)?;
            redeploys::owe(&mut tx, self.sync).await.map_err(stop)?;
            tx.commit().await.map_err(|e| stop(sluice_storage::StorageError::from(e)))
        })
    }
}
