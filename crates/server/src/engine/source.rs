//! The source side of a sync: the secrets of its environment and folder (imports
//! resolved, references expanded), and the folders that feed them. Fails closed: a
//! reference that does not resolve fails the run instead of leaving the key out, since
//! a missing key with deletion enabled would delete it at the destination.

use super::error::EngineError;
use super::spec::SyncSpec;
use crate::state::AppState;
use sluice_domain::SecretKey;
use std::collections::BTreeMap;

/// What the source holds now.
#[derive(Clone, Default)]
pub struct Source {
    /// Every key the sync pushes (imports merged, the folder's own secrets winning).
    pub desired: BTreeMap<SecretKey, String>,
    /// The folder's own secrets (what an import compares against and writes into).
    pub own: BTreeMap<SecretKey, String>,
    /// (environment id, folder path) of every folder the desired map depends on,
    /// including the sync's own folder.
    pub dependencies: Vec<(String, String)>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("keys", &self.desired.keys().collect::<Vec<_>>())
            .field("dependencies", &self.dependencies)
            .finish()
    }
}

/// Reads the source of a sync.
pub async fn load(state: &AppState, spec: &SyncSpec) -> Result<Source, EngineError> {
    let _ = (state, spec);
    Err(EngineError::Source("reading sources is not wired yet".to_string()))
}

/// Writes a first-sync or requested import into the sync's source folder (new versions,
/// change events), attributed to the platform.
pub async fn write_import(state: &AppState, spec: &SyncSpec, import: &sluice_domain::ImportPlan) -> Result<(), EngineError> {
    let _ = (state, spec, import);
    Err(EngineError::Source("importing is not wired yet".to_string()))
}
