//! A sync's configuration resolved for running: source environment and folder, options,
//! destination and connection. Built from a stored sync, or from a create body that
//! is not saved yet (for the plan preview).

use super::error::EngineError;
use sluice_core::{Core, credentials};
use sluice_destinations::Target;
use sluice_domain::{
    DestinationConfig, FolderPath, KeyRules, PlanOptions, ProjectId, SecretToken, SyncId, SyncOptions,
};
use sluice_storage::connections::{self, ConnectionRow};
use sluice_storage::environments::EnvironmentRow;
use sluice_storage::run_state::RunState;
use sluice_storage::syncs::SyncRow;
use sluice_storage::{Conn, deploys};

#[derive(Clone, Debug)]
pub struct SyncSpec {
    pub sync_id: Option<SyncId>,
    pub name: String,
    pub project_id: ProjectId,
    pub environment: EnvironmentRow,
    pub path: FolderPath,
    pub options: SyncOptions,
    pub destination: DestinationConfig,
    pub connection: ConnectionRow,
    /// No sync has landed yet: the initial sync behaviour applies. A sync whose writes
    /// landed and whose deploys are still followed is past its first sync.
    pub first_sync: bool,
    /// The project's change counter, read before the environment and folder above (a
    /// source read right after may be read at it: [`crate::source::load`]); `None` for a
    /// sync not saved yet.
    pub counter: Option<i64>,
}

impl SyncSpec {
    /// Resolves a stored sync. Fails (not retryable) when its source folder is gone. Its
    /// environment and folder come from the process's cache while the project's change
    /// counter stands still (`conn` must be a read connection); its connection is
    /// `connection` when the caller just read it (the claim, on PostgreSQL).
    pub async fn load(
        core: &Core,
        conn: &mut Conn,
        row: &SyncRow,
        connection: Option<ConnectionRow>,
    ) -> Result<SyncSpec, EngineError> {
        Self::resolve(core, conn, row, connection, None).await
    }

    /// [`SyncSpec::load`] with the sync's run state, just read on `conn`: its counter and
    /// pending deploys are not read again.
    pub async fn load_with(
        core: &Core,
        conn: &mut Conn,
        row: &SyncRow,
        connection: Option<ConnectionRow>,
        state: &RunState,
    ) -> Result<SyncSpec, EngineError> {
        Self::resolve(core, conn, row, connection, Some(state)).await
    }

    async fn resolve(
        core: &Core,
        conn: &mut Conn,
        row: &SyncRow,
        connection: Option<ConnectionRow>,
        state: Option<&RunState>,
    ) -> Result<SyncSpec, EngineError> {
        let folder_gone = || {
            EngineError::Source(
                "Invalid Secret Sync source configuration: folder no longer exists. Please update source environment and secret path."
                    .to_string(),
            )
        };
        let env_id = row.environment_id.as_ref().ok_or_else(folder_gone)?;
        let folder_id = row.folder_id.as_ref().ok_or_else(folder_gone)?;
        let counter = match state {
            Some(state) => state.counter,
            None => core.store().change_counter(conn, &row.project_id).await?,
        };
        let kept = core.structure_cache();
        let environment = kept.environment(conn, &row.project_id, counter, env_id).await?.ok_or_else(folder_gone)?;
        let folder = kept.folder(conn, &row.project_id, counter, folder_id).await?.ok_or_else(folder_gone)?;
        let read = match connection.filter(|c| c.id == row.connection_id) {
            Some(c) => Some(c),
            None => connections::get(conn, &row.connection_id).await?,
        };
        let connection = read.ok_or_else(|| {
            EngineError::Config(format!("the sync's connection {} no longer exists", row.connection_id))
        })?;
        // A sync that landed before is past its first sync whatever it owes: its pending
        // deploys are read only while it never has.
        let wrote_before = row.last_synced_at.is_some()
            || match state {
                Some(state) => !state.pending.is_empty(),
                None => !deploys::pending(conn, &row.id).await?.is_empty(),
            };
        Ok(SyncSpec {
            sync_id: Some(row.id.clone()),
            name: row.name.clone(),
            project_id: row.project_id.clone(),
            environment,
            path: folder.path,
            options: row.sync_options.clone(),
            destination: row.destination_config.clone(),
            connection,
            first_sync: !wrote_before,
            counter: Some(counter),
        })
    }

    /// The connection's token, opened.
    pub fn token(&self, core: &Core) -> Result<SecretToken, EngineError> {
        Ok(credentials::open(core.keys(), &self.connection)?.api_token)
    }

    /// Where and as whom the destination writes, with the connection's opened token.
    pub fn target<'a>(&'a self, token: &'a SecretToken) -> Target<'a> {
        Target { config: &self.destination, method: &self.connection.method, token }
    }

    /// Planner options for this sync, under the destination's name rules, with its
    /// ownership ledger (`owned`) when it has one.
    pub fn plan_options<'a>(
        &'a self,
        keys: &'a dyn KeyRules,
        owned: Option<&'a std::collections::BTreeSet<String>>,
    ) -> PlanOptions<'a> {
        self.options.plan_options(&self.environment.slug, keys, owned)
    }
}
