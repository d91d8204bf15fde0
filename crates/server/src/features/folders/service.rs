//! Folders through the API: create, list, get, rename and delete.
//!
//! A folder's secrets belong to its id, and their ciphertexts are bound to
//! (project id, environment id, folder id, key name): renaming or moving a folder rewrites
//! the paths of its subtree (and of imports pointing into it) but re-encrypts nothing.
//! Renames and deletions go through a [`SecretWrite`]: a rename announces every folder of
//! the subtree at its old and new path (no keys), a deletion deletes every secret inside
//! (each keeping its history, with a `deleted` version) and announces each folder with the
//! keys it lost.

use crate::auth::Actor;
use crate::auth::authz::{self, Need};
use crate::error::{ApiError, ApiResult};
use crate::features::secrets::location::{self, Allowed, At, Env, READ_SECRETS, Scope, Source};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::folders::*;
use sluice_api_types::iso;
use sluice_api_types::secrets::ProjectSelector;
use sluice_core::audit::{self, AuditEvent};
use sluice_core::secrets::SecretWrite;
use sluice_core::secrets::ops::delete_secret;
use sluice_domain::{FolderId, FolderPath};
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::{Conn, environments, imports, now_ms, secrets};

const WRITE_FOLDERS: (Need, &str) = (Need::Write, "folders");

fn folder_id_not_found(id: impl std::fmt::Display) -> ApiError {
    ApiError::not_found(format!("Folder with ID '{id}' not found"))
}

/// A folder row in Infisical's shape.
pub fn folder_out(row: &FolderRow, env: &Env, relative_to: Option<&FolderPath>) -> FolderOut {
    FolderOut {
        id: row.id.to_string(),
        name: row.name.clone(),
        env_id: row.environment_id.to_string(),
        parent_id: row.parent_id.as_ref().map(ToString::to_string),
        path: row.path.to_string(),
        relative_path: relative_to.map(|base| relative(base, row.path.as_str())),
        version: 1,
        is_reserved: false,
        description: Some(row.description.clone()).filter(|d| !d.is_empty()),
        last_secret_modified: None,
        project_id: row.project_id.to_string(),
        environment: FolderEnvOut {
            env_id: env.id.as_str().to_string(),
            env_name: env.name.clone(),
            env_slug: env.slug.clone(),
        },
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}

fn relative(base: &FolderPath, path: &str) -> String {
    if base.is_root() { path.to_string() } else { path.strip_prefix(base.as_str()).unwrap_or(path).to_string() }
}

fn description(raw: Option<&str>) -> ApiResult<Option<String>> {
    raw.map(|d| crate::extract::free_text(d, "body.description", 1024)).transpose()
}

async fn write_scope(
    state: &AppState,
    actor: &Actor,
    sel: &ProjectSelector,
    env: Option<&str>,
    path: Option<&str>,
    action: &str,
) -> ApiResult<Scope> {
    let mut conn = state.store.read().await?;
    let at = At { project: sel, environment: env, path, src: Source::Body, path_field: "path" };
    let allowed = Allowed { need: WRITE_FOLDERS.0, action, subject: WRITE_FOLDERS.1 };
    location::scope(state, &mut conn, actor, at, allowed).await
}

/// `POST /api/v1/folders`: a folder `name` under `path` (which must exist).
pub async fn create(state: &AppState, actor: &Actor, body: &FolderIn) -> ApiResult<FolderOut> {
    let name = FolderPath::parse_name(body.name.as_deref().unwrap_or(""), "body.name")?;
    let description = description(body.description.as_deref())?.unwrap_or_default();
    let parent_path = body.path.as_deref().or(body.directory.as_deref());
    let scope = write_scope(state, actor, &body.project, body.environment.as_deref(), parent_path, "create").await?;
    let mut tx = state.store.write().await?;
    let parent = location::folder(&mut tx, &scope).await?;
    let path = scope.path.join(&name);
    if folders::get_by_path(&mut tx, &scope.env.id, &path).await?.is_some() {
        return Err(ApiError::bad_request(format!("Folder with name '{name}' already exists in '{}'", scope.path)));
    }
    let now = now_ms();
    let row = FolderRow {
        id: FolderId::new(),
        project_id: scope.project().clone(),
        environment_id: scope.env.id.clone(),
        parent_id: Some(parent.id.clone()),
        name: name.clone(),
        path: path.clone(),
        description,
        created_at: now,
        updated_at: now,
    };
    folders::insert(&mut tx, &row).await.map_err(|e| {
        if e.is_conflict() {
            ApiError::bad_request(format!("Folder with name '{name}' already exists in '{}'", scope.path))
        } else {
            e.into()
        }
    })?;
    let event =
        AuditEvent::new("create-folder").project(scope.project()).target("folder", row.id.clone()).meta(json!({
            "environment": scope.env.slug, "folderName": name, "folderPath": row.path,
        }));
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    Ok(folder_out(&row, &scope.env, None))
}

/// `GET /api/v1/folders`: the subfolders of `path` (all below it with `recursive`).
pub async fn list(state: &AppState, actor: &Actor, q: &FoldersQuery) -> ApiResult<Vec<FolderOut>> {
    let sel = ProjectSelector {
        workspace_id: q.workspace_id.clone(),
        project_id: q.project_id.clone(),
        workspace_slug: q.workspace_slug.clone(),
        project_slug: q.project_slug.clone(),
    };
    let recursive = match q.recursive.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => true,
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => false,
        Some(v) => return Err(ApiError::invalid("query.recursive", format!("expected true or false, got \"{v}\""))),
    };
    let mut conn = state.store.read().await?;
    let at = At {
        project: &sel,
        environment: q.environment.as_deref(),
        path: q.path.as_deref().or(q.directory.as_deref()),
        src: Source::Query,
        path_field: "path",
    };
    let scope = location::scope(state, &mut conn, actor, at, READ_SECRETS).await?;
    let Some(base) = folders::get_by_path(&mut conn, &scope.env.id, &scope.path).await? else { return Ok(Vec::new()) };
    let rows = if recursive {
        let mut all: Vec<FolderRow> = folders::subtree(&mut conn, &scope.env.id, &scope.path)
            .await?
            .into_iter()
            .filter(|f| f.id != base.id)
            .collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    } else {
        folders::children(&mut conn, &base.id).await?
    };
    Ok(rows.iter().map(|r| folder_out(r, &scope.env, Some(&scope.path))).collect())
}

