//! Building the `secretSync` response object from a stored sync (with its connection,
//! environment and folder), and run records for the history.

use crate::error::{ApiError, ApiResult};
use sluice_api_types::runs::{RedeployOut, RunActorOut, RunDeploysOut, ServiceDeployOut, SyncRunOut};
use sluice_api_types::syncs::{
    DeletionGuardOut, RailwayDestinationOut, SecretSyncOut, SyncConnectionOut, SyncEnvironmentOut, SyncFolderOut,
    SyncOptionsOut,
};
use sluice_api_types::{iso, iso_opt};
use sluice_domain::{ConnectionId, DestinationConfig, EnvironmentId, FolderId, SyncStatus};
use sluice_storage::runs::RunRow;
use sluice_storage::syncs::SyncRow;
use sluice_storage::{Conn, connections, environments, folders, ledger};
use std::collections::HashMap;

/// Looks up what responses show of connections, environments and folders, once each.
#[derive(Default)]
pub struct Lookups {
    connections: HashMap<ConnectionId, SyncConnectionOut>,
    environments: HashMap<EnvironmentId, Option<SyncEnvironmentOut>>,
    folders: HashMap<FolderId, Option<SyncFolderOut>>,
}

impl Lookups {
    async fn connection(&mut self, conn: &mut Conn, id: &ConnectionId) -> ApiResult<SyncConnectionOut> {
        if let Some(c) = self.connections.get(id) {
            return Ok(c.clone());
        }
        let row = connections::get(conn, id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("connection {id} of a sync is missing")))?;
        let out = SyncConnectionOut { app: row.app.to_string(), name: row.name, id: row.id.to_string() };
        self.connections.insert(id.clone(), out.clone());
        Ok(out)
    }

    async fn environment(&mut self, conn: &mut Conn, id: &EnvironmentId) -> ApiResult<Option<SyncEnvironmentOut>> {
        if let Some(e) = self.environments.get(id) {
            return Ok(e.clone());
        }
        let out = environments::get(conn, id).await?.map(|e| SyncEnvironmentOut {
            slug: e.slug,
            name: e.name,
            id: e.id.to_string(),
        });
        self.environments.insert(id.clone(), out.clone());
        Ok(out)
    }

    async fn folder(&mut self, conn: &mut Conn, id: &FolderId) -> ApiResult<Option<SyncFolderOut>> {
        if let Some(f) = self.folders.get(id) {
            return Ok(f.clone());
        }
        let out =
            folders::get(conn, id).await?.map(|f| SyncFolderOut { id: f.id.to_string(), path: f.path.to_string() });
        self.folders.insert(id.clone(), out.clone());
        Ok(out)
    }

    /// The response object of one sync. `environment` and `folder` are null when the
    /// source folder was deleted.
    pub async fn sync(&mut self, conn: &mut Conn, row: &SyncRow) -> ApiResult<SecretSyncOut> {
        let options = &row.sync_options;
        let DestinationConfig::Railway(d) = &row.destination_config;
        let connection = self.connection(conn, &row.connection_id).await?;
        let folder = match &row.folder_id {
            Some(f) => self.folder(conn, f).await?,
            None => None,
        };
        let environment = match (&folder, &row.environment_id) {
            (Some(_), Some(e)) => self.environment(conn, e).await?,
            _ => None,
        };
        Ok(SecretSyncOut {
            id: row.id.to_string(),
            name: row.name.clone(),
            description: row.description.clone(),
            is_enabled: row.is_auto_sync_enabled,
            is_auto_sync_enabled: row.is_auto_sync_enabled,
            version: row.version,
            folder_id: folder.as_ref().map(|f| f.id.clone()),
            connection_id: row.connection_id.to_string(),
            created_at: iso(row.created_at),
            updated_at: iso(row.updated_at),
            sync_status: row.sync_status,
            last_sync_job_id: row.last_sync_job_id.as_ref().map(ToString::to_string),
            last_sync_message: row.last_sync_message.clone(),
            last_synced_at: iso_opt(row.last_synced_at),
            sync_attempt: row.sync_attempt,
            next_sync_attempt_at: iso_opt(row.next_sync_at),
            import_status: row.import_status,
            last_import_job_id: row.last_import_job_id.as_ref().map(ToString::to_string),
            last_import_message: row.last_import_message.clone(),
            last_imported_at: iso_opt(row.last_imported_at),
            remove_status: row.remove_status,
            last_remove_job_id: row.last_remove_job_id.as_ref().map(ToString::to_string),
            last_remove_message: row.last_remove_message.clone(),
            last_removed_at: iso_opt(row.last_removed_at),
            sync_options: SyncOptionsOut {
                initial_sync_behavior: options.initial_sync_behavior.as_str().to_string(),
                auto_sync_enabled: row.is_auto_sync_enabled,
                disable_secret_deletion: options.disable_secret_deletion,
                key_schema: options.key_schema.as_ref().map(|k| k.as_str().to_string()),
                redeploy_policy: options.redeploy_policy.as_str().to_string(),
                delete_only_owned: options.delete_only_owned,
                drift_policy: options.drift_policy.as_str().to_string(),
                drift_check_interval_minutes: options.drift_check_interval_minutes,
                mass_deletion_guard: DeletionGuardOut {
                    enabled: options.mass_deletion_guard.enabled,
                    percent: options.mass_deletion_guard.percent,
                    min_keys: options.mass_deletion_guard.min_keys,
                },
                tag_slugs: options.tag_slugs.clone(),
            },
            project_id: row.project_id.to_string(),
            connection,
            environment,
            folder,
            destination: row.destination.to_string(),
            destination_config: RailwayDestinationOut {
                project_id: d.project_id().to_string(),
                project_name: d.project_name().to_string(),
                environment_id: d.environment_id().to_string(),
                environment_name: d.environment_name().to_string(),
                service_id: d.service_id().map(str::to_string),
                service_name: d.service_name().map(str::to_string),
            },
            drift_status: row.trust.drift_status.map(|s| s.as_str().to_string()),
            last_drift_check_at: iso_opt(row.trust.last_drift_check_at),
            next_drift_check_at: iso_opt(row.trust.next_drift_at),
            drift_check_status: row.trust.drift_check_status,
            last_drift_check_message: row.trust.last_drift_message.clone(),
            held_plan_hash: row.trust.held_plan_hash.clone().filter(|_| row.sync_status == Some(SyncStatus::Held)),
            orphaned_keys: Vec::new(),
        })
    }
}

