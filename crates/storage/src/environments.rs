//! Environments of a project (`dev`, `staging`, `prod`, …). Creating one also creates its
//! root folder.

use crate::{Conn, Result, folders, now_ms};
use sluice_domain::{EnvironmentId, ProjectId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnvironmentRow {
    pub id: EnvironmentId,
    pub project_id: ProjectId,
    pub name: String,
    pub slug: String,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Inserts an environment and its root folder.
pub async fn insert(conn: &mut Conn, row: &EnvironmentRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO environments (id, project_id, name, slug, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&row.id)
    .bind(&row.project_id)
    .bind(&row.name)
    .bind(&row.slug)
    .bind(row.position)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(&mut *conn)
    .await?;
    folders::insert_root(conn, &row.project_id, &row.id).await?;
    Ok(())
}

pub async fn list(conn: &mut Conn, project: &ProjectId) -> Result<Vec<EnvironmentRow>> {
    Ok(sqlx::query_as("SELECT * FROM environments WHERE project_id = $1 ORDER BY position, created_at")
        .bind(project.as_str())
        .fetch_all(conn)
        .await?)
}

pub async fn get(conn: &mut Conn, id: &EnvironmentId) -> Result<Option<EnvironmentRow>> {
    Ok(sqlx::query_as("SELECT * FROM environments WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn get_by_slug(conn: &mut Conn, project: &ProjectId, slug: &str) -> Result<Option<EnvironmentRow>> {
    Ok(sqlx::query_as("SELECT * FROM environments WHERE project_id = $1 AND slug = $2")
        .bind(project.as_str())
        .bind(slug)
        .fetch_optional(conn)
        .await?)
}

pub async fn update(conn: &mut Conn, id: &EnvironmentId, name: &str, slug: &str, position: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE environments SET name = $1, slug = $2, position = $3, updated_at = $4 WHERE id = $5")
            .bind(name)
            .bind(slug)
            .bind(position)
            .bind(now_ms())
            .bind(id.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, id: &EnvironmentId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM environments WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn next_position(conn: &mut Conn, project: &ProjectId) -> Result<i64> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM environments WHERE project_id = $1")
        .bind(project.as_str())
        .fetch_one(conn)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Moves an environment to another place in its project's order.
pub async fn set_position(conn: &mut Conn, id: &EnvironmentId, position: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE environments SET position = $1 WHERE id = $2")
        .bind(position)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
