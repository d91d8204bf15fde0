//! Secret syncs (`/api/v1/secret-syncs`): Railway syncs, their triggers, plan previews
//! and run history.
//!
//! Request bodies are loose (every field optional) so the server can answer each missing
//! or malformed field with Infisical's own message; the server parses them into domain
//! types once. Unknown fields are ignored, as Infisical does. The docs' sample body
//! (`isEnabled`, `syncOptions.autoSyncEnabled`) is accepted alongside the real API's
//! `isAutoSyncEnabled`.

use crate::connections::nullable;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sluice_domain::SyncStatus;

/// One destination Sluice can sync to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretSyncOptionOut {
    pub name: String,
    pub destination: String,
    pub connection: String,
    pub can_import_secrets: bool,
    pub can_remove_secrets_on_deletion: bool,
}

/// `GET /api/v1/secret-syncs/options`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretSyncOptionsOut {
    pub secret_sync_options: Vec<SecretSyncOptionOut>,
}

/// `syncOptions` as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncOptionsIn {
    /// `overwrite-destination`, `import-prioritize-source` or `import-prioritize-destination`. Required.
    pub initial_sync_behavior: Option<String>,
    /// Template with one `{{secretKey}}` and any `{{environment}}`; empty or null means none.
    pub key_schema: Option<String>,
    pub disable_secret_deletion: Option<bool>,
    /// `affected` (default: redeploy the services the change reaches) or `none` (write only).
    pub redeploy_policy: Option<String>,
    /// Delete at the destination only keys this sync wrote (default `true`); `false`
    /// deletes every key the schema matches that the source lacks (Infisical's behaviour).
    pub delete_only_owned: Option<bool>,
    /// `report` (default), `heal` or `adopt`: what a drift check does when the destination
    /// no longer holds what the sync wrote.
    pub drift_policy: Option<String>,
    /// Minutes between scheduled drift checks: 0 (off) or 5–10080; default 15.
    pub drift_check_interval_minutes: Option<i64>,
    /// When a run deletes so many keys that it waits for a confirmation.
    pub mass_deletion_guard: Option<DeletionGuardIn>,
    /// The docs' spelling of `isAutoSyncEnabled` (accepted; must agree with it when both are sent).
    pub auto_sync_enabled: Option<bool>,
    /// Sync only the secrets carrying any of these tags (slugs); empty syncs every secret.
    /// Absent on an update keeps the sync's filter.
    pub tag_slugs: Option<Vec<String>>,
}

/// `syncOptions.massDeletionGuard` as sent; absent fields take the defaults (on, 50 %, 5).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeletionGuardIn {
    pub enabled: Option<bool>,
    /// 1–100: hold a run that deletes more than this share of the managed keys…
    pub percent: Option<i64>,
    /// …and at least this many.
    pub min_keys: Option<i64>,
}

/// `syncOptions.massDeletionGuard` as returned.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeletionGuardOut {
    pub enabled: bool,
    pub percent: u8,
    pub min_keys: u32,
}

impl Default for DeletionGuardOut {
    fn default() -> Self {
        Self { enabled: true, percent: 50, min_keys: 5 }
    }
}

/// `destinationConfig` of a Railway sync as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayDestinationIn {
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub environment_id: Option<String>,
    pub environment_name: Option<String>,
    /// Absent or empty: the environment's shared variables.
    pub service_id: Option<String>,
    pub service_name: Option<String>,
}

/// `POST /api/v1/secret-syncs/railway` (and the body of `POST .../railway/plan`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwaySyncIn {
    /// Slug, at most 256 characters, unique in the project.
    pub name: Option<String>,
    pub project_id: Option<String>,
    pub description: Option<String>,
    pub connection_id: Option<String>,
    /// Source environment slug.
    pub environment: Option<String>,
    /// Source folder path.
    pub secret_path: Option<String>,
    /// Default true.
    pub is_auto_sync_enabled: Option<bool>,
    /// The docs' spelling of `isAutoSyncEnabled`.
    pub is_enabled: Option<bool>,
    pub sync_options: Option<SyncOptionsIn>,
    pub destination_config: Option<RailwayDestinationIn>,
}

/// `PATCH /api/v1/secret-syncs/railway/{syncId}`. `syncOptions` and `destinationConfig`
/// replace the stored objects wholesale.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwaySyncPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    pub connection_id: Option<String>,
    pub environment: Option<String>,
    pub secret_path: Option<String>,
    pub is_auto_sync_enabled: Option<bool>,
    pub is_enabled: Option<bool>,
    pub sync_options: Option<SyncOptionsIn>,
    pub destination_config: Option<RailwayDestinationIn>,
}

/// `syncOptions` as returned.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncOptionsOut {
    pub initial_sync_behavior: String,
    /// Mirrors `isAutoSyncEnabled` (the docs' sample shows it here).
    pub auto_sync_enabled: bool,
    pub disable_secret_deletion: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_schema: Option<String>,
    /// `affected` or `none`.
    #[serde(default = "affected")]
    pub redeploy_policy: String,
    #[serde(default = "yes")]
    pub delete_only_owned: bool,
    /// `report`, `heal` or `adopt`.
    #[serde(default = "report")]
    pub drift_policy: String,
    #[serde(default = "fifteen")]
    pub drift_check_interval_minutes: u32,
    #[serde(default)]
    pub mass_deletion_guard: DeletionGuardOut,
    /// The tag filter of the source; emitted only when set (empty: every secret).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_slugs: Vec<String>,
}

fn affected() -> String {
    "affected".to_string()
}

fn yes() -> bool {
    true
}

fn report() -> String {
    "report".to_string()
}