/// Keys the sync wrote that its configuration (key schema) no longer manages.
pub async fn orphans(conn: &mut Conn, row: &SyncRow) -> ApiResult<Vec<String>> {
    let owned = ledger::list(conn, &row.id).await?;
    if owned.is_empty() {
        return Ok(Vec::new());
    }
    let slug = match &row.environment_id {
        Some(e) => environments::get(conn, e).await?.map(|e| e.slug).unwrap_or_default(),
        None => String::new(),
    };
    let matcher = row.sync_options.matcher(&slug);
    Ok(sluice_domain::ledger::orphans(owned.iter().map(|r| &r.key), &matcher).into_iter().collect())
}

/// One sync's response object with its orphaned keys (single-sync answers).
pub async fn sync_out_full(conn: &mut Conn, row: &SyncRow) -> ApiResult<SecretSyncOut> {
    let mut out = sync_out(conn, row).await?;
    out.orphaned_keys = orphans(conn, row).await?;
    Ok(out)
}

/// One sync's response object.
pub async fn sync_out(conn: &mut Conn, row: &SyncRow) -> ApiResult<SecretSyncOut> {
    Lookups::default().sync(conn, row).await
}

/// Many syncs' response objects.
pub async fn syncs_out(conn: &mut Conn, rows: &[SyncRow]) -> ApiResult<Vec<SecretSyncOut>> {
    let mut lookups = Lookups::default();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(lookups.sync(conn, row).await?);
    }
    Ok(out)
}

/// A run's JSON column; a record that does not decode shows as empty rather than failing
/// the whole history (runs are diagnostics, and old rows may predate a field).
fn decoded<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

/// A run's deploys as stored: `{deploys, notes}` since runs follow each service's deploy,
/// or the single redeploy outcome runs recorded before.
struct StoredDeploys {
    redeploy: Option<RedeployOut>,
    deploys: Vec<ServiceDeployOut>,
    notes: Vec<String>,
}

fn stored_deploys(text: Option<&str>) -> StoredDeploys {
    let none = StoredDeploys { redeploy: None, deploys: Vec::new(), notes: Vec::new() };
    let Some(text) = text else { return none };
    if let Ok(d) = serde_json::from_str::<RunDeploysOut>(text) {
        return StoredDeploys { redeploy: d.summary(), deploys: d.deploys, notes: d.notes };
    }
    StoredDeploys { redeploy: serde_json::from_str(text).ok(), ..none }
}

/// A run record as returned (key names and actions; never values).
pub fn run_out(r: &RunRow) -> SyncRunOut {
    let deploys = stored_deploys(r.redeploy.as_deref());
    SyncRunOut {
        id: r.id.to_string(),
        job_id: r.job_id.to_string(),
        kind: r.kind,
        trigger: r.trigger,
        actor: RunActorOut { kind: r.actor_type, id: r.actor_id.clone(), name: r.actor_name.clone() },
        attempt: r.attempt,
        node: r.node.clone(),
        status: r.status,
        started_at: iso(r.started_at),
        finished_at: iso_opt(r.finished_at),
        plan: decoded(&r.plan),
        counts: decoded(&r.counts),
        railway_calls: decoded(&r.railway_calls),
        redeploy: deploys.redeploy,
        deploys: deploys.deploys,
        notes: deploys.notes,
        error: r.error.clone(),
        next_attempt_at: iso_opt(r.next_attempt_at),
    }
}
