//! The batch routes (`POST`, `PATCH`, `DELETE /api/v3/secrets/batch/raw`): all or nothing.
//! Every item is validated first (errors name `body.secrets[i].field`); then one
//! [`SecretWrite`] applies them all, and any failure rolls every one back, events included.
//! Values are trimmed as Infisical trims them, as single writes are.

use super::input::{check_reminder, metadata_in};
use super::location::{self, Scope, folder_not_found};
use super::read::check_type;
use super::tagging;
use super::write::{write_scope, written_out};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::secrets::{BatchCreateIn, BatchDeleteIn, BatchUpdateIn, SecretOut};
use sluice_core::CoreError;
use sluice_core::audit::{self, AuditEvent};
use sluice_core::secrets::SecretWrite;
use sluice_core::secrets::ops::{self as service, NewSecret, SecretUpdate};
use sluice_domain::{FolderPath, SecretKey, SecretValue};
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::secrets;
use std::collections::{BTreeMap, BTreeSet};

fn item_key(raw: &str, i: usize) -> ApiResult<SecretKey> {
    Ok(SecretKey::parse_field(raw, &format!("body.secrets[{i}].secretKey"))?)
}

fn not_empty<T>(items: &[T]) -> ApiResult<()> {
    if items.is_empty() {
        return Err(ApiError::invalid("body.secrets", "secrets must list at least one secret"));
    }
    Ok(())
}

fn unique(keys: &[(String, SecretKey)]) -> ApiResult<()> {
    let mut seen = BTreeSet::new();
    for (i, (path, key)) in keys.iter().enumerate() {
        if !seen.insert((path.clone(), key.clone())) {
            return Err(ApiError::invalid(
                format!("body.secrets[{i}].secretKey"),
                format!("secret {key} appears more than once in this batch"),
            ));
        }
    }
    Ok(())
}

fn record(scope: &Scope, action: &'static str, keys: &[String]) -> AuditEvent {
    AuditEvent::new(action).project(scope.project()).meta(json!({
        "environment": scope.env.slug,
        "secretPath": scope.path.as_str(),
        "secretKeys": keys,
        "numberOfSecrets": keys.len(),
    }))
}

/// `POST /api/v3/secrets/batch/raw`: creates every secret, or none when any exists.
pub async fn create(state: &AppState, actor: &Actor, body: &BatchCreateIn) -> ApiResult<Vec<SecretOut>> {
    not_empty(&body.secrets)?;
    let mut news = Vec::with_capacity(body.secrets.len());
    let mut tag_ids = Vec::with_capacity(body.secrets.len());
    for (i, s) in body.secrets.iter().enumerate() {
        let prefix = format!("body.secrets[{i}].");
        tag_ids.push(tagging::tag_ids_in(s.tag_ids.as_ref(), &format!("{prefix}tagIds"))?);
        check_reminder(s.secret_reminder_note.as_deref(), s.secret_reminder_repeat_days, &prefix)?;
        news.push(NewSecret {
            key: item_key(&s.secret_key, i)?,
            value: s.secret_value.clone().trimmed(),
            comment: s.secret_comment.clone().unwrap_or_default(),
            skip_multiline_encoding: s.skip_multiline_encoding.unwrap_or(false),
            reminder_note: s.secret_reminder_note.clone(),
            reminder_repeat_days: s.secret_reminder_repeat_days,
            metadata: metadata_in(
                s.secret_metadata.as_ref().or(s.metadata.as_ref()),
                &format!("{prefix}secretMetadata"),
            )?
            .unwrap_or_default(),
        });
    }
    unique(&news.iter().map(|n| (String::new(), n.key.clone())).collect::<Vec<_>>())?;
    let (scope, data_key) =
        write_scope(state, actor, &body.project, body.environment.as_deref(), body.secret_path.as_deref(), "create")
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = location::folder(w.conn(), &scope).await?;
    let mut taken = Vec::new();
    for n in &news {
        if secrets::get_for_update(w.conn(), &folder.id, n.key.as_str()).await?.is_some() {
            taken.push(n.key.to_string());
        }
    }
    if !taken.is_empty() {
        return Err(CoreError::SecretsExist(taken).into());
    }
    let mut out = Vec::with_capacity(news.len());
    for (i, (n, tags)) in news.iter().zip(&tag_ids).enumerate() {
        let written = service::insert_secret(&mut w, &data_key, &folder, n).await?;
        let field = format!("body.secrets[{i}].tagIds");
        tagging::link(w.conn(), scope.project(), &written.row.id, tags.as_deref(), &field).await?;
        out.push(written_out(&scope, written));
    }
    tagging::fill(w.conn(), &mut out).await?;
    let keys: Vec<String> = news.iter().map(|n| n.key.to_string()).collect();
    audit::record(w.conn(), actor, record(&scope, "create-secrets", &keys)).await?;
    w.commit().await?;
    Ok(out)
}

