//! A sync's configuration resolved for running: source environment and folder, options,
//! Railway target and connection. Built from a stored sync, or from a create body that
//! is not saved yet (for the plan preview).

use super::error::EngineError;
use sluice_core::Core;
use sluice_destinations::railway::{Credentials, RailwayTarget};
use sluice_domain::{FolderPath, PlanOptions, ProjectId, RailwayDestination, SyncId, SyncOptions, TokenKind};
use sluice_storage::connections::{self, ConnectionRow};
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::syncs::SyncRow;
use sluice_storage::{Conn, folders};

#[derive(Clone, Debug)]
pub struct SyncSpec {
    pub sync_id: Option<SyncId>,
    pub name: String,
    pub project_id: ProjectId,
    pub environment: EnvironmentRow,
    pub path: FolderPath,
    pub options: SyncOptions,
    pub destination: RailwayDestination,
    pub connection: ConnectionRow,
    /// No sync has succeeded yet: the initial sync behaviour applies.
    pub first_sync: bool,
}

impl SyncSpec {
    /// Resolves a stored sync. Fails (not retryable) when its source folder is gone.
    pub async fn load(conn: &mut Conn, row: &SyncRow) -> Result<SyncSpec, EngineError> {
        let folder_gone = || {
            EngineError::Source(
                "Invalid Secret Sync source configuration: folder no longer exists. Please update source environment and secret path."
                    .to_string(),
            )
        };
        let env_id = row.environment_id.as_ref().ok_or_else(folder_gone)?;
        let environment = environments::get(conn, env_id).await?.ok_or_else(folder_gone)?;
        let folder_id = row.folder_id.as_ref().ok_or_else(folder_gone)?;
        let folder = folders::get(conn, folder_id).await?.ok_or_else(folder_gone)?;
        let connection = connections::get(conn, &row.connection_id).await?.ok_or_else(|| {
            EngineError::Config(format!("the sync's connection {} no longer exists", row.connection_id))
        })?;
        Ok(SyncSpec {
            sync_id: Some(row.id.clone()),
            name: row.name.clone(),
            project_id: row.project_id.clone(),
            environment,
            path: folder.path,
            options: row.sync_options.clone(),
            destination: row.destination_config.clone(),
            connection,
            first_sync: row.last_synced_at.is_none(),
        })
    }

    /// The Railway client's credentials: the connection's token, opened, with its kind.
    pub fn credentials(&self, core: &Core) -> Result<Credentials, EngineError> {
        let kind = TokenKind::from_method(&self.connection.method).ok_or_else(|| {
            EngineError::Config(format!(
                "the sync's connection {} has an unknown method {}",
                self.connection.id, self.connection.method
            ))
        })?;
        let opened = sluice_core::credentials::open(core.keys(), &self.connection)?;
        Ok(Credentials::new(kind, opened.api_token))
    }

    pub fn target(&self) -> RailwayTarget {
        let d = &self.destination;
        match d.service_id() {
            Some(service) if !service.is_empty() => RailwayTarget::service(d.project_id(), d.environment_id(), service),
            _ => RailwayTarget::shared(d.project_id(), d.environment_id()),
        }
    }

    pub fn plan_options(&self) -> PlanOptions<'_> {
        self.options.plan_options(&self.environment.slug)
    }

    /// Where this sync writes, for messages: `Railway project P / environment E / service S`.
    pub fn describe_target(&self) -> String {
        let d = &self.destination;
        let name = |n: &str, id: &str| if n.is_empty() { id.to_string() } else { n.to_string() };
        let scope = match (d.service_id(), d.service_name()) {
            (Some(id), name_opt) if !id.is_empty() => format!("service {}", name(name_opt.unwrap_or(""), id)),
            _ => "shared variables".to_string(),
        };
        format!(
            "Railway project {} / environment {} / {scope}",
            name(d.project_name(), d.project_id()),
            name(d.environment_name(), d.environment_id())
        )
    }
}
