//! The key ring: the root key from configuration and the unwrapped project data keys,
//! cached in memory (they are wiped when dropped).

use crate::error::{CoreError, CoreResult};
use dashmap::DashMap;
use sluice_crypto::{Aad, DataKey, RootKey};
use sluice_domain::ProjectId;
use sluice_storage::{Conn, Store, meta, projects};

pub use sluice_crypto::DigestKey;

const ROOT_KEY_CHECK: &str = "root_key_check";

/// `Debug` shows nothing of the keys.
pub struct KeyRing {
    root: RootKey,
    projects: DashMap<ProjectId, DataKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(
        "the root encryption key does not match the key this database was created with; \
         start with the original SLUICE_ROOT_KEY (nothing was changed)"
    )]
    WrongRootKey,
    #[error("{0}")]
    Storage(#[from] sluice_storage::StorageError),
    #[error("{0}")]
    Crypto(#[from] sluice_crypto::CryptoError),
}

impl KeyRing {
    pub fn new(root: RootKey) -> Self {
        Self { root, projects: DashMap::new() }
    }

    /// Checks the root key against the value stored when the database was created (and
    /// stores it on first start). Run before serving anything.
    pub async fn verify_root_key(&self, store: &Store) -> Result<(), KeyCheckError> {
        let mut tx = store.write().await?;
        match meta::get(&mut tx, ROOT_KEY_CHECK).await? {
            Some(check) if self.root.verify_check_value(&check) => {}
            Some(_) => return Err(KeyCheckError::WrongRootKey),
            None => {
                meta::put_if_absent(&mut tx, ROOT_KEY_CHECK, &self.root.check_value()?).await?;
            }
        }
        tx.commit().await.map_err(sluice_storage::StorageError::from)?;
        Ok(())
    }

    /// A new data key for a project, and its wrapped form to store.
    pub fn new_project_key(&self, project: &ProjectId) -> CoreResult<(DataKey, Vec<u8>)> {
        let key = DataKey::generate();
        let wrapped = self.root.wrap(&key, &Aad::project_key(project.as_str()))?;
        self.projects.insert(project.clone(), key.clone());
        Ok((key, wrapped))
    }

    /// The data key of a project, from the cache or unwrapped from storage.
    pub async fn project_key(&self, conn: &mut Conn, project: &ProjectId) -> CoreResult<DataKey> {
        if let Some(k) = self.projects.get(project) {
            return Ok(k.clone());
        }
        let wrapped =
            projects::wrapped_key(conn, project).await?.ok_or_else(|| CoreError::ProjectNotFound(project.clone()))?;
        let key = self.root.unwrap(&wrapped, &Aad::project_key(project.as_str()))?;
        self.projects.insert(project.clone(), key.clone());
        Ok(key)
    }

    /// The key of the keyed digests a project's syncs keep of what they wrote (derived
    /// from the project's data key; see `sluice_crypto::digest`).
    pub async fn digest_key(&self, conn: &mut Conn, project: &ProjectId) -> CoreResult<DigestKey> {
        Ok(DigestKey::derive(&self.project_key(conn, project).await?, b"sluice/sync-written-digest/v1"))
    }

    /// A fresh key wrapped by the root key under `aad`, for things that are not projects
    /// (app connections keep their own).
    pub fn new_wrapped_key(&self, aad: &Aad) -> CoreResult<(DataKey, Vec<u8>)> {
        let key = DataKey::generate();
        let wrapped = self.root.wrap(&key, aad)?;
        Ok((key, wrapped))
    }

    pub fn unwrap_key(&self, wrapped: &[u8], aad: &Aad) -> CoreResult<DataKey> {
        Ok(self.root.unwrap(wrapped, aad)?)
    }

    pub fn forget_project(&self, project: &ProjectId) {
        self.projects.remove(project);
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("cached_projects", &self.projects.len()).finish_non_exhaustive()
    }
}