/// How a batch update treats keys that do not exist.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    FailOnNotFound,
    Upsert,
}

/// `PATCH /api/v3/secrets/batch/raw`: updates every secret (each may name its own
/// `secretPath`); in `upsert` mode missing ones are created.
pub async fn update(state: &AppState, actor: &Actor, body: &BatchUpdateIn) -> ApiResult<Vec<SecretOut>> {
    not_empty(&body.secrets)?;
    let mode = match body.mode.as_deref().map(str::trim) {
        None | Some("") | Some("failOnNotFound") => Mode::FailOnNotFound,
        Some("upsert") => Mode::Upsert,
        Some(other) => {
            return Err(ApiError::invalid(
                "body.mode",
                format!("mode must be \"failOnNotFound\" or \"upsert\" (got \"{other}\")"),
            ));
        }
    };
    let mut items = Vec::with_capacity(body.secrets.len());
    for (i, s) in body.secrets.iter().enumerate() {
        let prefix = format!("body.secrets[{i}].");
        let tags = tagging::tag_ids_in(s.tag_ids.as_ref(), &format!("{prefix}tagIds"))?;
        check_reminder(s.secret_reminder_note.as_deref(), s.secret_reminder_repeat_days, &prefix)?;
        let path = match s.secret_path.as_deref().or(body.secret_path.as_deref()) {
            None => FolderPath::root(),
            Some(p) => location::path_param(Some(p), &format!("{prefix}secretPath"))?,
        };
        let new_key = match s.new_secret_name.as_deref() {
            None => None,
            Some(n) => Some(SecretKey::parse_field(n, &format!("{prefix}newSecretName"))?),
        };
        let change = SecretUpdate {
            new_key,
            value: s.secret_value.clone().map(SecretValue::trimmed),
            comment: s.secret_comment.clone(),
            skip_multiline_encoding: s.skip_multiline_encoding,
            reminder_note: s.secret_reminder_note.clone(),
            reminder_repeat_days: s.secret_reminder_repeat_days,
            metadata: metadata_in(
                s.secret_metadata.as_ref().or(s.metadata.as_ref()),
                &format!("{prefix}secretMetadata"),
            )?,
        };
        items.push((i, path, item_key(&s.secret_key, i)?, change, tags));
    }
    unique(&items.iter().map(|(_, p, k, _, _)| (p.as_str().to_string(), k.clone())).collect::<Vec<_>>())?;
    let (scope, data_key) =
        write_scope(state, actor, &body.project, body.environment.as_deref(), body.secret_path.as_deref(), "edit")
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let mut folders_by_path: BTreeMap<String, FolderRow> = BTreeMap::new();
    for (_, path, _, _, _) in &items {
        if !folders_by_path.contains_key(path.as_str()) {
            let folder = folders::get_by_path(w.conn(), &scope.env.id, path)
                .await?
                .ok_or_else(|| folder_not_found(path, &scope.env.slug))?;
            folders_by_path.insert(path.as_str().to_string(), folder);
        }
    }
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut existing = Vec::with_capacity(items.len());
    for (i, path, key, _, _) in &items {
        let folder = &folders_by_path[path.as_str()];
        let row = secrets::get_for_update(w.conn(), &folder.id, key.as_str()).await?;
        if row.is_none() {
            if mode == Mode::FailOnNotFound {
                missing.entry(path.as_str().to_string()).or_default().push(key.to_string());
            } else if items[*i].3.value.is_none() {
                return Err(ApiError::invalid(
                    format!("body.secrets[{i}].secretValue"),
                    "secretValue is required to create a secret",
                ));
            }
        }
        existing.push(row);
    }
    if let Some((path, keys)) = missing.into_iter().next() {
        return Err(ApiError::not_found(format!("Secret does not exist: {} in path {path}", keys.join(", "))));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut keys = Vec::with_capacity(items.len());
    for ((i, path, key, change, tags), row) in items.iter().zip(existing) {
        let folder = folders_by_path[path.as_str()].clone();
        let written = match row {
            Some(row) => service::update_secret(&mut w, &data_key, &folder, row, change).await?,
            None => {
                let new = NewSecret {
                    key: change.new_key.clone().unwrap_or_else(|| key.clone()),
                    value: change.value.clone().unwrap_or_default(),
                    comment: change.comment.clone().unwrap_or_default(),
                    skip_multiline_encoding: change.skip_multiline_encoding.unwrap_or(false),
                    reminder_note: change.reminder_note.clone(),
                    reminder_repeat_days: change.reminder_repeat_days,
                    metadata: change.metadata.clone().unwrap_or_default(),
                };
                service::insert_secret(&mut w, &data_key, &folder, &new).await?
            }
        };
        let field = format!("body.secrets[{i}].tagIds");
        tagging::link(w.conn(), scope.project(), &written.row.id, tags.as_deref(), &field).await?;
        keys.push(written.row.key.clone());
        let item_scope = Scope { path: path.clone(), ..scope.clone() };
        out.push(written_out(&item_scope, written));
    }
    tagging::fill(w.conn(), &mut out).await?;
    audit::record(w.conn(), actor, record(&scope, "update-secrets", &keys)).await?;
    w.commit().await?;
    Ok(out)
}

/// `DELETE /api/v3/secrets/batch/raw`: deletes every secret, or none when any is missing.
pub async fn delete(state: &AppState, actor: &Actor, body: &BatchDeleteIn) -> ApiResult<Vec<SecretOut>> {
    not_empty(&body.secrets)?;
    let mut keys = Vec::with_capacity(body.secrets.len());
    for (i, s) in body.secrets.iter().enumerate() {
        check_type(s.secret_type.as_deref(), &format!("body.secrets[{i}].type"))?;
        keys.push((String::new(), item_key(&s.secret_key, i)?));
    }
    unique(&keys)?;
    let (scope, data_key) =
        write_scope(state, actor, &body.project, body.environment.as_deref(), body.secret_path.as_deref(), "delete")
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = location::folder(w.conn(), &scope).await?;
    let mut rows = Vec::with_capacity(keys.len());
    let mut missing = Vec::new();
    for (_, key) in &keys {
        match secrets::get_for_update(w.conn(), &folder.id, key.as_str()).await? {
            Some(row) => rows.push(row),
            None => missing.push(key.to_string()),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::not_found(format!(
            "Secret does not exist: {} in path {}",
            missing.join(", "),
            scope.path
        )));
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(written_out(&scope, service::delete_secret(&mut w, &data_key, &folder, row).await?));
    }
    let names: Vec<String> = keys.iter().map(|(_, k)| k.to_string()).collect();
    audit::record(w.conn(), actor, record(&scope, "delete-secrets", &names)).await?;
    w.commit().await?;
    Ok(out)
}
