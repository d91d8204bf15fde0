//! The write primitives every secret change goes through (the API, folder deletion, and
//! the sync engine's imports): each seals the value and comment for the row's identity,
//! writes the row, writes a `secret_versions` row (`created`, `updated`, `deleted`),
//! deletes the versions beyond the project's `pitVersionLimit`, and publishes the change,
//! all inside the caller's [`SecretWrite`]. Permissions and audit are the caller's.

use super::seal::RowIdentity;
use super::transaction::SecretWrite;
use crate::error::{CoreError, CoreResult};
use sluice_api_types::secrets::MetadataEntry;
use sluice_crypto::DataKey;
use sluice_domain::{SecretId, SecretKey, SecretValue, VersionAction};
use sluice_storage::folders::FolderRow;
use sluice_storage::now_ms;
use sluice_storage::secrets::{self, SHARED, SecretRow, VersionRow};

/// A secret to create.
#[derive(Clone, Debug)]
pub struct NewSecret {
    pub key: SecretKey,
    pub value: SecretValue,
    pub comment: SecretValue,
    pub skip_multiline_encoding: bool,
    pub reminder_note: Option<String>,
    pub reminder_repeat_days: Option<i64>,
    pub metadata: Vec<MetadataEntry>,
}

/// Changes to a secret; `None` keeps what is there.
#[derive(Clone, Debug, Default)]
pub struct SecretUpdate {
    pub new_key: Option<SecretKey>,
    pub value: Option<SecretValue>,
    pub comment: Option<SecretValue>,
    pub skip_multiline_encoding: Option<bool>,
    /// `Some("")` clears the note.
    pub reminder_note: Option<String>,
    pub reminder_repeat_days: Option<i64>,
    pub metadata: Option<Vec<MetadataEntry>>,
}

/// A written secret with its plaintext (for the response).
#[derive(Debug)]
pub struct Written {
    pub row: SecretRow,
    pub value: SecretValue,
    pub comment: SecretValue,
}

fn version_row(row: &SecretRow, action: VersionAction, w: &SecretWrite) -> VersionRow {
    VersionRow {
        id: uuid::Uuid::now_v7().to_string(),
        secret_id: row.id.clone(),
        project_id: row.project_id.clone(),
        environment_id: row.environment_id.clone(),
        folder_id: row.folder_id.clone(),
        key: row.key.clone(),
        version: row.version,
        value_ct: row.value_ct.clone(),
        comment_ct: row.comment_ct.clone(),
        skip_multiline_encoding: row.skip_multiline_encoding,
        action,
        actor_type: w.actor().kind,
        actor_id: w.actor().id.clone(),
        created_at: row.updated_at,
    }
}

fn metadata_json(entries: &[MetadataEntry]) -> CoreResult<String> {
    serde_json::to_string(entries).map_err(|e| CoreError::Corrupt(format!("metadata does not encode: {e}")))
}

/// Creates a secret in `folder`; 400 when its key is taken.
pub async fn insert_secret(
    w: &mut SecretWrite,
    key: &DataKey,
    folder: &FolderRow,
    s: &NewSecret,
) -> CoreResult<Written> {
    if secrets::get_for_update(w.conn(), &folder.id, s.key.as_str()).await?.is_some() {
        return Err(CoreError::SecretsExist(vec![s.key.to_string()]));
    }
    let now = now_ms();
    let mut row = SecretRow {
        id: SecretId::new(),
        project_id: folder.project_id.clone(),
        environment_id: folder.environment_id.clone(),
        folder_id: folder.id.clone(),
        key: s.key.to_string(),
        secret_type: SHARED.to_string(),
        version: 1,
        value_ct: Vec::new(),
        comment_ct: Vec::new(),
        skip_multiline_encoding: s.skip_multiline_encoding,
        reminder_note: s.reminder_note.clone().filter(|n| !n.is_empty()),
        reminder_repeat_days: s.reminder_repeat_days,
        metadata: metadata_json(&s.metadata)?,
        created_at: now,
        updated_at: now,
    };
    (row.value_ct, row.comment_ct) = RowIdentity::of(&row).seal(key, &s.value, &s.comment)?;
    secrets::insert(w.conn(), &row)
        .await
        .map_err(|e| if e.is_conflict() { CoreError::SecretsExist(vec![row.key.clone()]) } else { e.into() })?;
    let version = version_row(&row, VersionAction::Created, w);
    secrets::insert_version(w.conn(), &version).await?;
    w.publish_change(folder, [row.key.clone()]);
    Ok(Written { row, value: s.value.clone(), comment: s.comment.clone() })
}

