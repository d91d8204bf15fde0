//! Projects through the API: create (any organization member; the creator becomes project
//! admin), list, read, update and delete (project admins). A project the caller cannot see
//! answers the same 404 as one that does not exist.

use super::retention;
use super::service::create_project;
use super::wire::{SECRET_MANAGER, project_out};
use crate::auth::Actor;
use crate::auth::authz::{self, Need, ProjectAccess, project_not_found};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::orgs::service::{actor_orgs, resolve_org};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::projects::*;
use sluice_core::audit::{self, AuditEvent};
use sluice_crypto::tokens;
use sluice_domain::{OrgId, OrgRole, ProjectId, Slug};
use sluice_storage::projects::{self, ProjectRow};
use sluice_storage::{Conn, StorageError, environments};

/// Project slugs are at most this long (Infisical's limit).
pub const MAX_SLUG: usize = 36;

/// Parses a project id from a path; `field` names where (`params.projectId`).
pub fn project_id(raw: &str, field: &str) -> ApiResult<ProjectId> {
    parse_id(raw, field, ProjectId::parse)
}

/// The caller's access to a project, requiring `need`.
pub async fn access(
    state: &AppState,
    conn: &mut Conn,
    actor: &Actor,
    id: &ProjectId,
    need: Need,
    action: &str,
    subject: &str,
) -> ApiResult<ProjectAccess> {
    let access = authz::project(state, conn, actor, id).await?;
    access.require(need, action, subject)?;
    Ok(access)
}

pub fn parse_slug(raw: &str, field: &str) -> ApiResult<Slug> {
    Slug::parse(raw, "slug", MAX_SLUG).map_err(|e| ApiError::invalid(field, e.message))
}

fn valid_name(raw: &str, field: &str) -> ApiResult<String> {
    crate::extract::display_name(raw, field)
}

fn valid_description(raw: &str, field: &str) -> ApiResult<String> {
    crate::extract::free_text(raw, field, 1024)
}

/// A project row with its environments, in Infisical's shape.
pub async fn with_envs(conn: &mut Conn, p: &ProjectRow) -> ApiResult<ProjectOut> {
    let envs = environments::list(conn, &p.id).await?;
    Ok(project_out(p, &envs))
}

/// A free slug made from a project name: `my-app`, else `my-app-x7k2`.
async fn free_slug(conn: &mut Conn, org: &OrgId, name: &str) -> ApiResult<Slug> {
    let base: String =
        Slug::slugify(name).chars().take(MAX_SLUG - 5).collect::<String>().trim_end_matches('-').to_string();
    let base = if base.is_empty() { "project".to_string() } else { base };
    let mut slug = base.clone();
    while projects::get_by_slug(conn, org, &slug).await?.is_some() {
        let suffix: String = tokens::random_token("").chars().filter(char::is_ascii_alphanumeric).take(4).collect();
        slug = format!("{base}-{}", suffix.to_lowercase());
    }
    Ok(Slug::from_trusted(slug))
}

/// `POST /api/v1/projects`.
pub async fn create(state: &AppState, actor: &Actor, input: &ProjectIn) -> ApiResult<ProjectOut> {
    let name = valid_name(&input.project_name, "body.projectName")?;
    let description = valid_description(input.project_description.as_deref().unwrap_or(""), "body.projectDescription")?;
    if let Some(kind) = input.kind.as_deref().filter(|k| *k != SECRET_MANAGER) {
        return Err(ApiError::invalid(
            "body.type",
            format!("only secret-manager projects are supported (got \"{kind}\")"),
        ));
    }
    let slug = input.slug.as_deref().map(|s| parse_slug(s, "body.slug")).transpose()?;
    let mut tx = state.store.write().await?;
    let (org, _) = resolve_org(&mut tx, actor, input.organization_id.as_deref(), "body.organizationId").await?;
    let slug = match slug {
        Some(s) => s,
        None => free_slug(&mut tx, &org, &name).await?,
    };
    let project = create_project(&mut tx, state, &org, &name, &slug, &description, &actor.principal).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("create-project")
            .org(&org)
            .project(&project.id)
            .target("project", project.id.clone())
            .meta(json!({ "name": project.name, "slug": project.slug })),
    )
    .await?;
    let out = with_envs(&mut tx, &project).await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.forget_roles(&project.id);
    Ok(out)
}

/// `GET /api/v1/projects`: every project the caller can see, in all its organizations
/// (organization admins see all of an organization's projects).
pub async fn list(state: &AppState, actor: &Actor) -> ApiResult<Vec<ProjectOut>> {
    let mut conn = state.store.read().await?;
    let mut out = Vec::new();
    for (org, role) in actor_orgs(&mut conn, actor).await? {
        let rows = match role {
            OrgRole::Admin => projects::list_for_org(&mut conn, &org.id).await?,
            OrgRole::Member => projects::list_for_member(&mut conn, &org.id, &actor.principal).await?,
        };
        for p in &rows {
            out.push(with_envs(&mut conn, p).await?);
        }
    }
    Ok(out)
}

