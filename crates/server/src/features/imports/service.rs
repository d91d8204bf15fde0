//! Secret imports through the API: a folder imports the secrets of another environment
//! and path of the same project. Creating, retargeting, reordering and deleting an import
//! changes what the importing folder resolves to, so each goes through a [`SecretWrite`]
//! that announces the importing folder (with no keys).
//!
//! Refused: importing a folder into itself, importing the same place twice, any import
//! that would close a cycle (the error shows the loop), and Infisical's replication mode.
//! Precedence is Infisical's: the folder's own secrets win; among imports, the later
//! (higher `position`) wins. See `sluice_core::secrets::resolve`.

use crate::auth::Actor;
use crate::auth::authz::Need;
use crate::error::{ApiError, ApiResult};
use crate::features::secrets::location::{self, Allowed, At, Env, READ_SECRETS, Scope, Source};
use crate::features::secrets::read::view_out;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::imports::*;
use sluice_api_types::iso;
use sluice_api_types::secrets::ProjectSelector;
use sluice_core::audit::{self, AuditEvent};
use sluice_core::secrets::SecretWrite;
use sluice_core::secrets::resolve::{Resolver, ViewOptions};
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId, SecretImportId};
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::imports::{self, ImportRow};
use sluice_storage::{Conn, environments, now_ms};
use std::collections::{BTreeMap, BTreeSet};

fn import_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Secret import with ID '{id}' not found"))
}

fn selector(q: &SecretImportsQuery) -> ProjectSelector {
    ProjectSelector {
        workspace_id: q.workspace_id.clone(),
        project_id: q.project_id.clone(),
        workspace_slug: q.workspace_slug.clone(),
        project_slug: q.project_slug.clone(),
    }
}

/// An import in Infisical's shape.
pub fn import_out(row: &ImportRow, env: &Env) -> SecretImportOut {
    SecretImportOut {
        id: row.id.to_string(),
        folder_id: row.folder_id.to_string(),
        import_path: row.import_path.to_string(),
        import_env: ImportEnvOut { name: env.name.clone(), slug: env.slug.clone(), id: env.id.as_str().to_string() },
        position: row.position,
        version: 1,
        is_replication: row.is_replication,
        is_replication_success: None,
        replication_status: None,
        last_replicated: None,
        is_reserved: false,
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}

async fn scope_for(
    state: &AppState,
    actor: &Actor,
    sel: &ProjectSelector,
    (env, path): (Option<&str>, Option<&str>),
    src: Source,
    allowed: Allowed<'_>,
) -> ApiResult<Scope> {
    let mut conn = state.store.read().await?;
    let at = At { project: sel, environment: env, path, src, path_field: "path" };
    location::scope(state, &mut conn, actor, at, allowed).await
}

fn write_access(action: &str) -> Allowed<'_> {
    Allowed { need: Need::Write, action, subject: "secret-imports" }
}

/// Environments of a project by id.
async fn env_map(conn: &mut Conn, project: &ProjectId) -> ApiResult<BTreeMap<EnvironmentId, Env>> {
    Ok(environments::list(conn, project).await?.into_iter().map(|e| (e.id.clone(), Env::from(e))).collect())
}

/// The chain of imports from `target` back to `importer`, if adding `importer` → `target`
/// would close a loop (`skip`: the import being changed, which no longer counts).
async fn find_cycle(
    conn: &mut Conn,
    importer: &FolderRow,
    target: (&EnvironmentId, &FolderPath),
    skip: Option<&SecretImportId>,
) -> ApiResult<Option<Vec<(EnvironmentId, FolderPath)>>> {
    let home = (importer.environment_id.clone(), importer.path.clone());
    let start = (target.0.clone(), target.1.clone());
    let mut stack = vec![vec![home.clone(), start]];
    let mut seen = BTreeSet::new();
    while let Some(chain) = stack.pop() {
        let Some(here) = chain.last().cloned() else { continue };
        if here == home {
            return Ok(Some(chain));
        }
        if !seen.insert(here.clone()) {
            continue;
        }
        let Some(folder) = folders::get_by_path(conn, &here.0, &here.1).await? else {
            continue;
        };
        for next in imports::list(conn, &folder.id).await? {
            if Some(&next.id) == skip {
                continue;
            }
            let mut longer = chain.clone();
            longer.push((next.import_environment_id.clone(), next.import_path.clone()));
            stack.push(longer);
        }
    }
    Ok(None)
}

