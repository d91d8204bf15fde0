//! Secrets in Infisical's raw shapes: `/api/v3/secrets/raw…`, `/api/v3/secrets/batch/raw`
//! and `/api/v4/secrets…`. Field names and defaults follow what Infisical's SDKs send and
//! read (`../shared/reference/infisical-clients.md`): a secret carries both `id` and `_id`,
//! `secretComment` is never null, `type` defaults to `shared`, and lists always carry
//! `imports`. Every type holding a value has a redacting `Debug`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sluice_domain::SecretValue;

/// Query-string booleans as clients send them: `true`/`false` in any case, `1`/`0`;
/// empty means "not given".
pub mod flag {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(other) => Err(D::Error::custom(format!("expected true or false, got \"{other}\""))),
        }
    }
}

/// Which project a request means: by id (`workspaceId` or `projectId`) or, for machine
/// identities, by slug (`workspaceSlug` or `projectSlug`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProjectSelector {
    pub workspace_id: Option<String>,
    pub project_id: Option<String>,
    pub workspace_slug: Option<String>,
    pub project_slug: Option<String>,
}

/// `GET /api/v3/secrets/raw` and `GET /api/v4/secrets`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListSecretsQuery {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    /// Default `/`.
    pub secret_path: Option<String>,
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub expand_secret_references: Option<bool>,
    /// Infisical's snake_case spelling (Python, Rust SDKs).
    #[serde(rename = "include_imports", default, deserialize_with = "flag::deserialize")]
    pub include_imports_snake: Option<bool>,
    /// The camelCase spelling (Node SDK, CLI).
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub include_imports: Option<bool>,
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub recursive: Option<bool>,
    /// Default true; false masks values (`secretValueHidden: true`).
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub view_secret_value: Option<bool>,
    /// Comma-separated tag slugs: a secret is listed when it carries any of them.
    pub tag_slugs: Option<String>,
    /// Sent by the CLI; personal overrides do not exist here, so it changes nothing.
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub include_personal_overrides: Option<bool>,
}

/// `GET /api/v3/secrets/raw/{secretName}` and `GET /api/v4/secrets/{secretName}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct GetSecretQuery {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    /// A past version to return instead of the current one.
    pub version: Option<String>,
    /// `shared` (default); `personal` is refused.
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub expand_secret_references: Option<bool>,
    #[serde(rename = "include_imports", default, deserialize_with = "flag::deserialize")]
    pub include_imports_snake: Option<bool>,
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub include_imports: Option<bool>,
    #[serde(default, deserialize_with = "flag::deserialize")]
    pub view_secret_value: Option<bool>,
    /// Sent by the Node SDK (the name is in the path already).
    pub secret_name: Option<String>,
}

/// A metadata entry (`secretMetadata`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetadataEntry {
    pub key: String,
    pub value: String,
    #[serde(default)]
    pub is_encrypted: bool,
}

/// Body of `POST` and `PATCH /api/v3/secrets/raw/{secretName}` (and the v4 writes).
/// The value and comment (sealed at rest) never print.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    /// Required on create; on update, absent keeps the value.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub secret_value: Option<SecretValue>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub secret_comment: Option<SecretValue>,
    pub skip_multiline_encoding: Option<bool>,
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
    /// The project tags the secret carries (replaces them on update; absent keeps them).
    pub tag_ids: Option<Vec<String>>,
    pub secret_reminder_note: Option<String>,
    pub secret_reminder_repeat_days: Option<i64>,
    pub secret_metadata: Option<Value>,
    /// The Node SDK's spelling of `secretMetadata` on update.
    pub metadata: Option<Value>,
    /// Update only: rename the secret.
    pub new_secret_name: Option<String>,
}

/// Body of `DELETE /api/v3/secrets/raw/{secretName}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretDeleteIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
    /// Sent by the CLI (the name is in the path already).
    pub secret_name: Option<String>,
}

/// One secret of a batch create.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchCreateItem {
    pub secret_key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub secret_value: SecretValue,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub secret_comment: Option<SecretValue>,
    pub skip_multiline_encoding: Option<bool>,
    pub tag_ids: Option<Vec<String>>,
    pub secret_reminder_note: Option<String>,
    pub secret_reminder_repeat_days: Option<i64>,
    pub secret_metadata: Option<Value>,
    pub metadata: Option<Value>,
}

/// `POST /api/v3/secrets/batch/raw`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchCreateIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    pub secrets: Vec<BatchCreateItem>,
}

/// One secret of a batch update.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchUpdateItem {
    pub secret_key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub secret_value: Option<SecretValue>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub secret_comment: Option<SecretValue>,
    pub new_secret_name: Option<String>,
    /// Overrides the request's `secretPath` for this secret.
    pub secret_path: Option<String>,
    pub skip_multiline_encoding: Option<bool>,
    pub tag_ids: Option<Vec<String>>,
    pub secret_reminder_note: Option<String>,
    pub secret_reminder_repeat_days: Option<i64>,
    pub secret_metadata: Option<Value>,
    pub metadata: Option<Value>,
}

/// `PATCH /api/v3/secrets/batch/raw`. `mode` is `failOnNotFound` (default) or `upsert`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchUpdateIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    pub mode: Option<String>,
    pub secrets: Vec<BatchUpdateItem>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchDeleteItem {
    pub secret_key: String,
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
}

/// `DELETE /api/v3/secrets/batch/raw`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchDeleteIn {
    #[serde(flatten)]
    pub project: ProjectSelector,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    pub secrets: Vec<BatchDeleteItem>,
}

/// A tag as a secret object carries it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub color: Option<String>,
}

/// A secret, in the union of the fields Infisical's clients read. The value and the
/// comment never print.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretOut {
    pub id: String,
    /// The same as `id` (the Python SDK requires both).
    #[serde(rename = "_id")]
    pub legacy_id: String,
    /// The project id.
    pub workspace: String,
    /// The environment slug.
    pub environment: String,
    pub version: i64,
    /// Always `shared`.
    #[serde(rename = "type")]
    pub secret_type: String,
    pub secret_key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub secret_value: SecretValue,
    /// Never null: empty when there is none.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub secret_comment: SecretValue,
    pub secret_path: String,
    pub created_at: String,
    pub updated_at: String,
    pub tags: Vec<TagOut>,
    pub skip_multiline_encoding: bool,
    pub secret_reminder_note: Option<String>,
    pub secret_reminder_repeat_days: Option<i64>,
    pub secret_metadata: Vec<MetadataEntry>,
    pub secret_value_hidden: bool,
    /// Sluice: references in the value that do not resolve (left as written), each with
    /// why (`secret reference ${DB_HOST} points to a secret that does not exist`). Absent
    /// when every reference resolves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_warnings: Vec<String>,
}

/// `{secret}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretEnvelope {
    pub secret: SecretOut,
}

/// The secrets a folder receives through one import.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportedSecretsOut {
    pub secret_path: String,
    /// The imported environment's slug.
    pub environment: String,
    /// The imported folder (empty when the imported path does not exist).
    pub folder_id: String,
    pub secrets: Vec<SecretOut>,
}

/// `{secrets, imports}`; `imports` is always present.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretsListOut {
    pub secrets: Vec<SecretOut>,
    pub imports: Vec<ImportedSecretsOut>,
}

/// `{secrets}` (batch routes).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretsOut {
    pub secrets: Vec<SecretOut>,
}
