//! Environments of a project through the API: read (any member), create, update and delete
//! (project admins). Secrets reference an environment by id, so renaming or re-slugging
//! one keeps its secrets; the last environment of a project cannot be deleted.

use super::manage::{access, project_id};
use super::wire::environment_out;
use crate::auth::Actor;
use crate::auth::authz::Need;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::projects::*;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{EnvironmentId, ProjectId, Slug};
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::{Conn, StorageError, now_ms};

fn env_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Environment with ID '{id}' not found"))
}

fn valid_name(raw: &str) -> ApiResult<String> {
    crate::extract::display_name(raw, "body.name")
}

fn valid_slug(raw: &str) -> ApiResult<Slug> {
    Slug::parse(raw, "slug", 64).map_err(|e| ApiError::invalid("body.slug", e.message))
}

fn valid_position(p: Option<i64>) -> ApiResult<Option<i64>> {
    match p {
        Some(p) if p < 1 => Err(ApiError::invalid("body.position", format!("position must be 1 or more (got {p})"))),
        other => Ok(other),
    }
}

/// An environment of this project (404 for another project's).
async fn env_of(conn: &mut Conn, project: &ProjectId, raw: &str) -> ApiResult<EnvironmentRow> {
    let id = EnvironmentId::parse(raw).ok_or_else(|| env_not_found(raw))?;
    env_by_id(conn, project, &id).await
}

async fn env_by_id(conn: &mut Conn, project: &ProjectId, id: &EnvironmentId) -> ApiResult<EnvironmentRow> {
    environments::get(conn, id).await?.filter(|e| e.project_id == *project).ok_or_else(|| env_not_found(id.as_str()))
}

async fn slug_taken(
    conn: &mut Conn,
    project: &ProjectId,
    slug: &Slug,
    except: Option<&EnvironmentId>,
) -> ApiResult<()> {
    if environments::get_by_slug(conn, project, slug.as_str()).await?.is_some_and(|e| Some(&e.id) != except) {
        return Err(ApiError::bad_request(format!("Environment with slug '{slug}' already exists in this project")));
    }
    Ok(())
}

/// Moves `env` to 1-based `position` (clamped) and renumbers the others 1..n.
async fn place(conn: &mut Conn, project: &ProjectId, env: &EnvironmentId, position: i64) -> ApiResult<()> {
    let mut order: Vec<EnvironmentRow> = environments::list(conn, project).await?;
    let Some(at) = order.iter().position(|e| e.id == *env) else {
        return Ok(());
    };
    let moving = order.remove(at);
    let index = usize::try_from(position - 1).unwrap_or(0).min(order.len());
    order.insert(index, moving);
    for (i, e) in order.iter().enumerate() {
        let want = i as i64 + 1;
        if e.position != want {
            environments::set_position(conn, &e.id, want).await?;
        }
    }
    Ok(())
}

/// `POST /api/v1/projects/{projectId}/environments`.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    input: &EnvironmentIn,
) -> ApiResult<EnvironmentOut> {
    let pid = project_id(raw_project, "params.projectId")?;
    let name = valid_name(&input.name)?;
    let slug = valid_slug(&input.slug)?;
    let position = valid_position(input.position)?;
    let mut tx = state.store.write().await?;
    let acc = access(state, &mut tx, actor, &pid, Need::Admin, "create", "environments").await?;
    slug_taken(&mut tx, &pid, &slug, None).await?;
    let now = now_ms();
    let row = EnvironmentRow {
        id: EnvironmentId::new(),
        project_id: pid.clone(),
        name,
        slug: slug.as_str().to_string(),
        position: environments::next_position(&mut tx, &pid).await?,
        created_at: now,
        updated_at: now,
    };
    environments::insert(&mut tx, &row).await?;
    if let Some(p) = position {
        place(&mut tx, &pid, &row.id, p).await?;
    }
    let created = env_by_id(&mut tx, &pid, &row.id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("create-environment")
            .org(&acc.org_id)
            .project(&pid)
            .target("environment", row.id.clone())
            .meta(json!({ "name": created.name, "slug": created.slug, "position": created.position })),
    )
    .await?;
    // Placing it may have moved the others: no cache serves their old positions.
    sluice_storage::change_counters::raise(&mut tx, &pid).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(environment_out(&created))
}

/// `GET /api/v1/projects/{projectId}/environments/{envId}`.
pub async fn get(state: &AppState, actor: &Actor, raw_project: &str, raw_env: &str) -> ApiResult<EnvironmentOut> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut conn = state.store.read().await?;
    access(state, &mut conn, actor, &pid, Need::Read, "read", "environments").await?;
    Ok(environment_out(&env_of(&mut conn, &pid, raw_env).await?))
}

/// `PATCH /api/v1/projects/{projectId}/environments/{id}`: name, slug, position.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw_env: &str,
    input: &EnvironmentPatch,
) -> ApiResult<EnvironmentOut> {
    let pid = project_id(raw_project, "params.projectId")?;
    let name = input.name.as_deref().map(valid_name).transpose()?;
    let slug = input.slug.as_deref().map(valid_slug).transpose()?;
    let position = valid_position(input.position)?;
    let mut tx = state.store.write().await?;
    let acc = access(state, &mut tx, actor, &pid, Need::Admin, "update", "environments").await?;
    let old = env_of(&mut tx, &pid, raw_env).await?;
    if let Some(s) = &slug {
        slug_taken(&mut tx, &pid, s, Some(&old.id)).await?;
    }
    let new_name = name.unwrap_or_else(|| old.name.clone());
    let new_slug = slug.map(|s| s.as_str().to_string()).unwrap_or_else(|| old.slug.clone());
    environments::update(&mut tx, &old.id, &new_name, &new_slug, old.position).await?;
    if let Some(p) = position {
        place(&mut tx, &pid, &old.id, p).await?;
    }
    let updated = env_by_id(&mut tx, &pid, &old.id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("update-environment")
            .org(&acc.org_id)
            .project(&pid)
            .target("environment", old.id.clone())
            .meta(json!({
                "oldName": old.name, "newName": updated.name,
                "oldSlug": old.slug, "newSlug": updated.slug,
                "oldPos": old.position, "newPos": updated.position,
            })),
    )
    .await?;
    // Lists show the environment's slug: answers kept by the read cache are made afresh.
    sluice_storage::change_counters::raise(&mut tx, &pid).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(environment_out(&updated))
}

/// `DELETE /api/v1/projects/{projectId}/environments/{id}`: the environment and its
/// folders and secrets. A project keeps at least one environment.
pub async fn delete(state: &AppState, actor: &Actor, raw_project: &str, raw_env: &str) -> ApiResult<EnvironmentOut> {
    let pid = project_id(raw_project, "params.projectId")?;
    let mut tx = state.store.write().await?;
    let acc = access(state, &mut tx, actor, &pid, Need::Admin, "delete", "environments").await?;
    let env = env_of(&mut tx, &pid, raw_env).await?;
    if environments::list(&mut tx, &pid).await?.len() <= 1 {
        return Err(ApiError::bad_request(format!(
            "Cannot delete environment '{}': it is the project's last environment, and a project needs at least one",
            env.slug
        )));
    }
    environments::delete(&mut tx, &env.id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("delete-environment")
            .org(&acc.org_id)
            .project(&pid)
            .target("environment", env.id.clone())
            .meta(json!({ "name": env.name, "slug": env.slug })),
    )
    .await?;
    sluice_storage::change_counters::raise(&mut tx, &pid).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(environment_out(&env))
}
