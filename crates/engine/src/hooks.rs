//! What a run tells a destination while it applies a plan ([`ApplyHooks`]): before each
//! write, whether the run still holds its lease; and the deploys a sync owes or waits for,
//! kept in the database so a crash between a write and its redeploy is paid by the next
//! run, a crash between a redeploy and its record is not paid twice, and a deployment
//! asked for is followed until it is live. What each redeploy came to is written with the
//! run's outcome ([`record_reported`]): until then the service's row says a redeploy was
//! asked for after a known deployment, which a crash leaves for the next run to follow.

use crate::Engine;
use crate::error::EngineError;
use crate::fence::PROOF_LIFE;
use sluice_destinations::{ApplyHooks, BoxFuture, DeployState, HookError, PendingDeploy, ServiceDeploy};
use sluice_domain::SyncId;
use sluice_storage::deploys::PendingDeployRow;
use sluice_storage::{Conn, StorageError, deploys};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The hooks of one run.
#[derive(Debug)]
pub struct RunHooks<'a> {
    pub engine: &'a Engine,
    pub sync: &'a SyncId,
    /// Set by the run's heartbeat when another node took the sync over.
    pub lost: &'a AtomicBool,
    /// The run's fence: checked (one database round trip) before each write.
    pub fence: Option<&'a crate::fence::Fence>,
    /// Every deploy the destination reported, in order (the run records them even when the
    /// apply fails later).
    pub reported: std::sync::Mutex<Vec<ServiceDeploy>>,
    /// When the fence was last proven by a write that stands for the next write's check
    /// ([`crate::fence::Fence::owing`]); taken by that check.
    pub proven: std::sync::Mutex<Option<Instant>>,
    /// The sync's pending deploys as the run read them before it planned: the first look
    /// at them takes these, a later one reads them again.
    pub pending: std::sync::Mutex<Option<Vec<PendingDeployRow>>>,
}

fn stop(e: impl Into<EngineError>) -> HookError {
    HookError(Box::new(e.into()))
}

impl ApplyHooks for RunHooks<'_> {
    fn before_write(&self) -> BoxFuture<'_, Result<(), HookError>> {
        Box::pin(async move {
            let proven = self.proven.lock().unwrap_or_else(|p| p.into_inner()).take();
            match self.fence {
                _ if self.lost.load(Ordering::SeqCst) => Err(stop(EngineError::LeaseLost)),
                Some(_) if proven.is_some_and(|at| at.elapsed() < PROOF_LIFE) => Ok(()),
                Some(fence) => fence.check(self.engine, self.lost).await.map_err(stop),
                None => Ok(()),
            }
        })
    }

    fn pending_deploys(&self) -> BoxFuture<'_, Result<Vec<PendingDeploy>, HookError>> {
        Box::pin(async move {
            let read = self.pending.lock().unwrap_or_else(|p| p.into_inner()).take();
            let rows = match read {
                Some(rows) => rows,
                None => {
                    let mut conn = self.engine.store().read().await.map_err(stop)?;
                    deploys::pending(&mut conn, self.sync).await.map_err(stop)?
                }
            };
            Ok(rows
                .into_iter()
                .map(|r| PendingDeploy {
                    service_id: r.service_id,
                    deployment_id: r.deployment_id,
                    requested_after: r.requested_after,
                })
                .collect())
        })
    }

    fn owe_deploys<'a>(&'a self, services: &'a [String]) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            // One statement, committed by itself: on SQLite every run's writes queue for
            // the one writer, and a transaction would add two round trips to its turn. It
            // proves the lease for the variables' write that follows.
            match self.fence {
                Some(fence) => {
                    let proven = fence.owing(self.engine, self.lost, self.sync, services).await.map_err(stop)?;
                    *self.proven.lock().unwrap_or_else(|p| p.into_inner()) = proven;
                    Ok(())
                }
                None => {
                    let mut conn = self.engine.store().write_one().await.map_err(stop)?;
                    deploys::owe(&mut conn, self.sync, services).await.map_err(stop)
                }
            }
        })
    }

    fn requesting_redeploy<'a>(&'a self, service_id: &'a str, newest: &'a str) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            match self.fence {
                Some(fence) => {
                    fence.requesting(self.engine, self.lost, self.sync, service_id, newest).await.map_err(stop)
                }
                None if self.lost.load(Ordering::SeqCst) => Err(stop(EngineError::LeaseLost)),
                None => {
                    let mut conn = self.engine.store().write_one().await.map_err(stop)?;
                    deploys::requesting(&mut conn, self.sync, service_id, newest).await.map_err(stop)
                }
            }
        })
    }

    fn record_deploy<'a>(&'a self, deploy: &'a ServiceDeploy) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            self.reported.lock().unwrap_or_else(|p| p.into_inner()).push(deploy.clone());
            Ok(())
        })
    }
}

/// Writes what each reported deploy came to, in the transaction that records the run's
/// outcome: a deployment to follow, or nothing more pending for its service.
pub async fn record_reported(tx: &mut Conn, sync: &SyncId, reported: &[ServiceDeploy]) -> Result<(), StorageError> {
    for deploy in reported {
        let service = deploy.service_id.as_str();
        match &deploy.state {
            DeployState::Deploying { deployment_id, .. } => {
                deploys::deploying(tx, sync, service, deployment_id).await?
            }
            DeployState::Waiting { .. } => {}
            DeployState::Live { .. } | DeployState::NotRedeployed { .. } | DeployState::Failed { .. } => {
                deploys::settle(tx, sync, service).await?
            }
        }
    }
    Ok(())
}