/// A folder by id, with the project and environment it belongs to.
async fn by_id(
    state: &AppState,
    conn: &mut Conn,
    actor: &Actor,
    raw: &str,
    need: Need,
    action: &str,
) -> ApiResult<(FolderRow, Env)> {
    let id = FolderId::parse(raw).ok_or_else(|| folder_id_not_found(raw))?;
    let row = folders::get(conn, &id).await?.ok_or_else(|| folder_id_not_found(raw))?;
    let access = authz::project(state, conn, actor, &row.project_id).await.map_err(|e| match e {
        ApiError::NotFound(_) => folder_id_not_found(raw),
        other => other,
    })?;
    access.require(need, action, "folders")?;
    let env =
        environments::get(conn, &row.environment_id).await?.map(Env::from).ok_or_else(|| folder_id_not_found(raw))?;
    Ok((row, env))
}

/// `GET /api/v1/folders/{id}`.
pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<FolderOut> {
    let mut conn = state.store.read().await?;
    let (row, env) = by_id(state, &mut conn, actor, raw_id, Need::Read, "read").await?;
    Ok(folder_out(&row, &env, None))
}

/// The folder a write names: by id (in the scope's environment), or by name under the
/// scope's path.
async fn target(conn: &mut Conn, scope: &Scope, id_or_name: &str) -> ApiResult<FolderRow> {
    if let Some(id) = FolderId::parse(id_or_name) {
        return folders::get(conn, &id)
            .await?
            .filter(|f| f.environment_id == scope.env.id)
            .ok_or_else(|| folder_id_not_found(id_or_name));
    }
    let name = FolderPath::parse_name(id_or_name, "params.folderIdOrName")?;
    let path = scope.path.join(&name);
    Ok(sluice_core::secrets::place::folder(conn, &scope.env, &path).await?)
}

