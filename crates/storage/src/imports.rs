//! Secret imports: a folder importing the secrets of another environment and path of the
//! same project, in `position` order (1, 2, …). The imported path is kept as text, as in
//! Infisical, so an import may point at a folder that does not exist (yet).

use crate::{Conn, Result, now_ms};
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId, SecretImportId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub id: SecretImportId,
    pub project_id: ProjectId,
    pub folder_id: FolderId,
    pub import_environment_id: EnvironmentId,
    pub import_path: FolderPath,
    pub position: i64,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub is_replication: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert(conn: &mut Conn, row: &ImportRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO secret_imports (id, project_id, folder_id, import_environment_id, import_path, position,
           is_replication, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.project_id)
    .bind(&row.folder_id)
    .bind(&row.import_environment_id)
    .bind(&row.import_path)
    .bind(row.position)
    .bind(row.is_replication)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &SecretImportId) -> Result<Option<ImportRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_imports WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

/// A folder's imports in position order.
pub async fn list(conn: &mut Conn, folder: &FolderId) -> Result<Vec<ImportRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_imports WHERE folder_id = $1 ORDER BY position, created_at")
        .bind(folder.as_str())
        .fetch_all(conn)
        .await?)
}

/// The position after a folder's last import.
pub async fn next_position(conn: &mut Conn, folder: &FolderId) -> Result<i64> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM secret_imports WHERE folder_id = $1")
        .bind(folder.as_str())
        .fetch_one(conn)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Points an import at another environment and path, at `position`.
pub async fn update(
    conn: &mut Conn,
    id: &SecretImportId,
    env: &EnvironmentId,
    path: &str,
    position: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE secret_imports SET import_environment_id = $1, import_path = $2, position = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(env.as_str())
    .bind(path)
    .bind(position)
    .bind(now_ms())
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites a folder's import positions to 1..n in the given order.
pub async fn set_order(conn: &mut Conn, ordered: &[SecretImportId]) -> Result<()> {
    let now = now_ms();
    for (i, id) in ordered.iter().enumerate() {
        sqlx::query("UPDATE secret_imports SET position = $1, updated_at = $2 WHERE id = $3")
            .bind(i as i64 + 1)
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: &SecretImportId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM secret_imports WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// After a folder move in `env`, points imports of the old path (or below it) at the new one.
pub async fn rewrite_paths(conn: &mut Conn, env: &EnvironmentId, old: &str, new: &str) -> Result<u64> {
    let exact =
        sqlx::query("UPDATE secret_imports SET import_path = $1 WHERE import_environment_id = $2 AND import_path = $3")
            .bind(new)
            .bind(env.as_str())
            .bind(old)
            .execute(&mut *conn)
            .await?;
    let old_prefix = format!("{old}/");
    let new_prefix = format!("{new}/");
    let below = sqlx::query(
        "UPDATE secret_imports SET import_path = $1 || substr(import_path, CAST($2 AS INTEGER))
         WHERE import_environment_id = $3 AND substr(import_path, 1, CAST($4 AS INTEGER)) = $5",
    )
    .bind(&new_prefix)
    .bind(old_prefix.chars().count() as i64 + 1)
    .bind(env.as_str())
    .bind(old_prefix.chars().count() as i64)
    .bind(&old_prefix)
    .execute(conn)
    .await?;
    Ok(exact.rows_affected() + below.rows_affected())
}
