//! Project tags: list and read (viewers), create, edit and delete (members). Slugs are
//! unique in a project; deleting a tag unlinks it from every secret. Each write is audited
//! with the tag's slug and color (tags are not secret).

use crate::auth::authz::{Need, ProjectAccess};
use crate::auth::{Actor, ActorKind};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::features::projects::manage::{access, project_id};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::iso;
use sluice_api_types::tags::{ProjectTagOut, TagIn, TagPatch};
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::{Slug, TagId};
use sluice_storage::tags::{self, TagRow};
use sluice_storage::{Conn, now_ms};

/// Longest tag slug (Infisical's limit).
pub const SLUG_MAX: usize = 64;
/// Longest color (a hex color such as `#3b82f6`, or a color name).
pub const COLOR_MAX: usize = 32;

const SUBJECT: &str = "tags";

pub fn tag_out(row: &TagRow) -> ProjectTagOut {
    ProjectTagOut {
        id: row.id.to_string(),
        slug: row.slug.clone(),
        name: row.slug.clone(),
        color: row.color.clone(),
        project_id: row.project_id.to_string(),
        created_by: row.created_by.clone(),
        created_by_actor_type: row.created_by_actor_type.clone(),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}

async fn allowed(
    state: &AppState,
    conn: &mut Conn,
    actor: &Actor,
    raw_project: &str,
    need: Need,
    action: &str,
) -> ApiResult<ProjectAccess> {
    let pid = project_id(raw_project, "params.projectId")?;
    access(state, conn, actor, &pid, need, action, SUBJECT).await
}

fn not_found(what: &str) -> ApiError {
    ApiError::not_found(format!("Tag {what} not found"))
}

/// A tag of the project in `access`; another project's tag answers 404 as a missing one.
async fn tag_of(conn: &mut Conn, access: &ProjectAccess, raw: &str) -> ApiResult<TagRow> {
    let id = parse_id(raw, "params.tagId", TagId::parse)?;
    tags::get(conn, &id)
        .await?
        .filter(|t| t.project_id == access.project_id)
        .ok_or_else(|| not_found(&format!("with ID '{raw}'")))
}

fn slug_in(raw: &str, field: &str) -> ApiResult<String> {
    Ok(Slug::parse(raw, "slug", SLUG_MAX).map_err(|e| ApiError::invalid(field, e.message))?.to_string())
}

fn color_in(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(c) = raw.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    // A hex color (`#3b82f6`) or a color name: it ends up in a style property.
    let hex = c
        .strip_prefix('#')
        .is_some_and(|h| [3, 4, 6, 8].contains(&h.len()) && h.chars().all(|ch| ch.is_ascii_hexdigit()));
    let name = c.chars().all(|ch| ch.is_ascii_alphabetic());
    if c.chars().count() > COLOR_MAX || !(hex || name) {
        return Err(ApiError::invalid(
            "body.color",
            format!("color must be a hex color such as #3b82f6 or a color name, at most {COLOR_MAX} characters"),
        ));
    }
    Ok(Some(c.to_string()))
}

fn duplicate(slug: &str) -> ApiError {
    ApiError::bad_request(format!("A tag with the slug '{slug}' already exists in this project"))
}

async fn record(conn: &mut Conn, actor: &Actor, action: &'static str, row: &TagRow) -> ApiResult<()> {
    let event = AuditEvent::new(action)
        .project(&row.project_id)
        .target("tag", row.id.clone())
        .meta(json!({ "slug": row.slug, "color": row.color }));
    audit::record(conn, actor, event).await?;
    Ok(())
}

pub async fn list(state: &AppState, actor: &Actor, raw_project: &str) -> ApiResult<Vec<ProjectTagOut>> {
    let mut conn = state.store.read().await?;
    let access = allowed(state, &mut conn, actor, raw_project, Need::Read, "read").await?;
    Ok(tags::list(&mut conn, &access.project_id).await?.iter().map(tag_out).collect())
}

pub async fn get(state: &AppState, actor: &Actor, raw_project: &str, raw_tag: &str) -> ApiResult<ProjectTagOut> {
    let mut conn = state.store.read().await?;
    let access = allowed(state, &mut conn, actor, raw_project, Need::Read, "read").await?;
    Ok(tag_out(&tag_of(&mut conn, &access, raw_tag).await?))
}

pub async fn get_by_slug(state: &AppState, actor: &Actor, raw_project: &str, slug: &str) -> ApiResult<ProjectTagOut> {
    let mut conn = state.store.read().await?;
    let access = allowed(state, &mut conn, actor, raw_project, Need::Read, "read").await?;
    let row = tags::get_by_slug(&mut conn, &access.project_id, slug.trim())
        .await?
        .ok_or_else(|| not_found(&format!("with slug '{}'", slug.trim())))?;
    Ok(tag_out(&row))
}

pub async fn create(state: &AppState, actor: &Actor, raw_project: &str, body: &TagIn) -> ApiResult<ProjectTagOut> {
    let (raw, field) = match (&body.slug, &body.name) {
        (Some(s), _) => (s.as_str(), "body.slug"),
        (None, Some(n)) => (n.as_str(), "body.name"),
        (None, None) => return Err(ApiError::invalid("body.slug", "slug is required")),
    };
    let slug = slug_in(raw, field)?;
    let color = color_in(body.color.as_deref())?;
    let mut tx = state.store.write().await?;
    let access = allowed(state, &mut tx, actor, raw_project, Need::Write, "create").await?;
    if tags::get_by_slug(&mut tx, &access.project_id, &slug).await?.is_some() {
        return Err(duplicate(&slug));
    }
    let now = now_ms();
    let row = TagRow {
        id: TagId::new(),
        project_id: access.project_id.clone(),
        slug,
        color,
        created_by: Some(actor.principal.column().1.to_string()),
        created_by_actor_type: Some(
            match actor.kind() {
                ActorKind::User => "user",
                ActorKind::Identity => "identity",
            }
            .to_string(),
        ),
        created_at: now,
        updated_at: now,
    };
    tags::insert(&mut tx, &row).await.map_err(|e| if e.is_conflict() { duplicate(&row.slug) } else { e.into() })?;
    record(&mut tx, actor, "create-tag", &row).await?;
    tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    Ok(tag_out(&row))
}

pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    raw_tag: &str,
    body: &TagPatch,
) -> ApiResult<ProjectTagOut> {
    let slug = match (&body.slug, &body.name) {
        (Some(s), _) => Some(slug_in(s, "body.slug")?),
        (None, Some(n)) => Some(slug_in(n, "body.name")?),
        (None, None) => None,
    };
    let color = match &body.color {
        None => None,
        Some(c) => Some(color_in(Some(c))?),
    };
    let mut tx = state.store.write().await?;
    let access = allowed(state, &mut tx, actor, raw_project, Need::Write, "edit").await?;
    let mut row = tag_of(&mut tx, &access, raw_tag).await?;
    if let Some(slug) = slug
        && slug != row.slug
    {
        if tags::get_by_slug(&mut tx, &access.project_id, &slug).await?.is_some() {
            return Err(duplicate(&slug));
        }
        row.slug = slug;
    }
    if let Some(color) = color {
        row.color = color;
    }
    tags::update(&mut tx, &row.id, &row.slug, row.color.as_deref())
        .await
        .map_err(|e| if e.is_conflict() { duplicate(&row.slug) } else { e.into() })?;
    let row = tags::get(&mut tx, &row.id).await?.unwrap_or(row);
    record(&mut tx, actor, "update-tag", &row).await?;
    // Lists show tags: answers kept by the read cache are made afresh.
    sluice_storage::change_counters::raise(&mut tx, &access.project_id).await?;
    tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    Ok(tag_out(&row))
}

pub async fn delete(state: &AppState, actor: &Actor, raw_project: &str, raw_tag: &str) -> ApiResult<ProjectTagOut> {
    let mut tx = state.store.write().await?;
    let access = allowed(state, &mut tx, actor, raw_project, Need::Write, "delete").await?;
    let row = tag_of(&mut tx, &access, raw_tag).await?;
    tags::delete(&mut tx, &row.id).await?;
    record(&mut tx, actor, "delete-tag", &row).await?;
    sluice_storage::change_counters::raise(&mut tx, &access.project_id).await?;
    tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    Ok(tag_out(&row))
}
