//! [`CoreError`]: the one error type of the secrets core. Each variant is a kind the
//! layers above act on differently (the HTTP layer maps it to a status in one place, the
//! engine decides whether a run may retry); the messages are Infisical's where it has one
//! and never carry a secret value.

use sluice_domain::{ExpandError, FolderPath, ProjectId, SecretKey};
use sluice_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("Project with ID '{0}' not found")]
    ProjectNotFound(ProjectId),
    #[error("Environment with slug '{slug}' in project with ID '{project}' not found")]
    EnvironmentNotFound { slug: String, project: ProjectId },
    #[error("Folder with path '{path}' in environment with slug '{environment}' not found")]
    FolderNotFound { path: FolderPath, environment: String },
    /// Creating secrets whose keys are taken.
    #[error("Secret already exist: {}", .0.join(","))]
    SecretsExist(Vec<String>),
    /// Renaming a secret to a key that is taken.
    #[error("Secret with new name already exists: {0}")]
    RenameTaken(SecretKey),
    /// A `${…}` reference in the value of `key` that cannot be expanded.
    #[error("{}", describe_reference(key, error))]
    Reference { key: SecretKey, error: ExpandError },
    #[error("{0}")]
    Storage(#[from] StorageError),
    /// A key or a ciphertext that does not open: a bug, a wrong root key, or a row copied
    /// where it does not belong. Never shown to callers.
    #[error("{0}")]
    Crypto(#[from] sluice_crypto::CryptoError),
    /// Stored data that does not decode.
    #[error("{0}")]
    Corrupt(String),
}

fn describe_reference(key: &SecretKey, error: &ExpandError) -> String {
    match error {
        ExpandError::Missing { reference, .. } => {
            format!("secret reference {reference} in {key} points to a secret that does not exist")
        }
        other => format!("{other} (expanding {key})"),
    }
}

impl CoreError {
    /// Whether the failure is the system's (storage, keys, corrupt data), not the request's.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Storage(_) | Self::Crypto(_) | Self::Corrupt(_))
    }

    /// Whether trying again later may succeed (the database was unavailable).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Storage(_))
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