/// `GET /api/v1/projects/{projectId}`.
pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<ProjectOut> {
    let id = project_id(raw_id, "params.projectId")?;
    let mut conn = state.store.read().await?;
    access(state, &mut conn, actor, &id, Need::Read, "read", "the project").await?;
    let project = projects::get(&mut conn, &id).await?.ok_or_else(|| project_not_found(raw_id))?;
    with_envs(&mut conn, &project).await
}

/// `GET /api/v1/projects/slug/{slug}`.
pub async fn get_by_slug(state: &AppState, actor: &Actor, slug: &str) -> ApiResult<ProjectOut> {
    let not_found = || ApiError::not_found(format!("Project with slug '{slug}' not found"));
    let mut conn = state.store.read().await?;
    let project = projects::find_by_slug_for(&mut conn, &actor.principal, slug).await?.ok_or_else(not_found)?;
    authz::project(state, &mut conn, actor, &project.id).await.map_err(|_| not_found())?;
    with_envs(&mut conn, &project).await
}

/// `PATCH /api/v1/projects/{projectId}`: name, description, slug and `pitVersionLimit`
/// (project admins; see [`retention`]).
pub async fn update(state: &AppState, actor: &Actor, raw_id: &str, input: &ProjectPatch) -> ApiResult<ProjectOut> {
    let id = project_id(raw_id, "params.projectId")?;
    let name = input.name.as_deref().map(|n| valid_name(n, "body.name")).transpose()?;
    let description = input.description.as_deref().map(|d| valid_description(d, "body.description")).transpose()?;
    let slug = input.slug.as_deref().map(|s| parse_slug(s, "body.slug")).transpose()?;
    let limit =
        input.pit_version_limit.as_ref().map(|v| retention::parse_limit(v, "body.pitVersionLimit")).transpose()?;
    let mut tx = state.store.write().await?;
    let acc = access(state, &mut tx, actor, &id, Need::Admin, "update", "the project").await?;
    let old = projects::get(&mut tx, &id).await?.ok_or_else(|| project_not_found(raw_id))?;
    if let Some(s) = &slug
        && projects::get_by_slug(&mut tx, &acc.org_id, s.as_str()).await?.is_some_and(|p| p.id != old.id)
    {
        return Err(ApiError::bad_request(format!(
            "A project with the slug \"{s}\" already exists in this organization"
        )));
    }
    let new_name = name.unwrap_or_else(|| old.name.clone());
    let new_slug = slug.map(|s| s.as_str().to_string()).unwrap_or_else(|| old.slug.clone());
    let new_description = description.unwrap_or_else(|| old.description.clone());
    projects::update(&mut tx, &id, &new_name, &new_slug, &new_description).await?;
    let mut meta = json!({ "oldName": old.name, "newName": new_name, "oldSlug": old.slug, "newSlug": new_slug });
    let change = match limit {
        Some(limit) => Some(retention::apply_limit(&mut tx, &old, limit).await?),
        None => None,
    };
    if let (Some(c), Some(m)) = (&change, meta.as_object_mut()) {
        m.extend(retention::audit_meta(c).as_object().cloned().unwrap_or_default());
    }
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("update-project").org(&acc.org_id).project(&id).target("project", id.as_str()).meta(meta),
    )
    .await?;
    let updated = projects::get(&mut tx, &id).await?.ok_or_else(|| project_not_found(raw_id))?;
    let out = with_envs(&mut tx, &updated).await?;
    tx.commit().await.map_err(StorageError::from)?;
    if let Some(c) = &change {
        retention::reclaim_after(state, c).await;
    }
    Ok(out)
}

/// `DELETE /api/v1/projects/{projectId}`: the project and everything in it (project admins).
pub async fn delete(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<ProjectOut> {
    let id = project_id(raw_id, "params.projectId")?;
    let mut tx = state.store.write().await?;
    let acc = access(state, &mut tx, actor, &id, Need::Admin, "delete", "the project").await?;
    let project = projects::get(&mut tx, &id).await?.ok_or_else(|| project_not_found(raw_id))?;
    let out = with_envs(&mut tx, &project).await?;
    // Before the delete (which takes the counter's row with it): what was kept of the
    // project's reads is not served again.
    sluice_storage::change_counters::raise(&mut tx, &id).await?;
    projects::delete(&mut tx, &id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new("delete-project")
            .org(&acc.org_id)
            .project(&id)
            .target("project", id.as_str())
            .meta(json!({ "name": project.name, "slug": project.slug })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    state.forget_roles(&id);
    state.core.keys().forget_project(&id);
    Ok(out)
}
