//! Sealing and opening secret values and comments.
//!
//! A value or comment is sealed with the project's data key and the associated data
//! `(project id, environment id, folder id, key name, "value" | "comment")`. Ids, not
//! slugs or paths, so renaming an environment or moving a folder needs no re-encryption;
//! the key name is included, so renaming a secret re-seals it. A ciphertext copied into
//! another row (another key, folder, environment or project) fails to open: that read
//! answers 500 with a generic message, never a value.

use crate::error::CoreResult;
use sluice_crypto::{Aad, DataKey};
use sluice_domain::{EnvironmentId, FolderId, ProjectId, SecretValue};
use sluice_storage::secrets::{SecretRow, VersionRow};

/// The identity a ciphertext is bound to.
#[derive(Clone, Copy, Debug)]
pub struct RowIdentity<'a> {
    pub project_id: &'a ProjectId,
    pub environment_id: &'a EnvironmentId,
    pub folder_id: &'a FolderId,
    pub key: &'a str,
}

impl<'a> RowIdentity<'a> {
    pub fn of(row: &'a SecretRow) -> Self {
        Self {
            project_id: &row.project_id,
            environment_id: &row.environment_id,
            folder_id: &row.folder_id,
            key: &row.key,
        }
    }

    pub fn of_version(row: &'a VersionRow) -> Self {
        Self {
            project_id: &row.project_id,
            environment_id: &row.environment_id,
            folder_id: &row.folder_id,
            key: &row.key,
        }
    }

    fn aad(&self, field: &str) -> Aad {
        Aad::secret(self.project_id.as_str(), self.environment_id.as_str(), self.folder_id.as_str(), self.key, field)
    }

    /// Seals a value and a comment for this row.
    pub fn seal(&self, key: &DataKey, value: &SecretValue, comment: &SecretValue) -> CoreResult<(Vec<u8>, Vec<u8>)> {
        let value = key.seal(value.expose().as_bytes(), &self.aad("value"))?;
        let comment = key.seal(comment.expose().as_bytes(), &self.aad("comment"))?;
        Ok((value, comment))
    }

    pub fn open_value(&self, key: &DataKey, ct: &[u8]) -> CoreResult<SecretValue> {
        Ok(SecretValue::new(key.open_string(ct, &self.aad("value"))?))
    }

    pub fn open_comment(&self, key: &DataKey, ct: &[u8]) -> CoreResult<SecretValue> {
        Ok(SecretValue::new(key.open_string(ct, &self.aad("comment"))?))
    }
}
