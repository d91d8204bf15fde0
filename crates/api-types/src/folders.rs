//! Folders in Infisical's shapes (`/api/v1/folders`, and `/api/v2/folders` as the Python
//! SDK calls it). The parent is given by `path` (or the CLI's older `directory`).

use crate::secrets::ProjectSelector;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/folders`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub name: Option<String>,
    /// The parent folder's path (default `/`).
    pub path: Option<String>,
    /// Older spelling of `path`.
    pub directory: Option<String>,
    pub description: Option<String>,
}

/// `PATCH /api/v1/folders/{folderId}`: rename and/or describe.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderPatch {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    /// The new name (absent keeps it).
    pub name: Option<String>,
    /// The parent folder's path, as the clients send it (checked against the folder's own).
    pub path: Option<String>,
    pub directory: Option<String>,
    pub description: Option<String>,
}

/// `DELETE /api/v1/folders/{folderIdOrName}` body.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderDeleteIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    /// The parent folder's path, when deleting by name.
    pub path: Option<String>,
    pub directory: Option<String>,
    /// Sent by the Python SDK; folders are always deleted with their contents.
    pub force_delete: Option<bool>,
}

/// `GET /api/v1/folders` query.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct FoldersQuery {
    pub workspace_id: Option<String>,
    pub project_id: Option<String>,
    pub workspace_slug: Option<String>,
    pub project_slug: Option<String>,
    pub environment: Option<String>,
    pub path: Option<String>,
    pub directory: Option<String>,
    /// List every folder below `path`, not only its direct children.
    pub recursive: Option<String>,
    /// Accepted and ignored.
    pub last_secret_modified: Option<String>,
}

/// The environment of a folder (get by id).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderEnvOut {
    pub env_id: String,
    pub env_name: String,
    pub env_slug: String,
}

/// A folder: Infisical's fields plus its full `path` and environment.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderOut {
    pub id: String,
    pub name: String,
    pub env_id: String,
    pub parent_id: Option<String>,
    /// The folder's full path (`/app/api`).
    pub path: String,
    /// The path relative to the listed folder (list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_path: Option<String>,
    pub version: i64,
    pub is_reserved: bool,
    pub description: Option<String>,
    pub last_secret_modified: Option<String>,
    pub project_id: String,
    pub environment: FolderEnvOut,
    pub created_at: String,
    pub updated_at: String,
}

/// `{folder}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FolderEnvelope {
    pub folder: FolderOut,
}

/// `{folders}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoldersOut {
    pub folders: Vec<FolderOut>,
}
