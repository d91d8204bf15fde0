//! Secret rows in Infisical's shape (sealing is `sluice_core::secrets::seal`).

use sluice_api_types::iso;
use sluice_api_types::secrets::{MetadataEntry, SecretOut};
use sluice_domain::SecretValue;
use sluice_storage::secrets::{SecretRow, VersionRow};

/// What Infisical shows instead of a value the caller asked not to see.
pub const HIDDEN_VALUE: &str = "<hidden-by-infisical>";

/// Stored metadata (JSON text) back to entries; unreadable metadata reads as none.
pub fn metadata_of(json: &str) -> Vec<MetadataEntry> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Where a secret is shown as living: its project, environment slug and folder path.
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a> {
    pub project_id: &'a str,
    pub env_slug: &'a str,
    pub path: &'a str,
}

/// A row as Infisical's secret object. `value` is `None` when hidden.
pub fn secret_out(row: &SecretRow, at: Shown<'_>, value: Option<SecretValue>, comment: SecretValue) -> SecretOut {
    SecretOut {
        id: row.id.to_string(),
        legacy_id: row.id.to_string(),
        workspace: at.project_id.to_string(),
        environment: at.env_slug.to_string(),
        version: row.version,
        secret_type: row.secret_type.clone(),
        secret_key: row.key.clone(),
        secret_value_hidden: value.is_none(),
        secret_value: value.unwrap_or_else(|| SecretValue::from(HIDDEN_VALUE)),
        secret_comment: comment,
        secret_path: at.path.to_string(),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
        tags: Vec::new(),
        skip_multiline_encoding: row.skip_multiline_encoding,
        secret_reminder_note: row.reminder_note.clone(),
        secret_reminder_repeat_days: row.reminder_repeat_days,
        secret_metadata: metadata_of(&row.metadata),
        reference_warnings: Vec::new(),
    }
}

/// The warnings a secret object carries for references that did not resolve.
pub fn reference_warnings(broken: &[sluice_domain::references::BrokenReference]) -> Vec<String> {
    broken.iter().map(ToString::to_string).collect()
}

/// A past version shown as the secret it was (reminders and metadata from the live row,
/// when it still exists).
pub fn version_out(
    v: &VersionRow,
    live: Option<&SecretRow>,
    at: Shown<'_>,
    value: Option<SecretValue>,
    comment: SecretValue,
) -> SecretOut {
    let row = SecretRow {
        id: v.secret_id.clone(),
        project_id: v.project_id.clone(),
        environment_id: v.environment_id.clone(),
        folder_id: v.folder_id.clone(),
        key: v.key.clone(),
        secret_type: sluice_storage::secrets::SHARED.to_string(),
        version: v.version,
        value_ct: Vec::new(),
        comment_ct: Vec::new(),
        skip_multiline_encoding: v.skip_multiline_encoding,
        reminder_note: live.and_then(|l| l.reminder_note.clone()),
        reminder_repeat_days: live.and_then(|l| l.reminder_repeat_days),
        metadata: live.map(|l| l.metadata.clone()).unwrap_or_else(|| "[]".to_string()),
        created_at: live.map(|l| l.created_at).unwrap_or(v.created_at),
        updated_at: v.created_at,
    };
    secret_out(&row, at, value, comment)
}