/// Applies `u` to `existing` (a secret of `folder`, read in this transaction) as a new
/// version. A rename re-seals the value and comment for the new key.
pub async fn update_secret(
    w: &mut SecretWrite,
    key: &DataKey,
    folder: &FolderRow,
    existing: SecretRow,
    u: &SecretUpdate,
) -> CoreResult<Written> {
    let old = RowIdentity::of(&existing);
    let value = match &u.value {
        Some(v) => v.clone(),
        None => old.open_value(key, &existing.value_ct)?,
    };
    let comment = match &u.comment {
        Some(c) => c.clone(),
        None => old.open_comment(key, &existing.comment_ct)?,
    };
    let old_key = existing.key.clone();
    let mut row = existing;
    if let Some(new_key) = u.new_key.as_ref().filter(|k| k.as_str() != old_key) {
        if secrets::get_for_update(w.conn(), &folder.id, new_key.as_str()).await?.is_some() {
            return Err(CoreError::RenameTaken(new_key.clone()));
        }
        row.key = new_key.to_string();
    }
    row.version += 1;
    row.updated_at = now_ms().max(row.updated_at);
    if let Some(s) = u.skip_multiline_encoding {
        row.skip_multiline_encoding = s;
    }
    if let Some(n) = &u.reminder_note {
        row.reminder_note = Some(n.clone()).filter(|n| !n.is_empty());
    }
    if let Some(d) = u.reminder_repeat_days {
        row.reminder_repeat_days = Some(d);
    }
    if let Some(m) = &u.metadata {
        row.metadata = metadata_json(m)?;
    }
    (row.value_ct, row.comment_ct) = RowIdentity::of(&row).seal(key, &value, &comment)?;
    secrets::update(w.conn(), &row)
        .await
        .map_err(|e| if e.is_conflict() { CoreError::SecretsExist(vec![row.key.clone()]) } else { e.into() })?;
    let version = version_row(&row, VersionAction::Updated, w);
    secrets::insert_version(w.conn(), &version).await?;
    secrets::prune_after_write(w.conn(), &row.id, &row.project_id, row.version).await?;
    w.publish_change(folder, [old_key, row.key.clone()]);
    Ok(Written { row, value, comment })
}

/// Deletes `existing` (a secret of `folder`); its history stays, ending with a `deleted`
/// version that holds the last value. Returns the secret as it was.
pub async fn delete_secret(
    w: &mut SecretWrite,
    key: &DataKey,
    folder: &FolderRow,
    existing: SecretRow,
) -> CoreResult<Written> {
    let id = RowIdentity::of(&existing);
    let value = id.open_value(key, &existing.value_ct)?;
    let comment = id.open_comment(key, &existing.comment_ct)?;
    secrets::delete(w.conn(), &existing.id).await?;
    let mut last = existing.clone();
    last.version += 1;
    last.updated_at = now_ms().max(existing.updated_at);
    let version = version_row(&last, VersionAction::Deleted, w);
    secrets::insert_version(w.conn(), &version).await?;
    secrets::prune_after_write(w.conn(), &last.id, &last.project_id, last.version).await?;
    w.publish_change(folder, [existing.key.clone()]);
    Ok(Written { row: existing, value, comment })
}
