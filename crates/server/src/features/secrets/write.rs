//! Writing one secret through the API (`POST`, `PATCH`, `DELETE /api/v3/secrets/raw/{name}`
//! and the v4 equivalents): validate, check the caller may write, then one
//! [`SecretWrite`] with the change, its version, its change event and its audit entry.
//! Values are trimmed as Infisical trims them ([`SecretValue::trimmed`]).

use super::input::{check_reminder, metadata_in};
use super::location::{self, Allowed, At, Scope, Source};
use super::read::{check_type, secret_not_found};
use super::tagging;
use super::wire::{Shown, secret_out};
use crate::auth::Actor;
use crate::auth::authz::Need;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::secrets::{ProjectSelector, SecretDeleteIn, SecretIn, SecretOut};
use sluice_core::audit::{self, AuditEvent};
use sluice_core::secrets::SecretWrite;
use sluice_core::secrets::ops::{self as service, NewSecret, SecretUpdate, Written};
use sluice_core::secrets::resolve::Resolver;
use sluice_crypto::DataKey;
use sluice_domain::references::RefLocation;
use sluice_domain::{SecretKey, SecretValue};
use sluice_storage::secrets;

/// Checks the caller may `action` secrets where the body points, and fetches the project's
/// key, before any write lock is taken.
pub async fn write_scope(
    state: &AppState,
    actor: &Actor,
    project: &ProjectSelector,
    environment: Option<&str>,
    path: Option<&str>,
    action: &str,
) -> ApiResult<(Scope, DataKey)> {
    let mut conn = state.store.read().await?;
    let at = At { project, environment, path, src: Source::Body, path_field: "secretPath" };
    let allowed = Allowed { need: Need::Write, action, subject: "secrets" };
    let scope = location::scope(state, &mut conn, actor, at, allowed).await?;
    let key = state.core.keys().project_key(&mut conn, scope.project()).await?;
    Ok((scope, key))
}

/// The response object of a written secret, with its tags as this transaction sees them.
pub async fn tagged_out(w: &mut SecretWrite, scope: &Scope, written: Written) -> ApiResult<SecretOut> {
    let mut out = [written_out(scope, written)];
    tagging::fill(w.conn(), &mut out).await?;
    let [out] = out;
    Ok(out)
}

/// The response object of a written secret (without its tags).
pub fn written_out(scope: &Scope, w: Written) -> SecretOut {
    let path = scope.path.as_str().to_string();
    let shown = Shown { project_id: scope.project().as_str(), env_slug: &scope.env.slug, path: &path };
    secret_out(&w.row, shown, Some(w.value), w.comment)
}

fn audit_meta(scope: &Scope, keys: &[&str], version: Option<i64>) -> serde_json::Value {
    json!({
        "environment": scope.env.slug,
        "secretPath": scope.path.as_str(),
        "secretKeys": keys,
        "secretVersion": version,
    })
}

/// `POST /api/v3/secrets/raw/{secretName}`.
pub async fn create(state: &AppState, actor: &Actor, name: &str, body: &SecretIn) -> ApiResult<SecretOut> {
    let key = SecretKey::parse_field(name, "params.secretName")?;
    check_type(body.secret_type.as_deref(), "body.type")?;
    let tag_ids = tagging::tag_ids_in(body.tag_ids.as_ref(), "body.tagIds")?;
    check_reminder(body.secret_reminder_note.as_deref(), body.secret_reminder_repeat_days, "body.")?;
    let value = body
        .secret_value
        .clone()
        .map(SecretValue::trimmed)
        .ok_or_else(|| ApiError::invalid("body.secretValue", "secretValue is required"))?;
    let metadata = metadata_in(body.secret_metadata.as_ref().or(body.metadata.as_ref()), "body.secretMetadata")?;
    let new = NewSecret {
        key,
        value,
        comment: body.secret_comment.clone().unwrap_or_default(),
        skip_multiline_encoding: body.skip_multiline_encoding.unwrap_or(false),
        reminder_note: body.secret_reminder_note.clone(),
        reminder_repeat_days: body.secret_reminder_repeat_days,
        metadata: metadata.unwrap_or_default(),
    };
    let (scope, data_key) =
        write_scope(state, actor, &body.project, body.environment.as_deref(), body.secret_path.as_deref(), "create")
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = location::folder(w.conn(), &scope).await?;
    let written = service::insert_secret(&mut w, &data_key, &folder, &new).await?;
    tagging::link(w.conn(), scope.project(), &written.row.id, tag_ids.as_deref(), "body.tagIds").await?;
    let event = AuditEvent::new("create-secret")
        .project(scope.project())
        .target("secret", written.row.id.clone())
        .meta(audit_meta(&scope, &[&written.row.key], Some(written.row.version)));
    audit::record(w.conn(), actor, event).await?;
    let out = tagged_out(&mut w, &scope, written).await?;
    w.commit().await?;
    warned(state, &scope, out).await
}

