//! Projects. Each holds its data key, wrapped by the root key.

use crate::memberships::Principal;
use crate::{Conn, Result, now_ms};
use sluice_domain::{OrgId, ProjectId};

#[derive(Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub org_id: OrgId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub data_key_wrapped: Vec<u8>,
    /// How many versions each secret keeps (Infisical's `pitVersionLimit`, 1 to 100).
    pub pit_version_limit: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ProjectRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectRow").field("id", &self.id).field("slug", &self.slug).finish_non_exhaustive()
    }
}

pub async fn insert(conn: &mut Conn, row: &ProjectRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO projects (id, org_id, name, slug, description, data_key_wrapped, pit_version_limit, created_at,
           updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.org_id)
    .bind(&row.name)
    .bind(&row.slug)
    .bind(&row.description)
    .bind(&row.data_key_wrapped)
    .bind(row.pit_version_limit)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &ProjectId) -> Result<Option<ProjectRow>> {
    Ok(sqlx::query_as("SELECT * FROM projects WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn get_by_slug(conn: &mut Conn, org: &OrgId, slug: &str) -> Result<Option<ProjectRow>> {
    Ok(sqlx::query_as("SELECT * FROM projects WHERE org_id = $1 AND slug = $2")
        .bind(org.as_str())
        .bind(slug)
        .fetch_optional(conn)
        .await?)
}

/// Finds a project by slug among the organizations of a principal (Infisical's clients may
/// name a project by slug alone).
pub async fn find_by_slug_for(conn: &mut Conn, who: &Principal, slug: &str) -> Result<Option<ProjectRow>> {
    let (col, id) = who.column();
    let sql = format!(
        "SELECT p.* FROM projects p JOIN org_memberships m ON m.org_id = p.org_id
         WHERE m.{col} = $1 AND p.slug = $2 ORDER BY p.created_at LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(slug).fetch_optional(conn).await?)
}

/// Projects of an organization that the principal is a member of.
pub async fn list_for_member(conn: &mut Conn, org: &OrgId, who: &Principal) -> Result<Vec<ProjectRow>> {
    let (col, id) = who.column();
    let sql = format!(
        "SELECT p.* FROM projects p JOIN project_memberships m ON m.project_id = p.id
         WHERE p.org_id = $1 AND m.{col} = $2 ORDER BY p.name"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_all(conn).await?)
}

pub async fn list_for_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<ProjectRow>> {
    Ok(sqlx::query_as("SELECT * FROM projects WHERE org_id = $1 ORDER BY name")
        .bind(org.as_str())
        .fetch_all(conn)
        .await?)
}

pub async fn update(conn: &mut Conn, id: &ProjectId, name: &str, slug: &str, description: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE projects SET name = $1, slug = $2, description = $3, updated_at = $4 WHERE id = $5")
        .bind(name)
        .bind(slug)
        .bind(description)
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets how many versions each secret of the project keeps (pruning is the caller's:
/// [`crate::secrets::prune_project_versions`]).
pub async fn set_version_limit(conn: &mut Conn, id: &ProjectId, limit: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE projects SET pit_version_limit = $1, updated_at = $2 WHERE id = $3")
        .bind(limit)
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, id: &ProjectId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM projects WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// The wrapped data key of a project, for the key cache.
pub async fn wrapped_key(conn: &mut Conn, id: &ProjectId) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("SELECT data_key_wrapped FROM projects WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?)
}
