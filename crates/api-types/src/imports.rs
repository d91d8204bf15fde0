//! Secret imports in Infisical's shapes (`/api/v1/secret-imports`): a folder (`path` of
//! `environment`) importing the secrets of another environment and path of the project.

use crate::secrets::{ProjectSelector, SecretOut};
use serde::{Deserialize, Serialize};

/// What to import.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportTargetIn {
    pub environment: Option<String>,
    pub path: Option<String>,
}

/// `POST /api/v1/secret-imports`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretImportIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    /// The importing folder (default `/`).
    pub path: Option<String>,
    pub directory: Option<String>,
    pub import: Option<ImportTargetIn>,
    /// Infisical's replication mode: not supported (400).
    pub is_replication: Option<bool>,
}

/// Changes to an import: another target and/or another position (1 = first).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportTargetPatch {
    pub environment: Option<String>,
    pub path: Option<String>,
    pub position: Option<i64>,
}

/// `PATCH /api/v1/secret-imports/{secretImportId}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretImportPatch {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub path: Option<String>,
    pub directory: Option<String>,
    pub import: Option<ImportTargetPatch>,
}

/// `DELETE /api/v1/secret-imports/{secretImportId}` body.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretImportDeleteIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub path: Option<String>,
    pub directory: Option<String>,
}

/// `GET /api/v1/secret-imports` (and `/secrets/raw`) query.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SecretImportsQuery {
    pub workspace_id: Option<String>,
    pub project_id: Option<String>,
    pub workspace_slug: Option<String>,
    pub project_slug: Option<String>,
    pub environment: Option<String>,
    pub path: Option<String>,
    pub directory: Option<String>,
}

/// The imported environment.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportEnvOut {
    pub name: String,
    pub slug: String,
    pub id: String,
}

/// An import.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretImportOut {
    pub id: String,
    /// The importing folder.
    pub folder_id: String,
    pub import_path: String,
    pub import_env: ImportEnvOut,
    /// 1-based order; later imports win over earlier ones.
    pub position: i64,
    pub version: i64,
    pub is_replication: bool,
    pub is_replication_success: Option<bool>,
    pub replication_status: Option<String>,
    pub last_replicated: Option<String>,
    pub is_reserved: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `{message, secretImport}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretImportEnvelope {
    pub message: String,
    pub secret_import: SecretImportOut,
}

/// `{message, secretImports}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretImportsOut {
    pub message: String,
    pub secret_imports: Vec<SecretImportOut>,
}

/// The imported environment, in `GET /api/v1/secret-imports/secrets/raw`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentInfoOut {
    pub id: String,
    pub name: String,
    pub slug: String,
}

/// One import's secrets, in `GET /api/v1/secret-imports/secrets/raw`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportSecretsOut {
    pub secret_path: String,
    pub environment: String,
    pub environment_info: EnvironmentInfoOut,
    pub folder_id: String,
    pub secrets: Vec<SecretOut>,
}

/// `{secrets}` of `GET /api/v1/secret-imports/secrets/raw`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSecretsListOut {
    pub secrets: Vec<ImportSecretsOut>,
}