/// A written secret's object with warnings for references in its value that do not
/// resolve: the write is accepted (as Infisical does), and the writer is told.
pub async fn warned(state: &AppState, scope: &Scope, mut out: SecretOut) -> ApiResult<SecretOut> {
    if !out.secret_value.contains("${") {
        return Ok(out);
    }
    let mut conn = state.store.read().await?;
    let mut r = Resolver::new(&state.core, &mut conn, scope.project()).await?;
    r.know_env(&scope.env);
    let loc = RefLocation::new(scope.env.slug.clone(), scope.path.clone());
    r.load(&mut conn, &loc).await?;
    let key = SecretKey::from_trusted(out.secret_key.clone());
    let expanded = r.expand(&mut conn, &loc, &key, &out.secret_value).await?;
    out.reference_warnings = super::wire::reference_warnings(&expanded.broken);
    Ok(out)
}

/// `PATCH /api/v3/secrets/raw/{secretName}`.
pub async fn update(state: &AppState, actor: &Actor, name: &str, body: &SecretIn) -> ApiResult<SecretOut> {
    let key = SecretKey::parse_field(name, "params.secretName")?;
    check_type(body.secret_type.as_deref(), "body.type")?;
    let tag_ids = tagging::tag_ids_in(body.tag_ids.as_ref(), "body.tagIds")?;
    check_reminder(body.secret_reminder_note.as_deref(), body.secret_reminder_repeat_days, "body.")?;
    let new_key = match body.new_secret_name.as_deref() {
        None => None,
        Some(n) => Some(SecretKey::parse_field(n, "body.newSecretName")?),
    };
    let change = SecretUpdate {
        new_key,
        value: body.secret_value.clone().map(SecretValue::trimmed),
        comment: body.secret_comment.clone(),
        skip_multiline_encoding: body.skip_multiline_encoding,
        reminder_note: body.secret_reminder_note.clone(),
        reminder_repeat_days: body.secret_reminder_repeat_days,
        metadata: metadata_in(body.secret_metadata.as_ref().or(body.metadata.as_ref()), "body.secretMetadata")?,
    };
    let (scope, data_key) =
        write_scope(state, actor, &body.project, body.environment.as_deref(), body.secret_path.as_deref(), "edit")
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = location::folder(w.conn(), &scope).await?;
    let existing = secrets::get_for_update(w.conn(), &folder.id, key.as_str())
        .await?
        .ok_or_else(|| secret_not_found(key.as_str()))?;
    let written = service::update_secret(&mut w, &data_key, &folder, existing, &change).await?;
    tagging::link(w.conn(), scope.project(), &written.row.id, tag_ids.as_deref(), "body.tagIds").await?;
    let mut meta = audit_meta(&scope, &[&written.row.key], Some(written.row.version));
    if written.row.key != key.as_str() {
        meta["oldSecretKey"] = json!(key.as_str());
    }
    let event =
        AuditEvent::new("update-secret").project(scope.project()).target("secret", written.row.id.clone()).meta(meta);
    audit::record(w.conn(), actor, event).await?;
    let out = tagged_out(&mut w, &scope, written).await?;
    w.commit().await?;
    warned(state, &scope, out).await
}

/// `DELETE /api/v3/secrets/raw/{secretName}` (JSON body): returns the deleted secret.
pub async fn delete(state: &AppState, actor: &Actor, name: &str, body: &SecretDeleteIn) -> ApiResult<SecretOut> {
    let key = SecretKey::parse_field(name, "params.secretName")?;
    check_type(body.secret_type.as_deref(), "body.type")?;
    let (scope, data_key) =
        write_scope(state, actor, &body.project, body.environment.as_deref(), body.secret_path.as_deref(), "delete")
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = location::folder(w.conn(), &scope).await?;
    let existing = secrets::get_for_update(w.conn(), &folder.id, key.as_str())
        .await?
        .ok_or_else(|| secret_not_found(key.as_str()))?;
    let written = service::delete_secret(&mut w, &data_key, &folder, existing).await?;
    let event = AuditEvent::new("delete-secret")
        .project(scope.project())
        .target("secret", written.row.id.clone())
        .meta(audit_meta(&scope, &[&written.row.key], Some(written.row.version)));
    audit::record(w.conn(), actor, event).await?;
    w.commit().await?;
    Ok(written_out(&scope, written))
}