/// `PATCH /api/v1/folders/{folderId}`: rename (moving the subtree) and/or describe.
pub async fn update(state: &AppState, actor: &Actor, id_or_name: &str, body: &FolderPatch) -> ApiResult<FolderOut> {
    let new_name = match body.name.as_deref() {
        Some(n) => Some(FolderPath::parse_name(n, "body.name")?),
        None => None,
    };
    let description = description(body.description.as_deref())?;
    let parent_path = body.path.as_deref().or(body.directory.as_deref());
    let scope = write_scope(state, actor, &body.project, body.environment.as_deref(), parent_path, "edit").await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = target(w.conn(), &scope, id_or_name).await?;
    let old_path = folder.path.clone();
    let name = new_name.unwrap_or_else(|| folder.name.clone());
    let description = description.unwrap_or_else(|| folder.description.clone());
    if name != folder.name {
        let Some(parent) = old_path.parent() else {
            return Err(ApiError::bad_request("The root folder cannot be renamed"));
        };
        let new_path = parent.join(&name);
        if folders::get_by_path(w.conn(), &scope.env.id, &new_path).await?.is_some() {
            return Err(ApiError::bad_request(format!("Folder with name '{name}' already exists in '{parent}'")));
        }
        let moved = folders::subtree(w.conn(), &scope.env.id, &old_path).await?;
        folders::rename(w.conn(), &folder, &name, &new_path, &description).await?;
        imports::rewrite_paths(w.conn(), &scope.env.id, old_path.as_str(), new_path.as_str()).await?;
        for f in &moved {
            let moved_to =
                FolderPath::from_trusted(format!("{}{}", new_path, &f.path.as_str()[old_path.as_str().len()..]));
            w.publish_change_at(f, &f.path, Vec::<String>::new());
            w.publish_change_at(f, &moved_to, Vec::<String>::new());
        }
    } else if description != folder.description {
        folders::set_description(w.conn(), &folder.id, &description).await?;
        w.described(&folder.project_id);
    }
    let updated = folders::get(w.conn(), &folder.id).await?.ok_or_else(|| folder_id_not_found(&folder.id))?;
    let event =
        AuditEvent::new("update-folder").project(scope.project()).target("folder", folder.id.clone()).meta(json!({
            "environment": scope.env.slug, "oldFolderName": folder.name, "newFolderName": updated.name,
            "oldFolderPath": folder.path, "newFolderPath": updated.path,
        }));
    audit::record(w.conn(), actor, event).await?;
    w.commit().await?;
    Ok(folder_out(&updated, &scope.env, None))
}

/// `DELETE /api/v1/folders/{folderIdOrName}`: the folder, its subfolders and every secret
/// in them (each secret's history is kept).
pub async fn delete(state: &AppState, actor: &Actor, id_or_name: &str, body: &FolderDeleteIn) -> ApiResult<FolderOut> {
    let parent_path = body.path.as_deref().or(body.directory.as_deref());
    let scope = write_scope(state, actor, &body.project, body.environment.as_deref(), parent_path, "delete").await?;
    let data_key = {
        let mut conn = state.store.read().await?;
        state.core.keys().project_key(&mut conn, scope.project()).await?
    };
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = target(w.conn(), &scope, id_or_name).await?;
    if folder.parent_id.is_none() {
        return Err(ApiError::bad_request("The root folder cannot be deleted"));
    }
    let mut deleted_keys = Vec::new();
    for f in folders::subtree(w.conn(), &scope.env.id, &folder.path).await? {
        w.publish_change(&f, Vec::<String>::new());
        for row in secrets::list(w.conn(), &f.id).await? {
            deleted_keys.push(format!("{}:{}", f.path, row.key));
            delete_secret(&mut w, &data_key, &f, row).await?;
        }
    }
    folders::delete(w.conn(), &folder.id).await?;
    let event =
        AuditEvent::new("delete-folder").project(scope.project()).target("folder", folder.id.clone()).meta(json!({
            "environment": scope.env.slug, "folderName": folder.name, "folderPath": folder.path,
            "deletedSecrets": deleted_keys.len(),
        }));
    audit::record(w.conn(), actor, event).await?;
    w.commit().await?;
    Ok(folder_out(&folder, &scope.env, None))
}