/// Refuses self-imports, duplicates and cycles.
async fn check_target(
    conn: &mut Conn,
    envs: &BTreeMap<EnvironmentId, Env>,
    folder: &FolderRow,
    target: (&Env, &FolderPath),
    skip: Option<&SecretImportId>,
) -> ApiResult<()> {
    let (env, path) = target;
    if env.id == folder.environment_id && *path == folder.path {
        return Err(ApiError::bad_request("A folder cannot import itself"));
    }
    let dup = imports::list(conn, &folder.id)
        .await?
        .into_iter()
        .any(|i| Some(&i.id) != skip && i.import_environment_id == env.id && i.import_path == *path);
    if dup {
        return Err(ApiError::bad_request(format!("This folder already imports {}:{path}", env.slug)));
    }
    if let Some(chain) = find_cycle(conn, folder, (&env.id, path), skip).await? {
        let shown: Vec<String> = chain
            .iter()
            .map(|(e, p)| format!("{}:{p}", envs.get(e).map(|x| x.slug.as_str()).unwrap_or(e.as_str())))
            .collect();
        return Err(ApiError::bad_request(format!("Cyclic import not allowed: {}", shown.join(" -> "))));
    }
    Ok(())
}

/// `POST /api/v1/secret-imports`.
pub async fn create(state: &AppState, actor: &Actor, body: &SecretImportIn) -> ApiResult<SecretImportOut> {
    if body.is_replication == Some(true) {
        return Err(ApiError::bad_request(
            "Secret replication (isReplication: true) is not supported by Sluice; create a plain import instead",
        ));
    }
    let target = body.import.clone().unwrap_or_default();
    let target_env = location::env_param(target.environment.as_deref(), Source::Body)
        .map_err(|_| ApiError::invalid("body.import.environment", "the imported environment's slug is required"))?
        .to_string();
    let target_path = match target.path.as_deref() {
        Some(p) => location::path_param(Some(p), "body.import.path")?,
        None => return Err(ApiError::invalid("body.import.path", "the imported path is required")),
    };
    let path = body.path.as_deref().or(body.directory.as_deref());
    let scope = scope_for(
        state,
        actor,
        &body.project,
        (body.environment.as_deref(), path),
        Source::Body,
        write_access("create"),
    )
    .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let folder = location::folder(w.conn(), &scope).await?;
    let import_env = location::environment(w.conn(), scope.project(), &target_env).await?;
    let envs = env_map(w.conn(), scope.project()).await?;
    check_target(w.conn(), &envs, &folder, (&import_env, &target_path), None).await?;
    let now = now_ms();
    let row = ImportRow {
        id: SecretImportId::new(),
        project_id: scope.project().clone(),
        folder_id: folder.id.clone(),
        import_environment_id: import_env.id.clone(),
        import_path: target_path.clone(),
        position: imports::next_position(w.conn(), &folder.id).await?,
        is_replication: false,
        created_at: now,
        updated_at: now,
    };
    imports::insert(w.conn(), &row).await?;
    w.publish_change(&folder, Vec::<String>::new());
    let event = AuditEvent::new("create-secret-import")
        .project(scope.project())
        .target("secret-import", row.id.clone())
        .meta(json!({
            "importToEnvironment": scope.env.slug, "importToSecretPath": scope.path.as_str(),
            "importFromEnvironment": import_env.slug, "importFromSecretPath": row.import_path,
        }));
    audit::record(w.conn(), actor, event).await?;
    w.commit().await?;
    Ok(import_out(&row, &import_env))
}

/// `GET /api/v1/secret-imports`: a folder's imports in position order.
pub async fn list(state: &AppState, actor: &Actor, q: &SecretImportsQuery) -> ApiResult<Vec<SecretImportOut>> {
    let path = q.path.as_deref().or(q.directory.as_deref());
    let scope =
        scope_for(state, actor, &selector(q), (q.environment.as_deref(), path), Source::Query, READ_SECRETS).await?;
    let mut conn = state.store.read().await?;
    let folder = location::folder(&mut conn, &scope).await?;
    let envs = env_map(&mut conn, scope.project()).await?;
    Ok(imports::list(&mut conn, &folder.id)
        .await?
        .iter()
        .filter_map(|row| envs.get(&row.import_environment_id).map(|env| import_out(row, env)))
        .collect())
}

/// The import `raw_id` of the scope's folder, inside the write.
async fn owned_import(w: &mut SecretWrite, scope: &Scope, raw_id: &str) -> ApiResult<(FolderRow, ImportRow)> {
    let folder = location::folder(w.conn(), scope).await?;
    let id = SecretImportId::parse(raw_id).ok_or_else(|| import_not_found(raw_id))?;
    let row = imports::get(w.conn(), &id)
        .await?
        .filter(|r| r.folder_id == folder.id)
        .ok_or_else(|| import_not_found(raw_id))?;
    Ok((folder, row))
}

