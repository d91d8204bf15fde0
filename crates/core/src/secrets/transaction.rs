//! The one way secrets, folders and imports are changed: a [`SecretWrite`] transaction.
//!
//! Writers call [`SecretWrite::publish_change`] for every folder they touch; [`commit`]
//! writes one `change_events` row per changed folder (keys merged) inside the transaction
//! (plus `pg_notify` on PostgreSQL, so other nodes wake at commit), commits, and only then
//! wakes this node's dispatcher ([`Core::changes`]). It also raises the change counter of
//! each project it touched, in the same transaction, which is what keeps the folder cache
//! ([`super::cache`]) from serving anything older on any node. A write that is dropped or
//! fails before `commit` rolls back with its events: nothing is published for a change
//! that did not happen, and nothing that happened goes unpublished.
//!
//! [`commit`]: SecretWrite::commit

use crate::Core;
use crate::audit::AuditActor;
use crate::error::CoreResult;
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId};
use sluice_storage::change_counters;
use sluice_storage::changes::{self, NewChange};
use sluice_storage::folders::FolderRow;
use sluice_storage::{Conn, StorageError, Tx};
use std::collections::{BTreeMap, BTreeSet};

/// A write transaction that records change events for what it changes.
pub struct SecretWrite {
    core: Core,
    tx: Tx,
    actor: AuditActor,
    /// (folder id, path) → (project, environment, changed keys).
    pending: BTreeMap<(FolderId, FolderPath), (ProjectId, EnvironmentId, BTreeSet<String>)>,
    /// Projects changed without a change event (their counters are raised all the same).
    described: BTreeSet<ProjectId>,
}

impl std::fmt::Debug for SecretWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretWrite")
            .field("actor", &self.actor)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl SecretWrite {
    /// Starts a write transaction (the SQLite write lock is taken here: check permissions
    /// before).
    pub async fn begin(core: &Core, actor: impl Into<AuditActor>) -> CoreResult<Self> {
        let tx = core.store().write().await?;
        Ok(Self { core: core.clone(), tx, actor: actor.into(), pending: BTreeMap::new(), described: BTreeSet::new() })
    }

    /// The transaction's connection, for storage calls.
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.tx
    }

    pub fn actor(&self) -> &AuditActor {
        &self.actor
    }

    /// Records that `keys` of `folder` changed (no keys: its imports or its place changed).
    pub fn publish_change<I, K>(&mut self, folder: &FolderRow, keys: I)
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.publish_change_at(folder, &folder.path, keys);
    }

    /// Like [`publish_change`](Self::publish_change), for the folder as it was at `path`
    /// (a moved folder is announced at its old and its new path).
    pub fn publish_change_at<I, K>(&mut self, folder: &FolderRow, path: &FolderPath, keys: I)
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        let entry = self
            .pending
            .entry((folder.id.clone(), path.clone()))
            .or_insert_with(|| (folder.project_id.clone(), folder.environment_id.clone(), BTreeSet::new()));
        entry.2.extend(keys.into_iter().map(Into::into));
    }

    /// Records that something of `project` the caches keep changed where no sync reads it
    /// (a folder's description): no change event, but the project's change counter is
    /// raised, so no cache serves the old row.
    pub fn described(&mut self, project: &ProjectId) {
        self.described.insert(project.clone());
    }

    /// Records the change events, commits, and wakes the dispatcher. Returns the ids of
    /// the events written.
    pub async fn commit(mut self) -> CoreResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(self.pending.len());
        let pending = std::mem::take(&mut self.pending);
        let mut projects: BTreeSet<ProjectId> = pending.values().map(|(project, _, _)| project.clone()).collect();
        projects.append(&mut self.described);
        for ((folder_id, path), (project_id, environment_id, keys)) in pending {
            let change = NewChange {
                project_id,
                environment_id,
                folder_id,
                path,
                keys: keys.into_iter().collect(),
                actor_type: self.actor.kind,
                actor_id: self.actor.id.clone(),
            };
            ids.push(changes::record(&mut self.tx, &change).await?);
        }
        // Last, so that on PostgreSQL the counter's row is held only until the commit.
        for project in &projects {
            change_counters::raise(&mut self.tx, project).await?;
        }
        self.tx.commit().await.map_err(StorageError::from)?;
        if !ids.is_empty() {
            self.core.changes().notify_one();
        }
        Ok(ids)
    }
}