fn fifteen() -> u32 {
    15
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayDestinationOut {
    pub project_id: String,
    pub project_name: String,
    pub environment_id: String,
    pub environment_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncConnectionOut {
    pub app: String,
    pub name: String,
    pub id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncEnvironmentOut {
    pub slug: String,
    pub name: String,
    pub id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncFolderOut {
    pub id: String,
    pub path: String,
}

/// A secret sync as returned: every field of Infisical's response and of its docs' sample.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretSyncOut {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The docs' name for `isAutoSyncEnabled` (same value).
    pub is_enabled: bool,
    pub is_auto_sync_enabled: bool,
    pub version: i64,
    /// Null once the source folder is deleted.
    pub folder_id: Option<String>,
    pub connection_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// `pending`, `running`, `succeeded`, `failed`, or null (never run).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub sync_status: Option<SyncStatus>,
    pub last_sync_job_id: Option<String>,
    pub last_sync_message: Option<String>,
    pub last_synced_at: Option<String>,
    /// Attempts of the current sync job so far (0 when none is retrying).
    pub sync_attempt: i64,
    /// When a failed sync is tried again: the next retry while a sync job retries, and
    /// for a sync that failed for good with auto-sync on, its reconciliation (tried again
    /// on its own, by default 10 minutes later).
    pub next_sync_attempt_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub import_status: Option<SyncStatus>,
    pub last_import_job_id: Option<String>,
    pub last_import_message: Option<String>,
    pub last_imported_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub remove_status: Option<SyncStatus>,
    pub last_remove_job_id: Option<String>,
    pub last_remove_message: Option<String>,
    pub last_removed_at: Option<String>,
    pub sync_options: SyncOptionsOut,
    pub project_id: String,
    pub connection: SyncConnectionOut,
    pub environment: Option<SyncEnvironmentOut>,
    pub folder: Option<SyncFolderOut>,
    /// `railway`.
    pub destination: String,
    pub destination_config: RailwayDestinationOut,
    /// What the latest drift check found: `in-sync`, `drifted`, or null (never checked).
    #[serde(default)]
    pub drift_status: Option<String>,
    #[serde(default)]
    pub last_drift_check_at: Option<String>,
    /// When the next scheduled drift check is due (null: none scheduled).
    #[serde(default)]
    pub next_drift_check_at: Option<String>,
    /// The drift check job's lifecycle, like `syncStatus`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    #[serde(default)]
    pub drift_check_status: Option<SyncStatus>,
    #[serde(default)]
    pub last_drift_check_message: Option<String>,
    /// When `syncStatus` is `held`: the fingerprint of the plan waiting for `confirm-plan`.
    #[serde(default)]
    pub held_plan_hash: Option<String>,
    /// Keys this sync wrote that its configuration no longer manages (single-sync answers
    /// only, and only when there are some; removable with `remove-orphans`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orphaned_keys: Vec<String>,
}

/// One key of a drift report.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriftEntryOut {
    pub key: String,
    /// `in-sync`, `changed-at-destination`, `deleted-at-destination`,
    /// `added-at-destination` or `sealed` (cannot be compared).
    pub state: String,
}

/// How many keys of a drift report are in each state.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct DriftCountsOut {
    pub in_sync: u64,
    pub changed_at_destination: u64,
    pub deleted_at_destination: u64,
    pub added_at_destination: u64,
    pub sealed: u64,
}

/// The latest drift report of a sync: key names and states, never values.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DriftOut {
    pub sync_id: String,
    /// `in-sync` or `drifted`.
    pub status: String,
    pub checked_at: String,
    pub job_id: Option<String>,
    /// `report`, `heal` or `adopt`: what the sync does about drift.
    pub policy: String,
    pub counts: DriftCountsOut,
    pub entries: Vec<DriftEntryOut>,
}

/// `GET …/{syncId}/drift`: `drift` is null until the first check.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriftResponse {
    pub drift: Option<DriftOut>,
}

/// A queued job and the sync it is for (`check-drift`, `confirm-plan`, `remove-orphans`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QueuedJobResponse {
    pub job_id: String,
    pub secret_sync: SecretSyncOut,
}

/// `POST …/{syncId}/confirm-plan`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConfirmPlanIn {
    /// The `heldPlanHash` (or a plan preview's `planHash`) being confirmed.
    pub plan_hash: Option<String>,
}

/// One key of a sync's ownership ledger.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OwnedKeyOut {
    pub key: String,
    /// When the sync last wrote it (or claimed it on its first run).
    pub written_at: String,
    /// False for an orphan: the sync's configuration no longer manages it.
    pub managed: bool,
}

/// `GET …/{syncId}/keys`: the destination keys this sync owns.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OwnedKeysResponse {
    /// When the ledger started (null: the sync has not run since it had one).
    pub ledger_since: Option<String>,
    pub keys: Vec<OwnedKeyOut>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretSyncResponse {
    pub secret_sync: SecretSyncOut,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretSyncsResponse {
    pub secret_syncs: Vec<SecretSyncOut>,
}

/// `?projectId=`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectQuery {
    pub project_id: Option<String>,
}

/// `DELETE ...?removeSecrets=true|false`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeleteSyncQuery {
    pub remove_secrets: Option<String>,
}

/// `POST .../import-secrets?importBehavior=prioritize-source|prioritize-destination`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    pub import_behavior: Option<String>,
}

/// `POST /api/v1/secret-syncs/railway/check-destination`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckDestinationIn {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub destination_config: Option<Value>,
    pub connection_id: Option<String>,
    pub exclude_sync_id: Option<String>,
    pub project_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckDestinationOut {
    pub has_duplicate: bool,
    /// The project of the other sync, only when the caller can access it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_project_id: Option<String>,
}

/// `?limit=&offset=` of the run history.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunsQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}
