//! Checks of secret request fields that Infisical's API accepts in several places:
//! metadata and reminders (tags: [`super::tagging`]). Each names the field it refused.

use crate::error::{ApiError, ApiResult};
use serde_json::Value;
use sluice_api_types::secrets::MetadataEntry;

/// `secretMetadata` as given: `[{key, value}]` (or a `{key: value}` object). Encrypted
/// metadata is refused: Sluice keeps metadata in plain text.
pub fn metadata_in(raw: Option<&Value>, field: &str) -> ApiResult<Option<Vec<MetadataEntry>>> {
    let bad = || ApiError::invalid(field, "secretMetadata must be a list of {key, value} with string keys and values");
    let entries = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let entry: MetadataEntry = serde_json::from_value(item.clone()).map_err(|_| bad())?;
                out.push(entry);
            }
            out
        }
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str().map(|s| MetadataEntry { key: k.clone(), value: s.to_string(), is_encrypted: false })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    if entries.iter().any(|e| e.is_encrypted) {
        return Err(ApiError::invalid(field, "encrypted metadata (isEncrypted: true) is not supported"));
    }
    if entries.iter().any(|e| e.key.trim().is_empty()) {
        return Err(ApiError::invalid(field, "metadata keys must not be empty"));
    }
    Ok(Some(entries))
}

/// Checks the reminder fields Infisical accepts.
pub fn check_reminder(note: Option<&str>, days: Option<i64>, prefix: &str) -> ApiResult<()> {
    if note.is_some_and(|n| n.chars().count() > 1024) {
        return Err(ApiError::invalid(
            format!("{prefix}secretReminderNote"),
            "Secret reminder note cannot exceed 1024 characters",
        ));
    }
    if let Some(d) = days
        && !(1..=365).contains(&d)
    {
        return Err(ApiError::invalid(
            format!("{prefix}secretReminderRepeatDays"),
            format!("secretReminderRepeatDays must be between 1 and 365 (got {d})"),
        ));
    }
    Ok(())
}