/// `PATCH /api/v1/secret-imports/{id}`: another target and/or another position.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    body: &SecretImportPatch,
) -> ApiResult<SecretImportOut> {
    let change = body.import.clone().unwrap_or_default();
    if let Some(p) = change.position
        && p < 1
    {
        return Err(ApiError::invalid("body.import.position", format!("position must be 1 or more (got {p})")));
    }
    let new_path = match change.path.as_deref() {
        Some(p) => Some(location::path_param(Some(p), "body.import.path")?),
        None => None,
    };
    let path = body.path.as_deref().or(body.directory.as_deref());
    let scope =
        scope_for(state, actor, &body.project, (body.environment.as_deref(), path), Source::Body, write_access("edit"))
            .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let (folder, row) = owned_import(&mut w, &scope, raw_id).await?;
    let envs = env_map(w.conn(), scope.project()).await?;
    let env = match change.environment.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => location::environment(w.conn(), scope.project(), slug).await?,
        None => envs.get(&row.import_environment_id).cloned().ok_or_else(|| import_not_found(raw_id))?,
    };
    let target_path = new_path.unwrap_or_else(|| row.import_path.clone());
    check_target(w.conn(), &envs, &folder, (&env, &target_path), Some(&row.id)).await?;
    imports::update(w.conn(), &row.id, &env.id, target_path.as_str(), row.position).await?;
    if let Some(position) = change.position {
        let mut order: Vec<SecretImportId> =
            imports::list(w.conn(), &folder.id).await?.into_iter().map(|i| i.id).filter(|i| *i != row.id).collect();
        let at = usize::try_from(position - 1).unwrap_or(0).min(order.len());
        order.insert(at, row.id.clone());
        imports::set_order(w.conn(), &order).await?;
    }
    let updated = imports::get(w.conn(), &row.id).await?.ok_or_else(|| import_not_found(raw_id))?;
    w.publish_change(&folder, Vec::<String>::new());
    let event = AuditEvent::new("update-secret-import").project(scope.project()).target("secret-import", row.id.clone()).meta(json!({
        "importToEnvironment": scope.env.slug, "importToSecretPath": scope.path.as_str(),
        "importFromEnvironment": env.slug, "importFromSecretPath": updated.import_path, "position": updated.position,
    }));
    audit::record(w.conn(), actor, event).await?;
    w.commit().await?;
    Ok(import_out(&updated, &env))
}

/// `DELETE /api/v1/secret-imports/{id}`: the others close the gap.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    body: &SecretImportDeleteIn,
) -> ApiResult<SecretImportOut> {
    let path = body.path.as_deref().or(body.directory.as_deref());
    let scope = scope_for(
        state,
        actor,
        &body.project,
        (body.environment.as_deref(), path),
        Source::Body,
        write_access("delete"),
    )
    .await?;
    let mut w = SecretWrite::begin(&state.core, actor).await?;
    let (folder, row) = owned_import(&mut w, &scope, raw_id).await?;
    let envs = env_map(w.conn(), scope.project()).await?;
    imports::delete(w.conn(), &row.id).await?;
    let rest: Vec<SecretImportId> = imports::list(w.conn(), &folder.id).await?.into_iter().map(|i| i.id).collect();
    imports::set_order(w.conn(), &rest).await?;
    w.publish_change(&folder, Vec::<String>::new());
    let env = envs.get(&row.import_environment_id).cloned().ok_or_else(|| import_not_found(raw_id))?;
    let event = AuditEvent::new("delete-secret-import")
        .project(scope.project())
        .target("secret-import", row.id.clone())
        .meta(json!({
            "importToEnvironment": scope.env.slug, "importToSecretPath": scope.path.as_str(),
            "importFromEnvironment": env.slug, "importFromSecretPath": row.import_path,
        }));
    audit::record(w.conn(), actor, event).await?;
    w.commit().await?;
    Ok(import_out(&row, &env))
}

/// `GET /api/v1/secret-imports/secrets/raw`: what each import brings (values as stored).
pub async fn secrets(state: &AppState, actor: &Actor, q: &SecretImportsQuery) -> ApiResult<Vec<ImportSecretsOut>> {
    let path = q.path.as_deref().or(q.directory.as_deref());
    let scope =
        scope_for(state, actor, &selector(q), (q.environment.as_deref(), path), Source::Query, READ_SECRETS).await?;
    let mut conn = state.store.read().await?;
    let folder = location::folder(&mut conn, &scope).await?;
    let mut r = Resolver::new(&state.core, &mut conn, scope.project()).await?;
    r.know_env(&scope.env);
    let pid = scope.project().as_str().to_string();
    let opts = ViewOptions { reveal: true, expand: false };
    Ok(r.imports_of(&mut conn, &folder, opts)
        .await?
        .into_iter()
        .map(|i| ImportSecretsOut {
            secret_path: i.path.as_str().to_string(),
            environment: i.env.slug.clone(),
            environment_info: EnvironmentInfoOut {
                id: i.env.id.as_str().to_string(),
                name: i.env.name.clone(),
                slug: i.env.slug.clone(),
            },
            folder_id: i.folder_id.map(FolderId::into_string).unwrap_or_default(),
            secrets: i.secrets.into_iter().map(|v| view_out(&pid, v)).collect(),
        })
        .collect())
}
