//! Organizations.

use crate::{Conn, Result};
use sluice_domain::OrgId;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert(conn: &mut Conn, row: &OrgRow) -> Result<()> {
    sqlx::query("INSERT INTO organizations (id, name, slug, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&row.id)
        .bind(&row.name)
        .bind(&row.slug)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &OrgId) -> Result<Option<OrgRow>> {
    Ok(sqlx::query_as("SELECT * FROM organizations WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(conn).await?)
}

/// Every organization's id (for instance-wide audit entries, such as a client IP locked
/// out of signing in).
pub async fn all_ids(conn: &mut Conn) -> Result<Vec<OrgId>> {
    Ok(sqlx::query_scalar("SELECT id FROM organizations ORDER BY created_at").fetch_all(conn).await?)
}

/// Organizations a user or identity belongs to.
pub async fn list_for_member(conn: &mut Conn, principal: &crate::memberships::Principal) -> Result<Vec<OrgRow>> {
    let (col, id) = principal.column();
    let sql = format!(
        "SELECT o.* FROM organizations o JOIN org_memberships m ON m.org_id = o.id WHERE m.{col} = $1 ORDER BY o.name"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(conn).await?)
}

pub async fn get_by_slug(conn: &mut Conn, slug: &str) -> Result<Option<OrgRow>> {
    Ok(sqlx::query_as("SELECT * FROM organizations WHERE slug = $1").bind(slug).fetch_optional(conn).await?)
}
