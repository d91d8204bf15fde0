//! Folders of an environment. Every environment has a root folder (`/`); each folder
//! keeps its full path for lookups.

use crate::{Conn, Result, now_ms};
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FolderRow {
    pub id: FolderId,
    pub project_id: ProjectId,
    pub environment_id: EnvironmentId,
    pub parent_id: Option<FolderId>,
    pub name: String,
    pub path: FolderPath,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert_root(conn: &mut Conn, project: &ProjectId, env: &EnvironmentId) -> Result<FolderRow> {
    let now = now_ms();
    let row = FolderRow {
        id: FolderId::new(),
        project_id: project.clone(),
        environment_id: env.clone(),
        parent_id: None,
        name: "root".to_string(),
        path: FolderPath::root(),
        description: String::new(),
        created_at: now,
        updated_at: now,
    };
    insert(conn, &row).await?;
    Ok(row)
}

pub async fn insert(conn: &mut Conn, row: &FolderRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO folders (id, project_id, environment_id, parent_id, name, path, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.project_id)
    .bind(&row.environment_id)
    .bind(&row.parent_id)
    .bind(&row.name)
    .bind(&row.path)
    .bind(&row.description)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &FolderId) -> Result<Option<FolderRow>> {
    Ok(sqlx::query_as("SELECT * FROM folders WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn get_by_path(conn: &mut Conn, env: &EnvironmentId, path: &FolderPath) -> Result<Option<FolderRow>> {
    Ok(sqlx::query_as("SELECT * FROM folders WHERE environment_id = $1 AND path = $2")
        .bind(env.as_str())
        .bind(path.as_str())
        .fetch_optional(conn)
        .await?)
}

/// The direct subfolders of a folder, by name.
pub async fn children(conn: &mut Conn, parent: &FolderId) -> Result<Vec<FolderRow>> {
    Ok(sqlx::query_as("SELECT * FROM folders WHERE parent_id = $1 ORDER BY name")
        .bind(parent.as_str())
        .fetch_all(conn)
        .await?)
}

/// A folder and every folder below it, by path (parents before children).
pub async fn subtree(conn: &mut Conn, env: &EnvironmentId, path: &FolderPath) -> Result<Vec<FolderRow>> {
    if path.is_root() {
        return Ok(sqlx::query_as("SELECT * FROM folders WHERE environment_id = $1 ORDER BY path")
            .bind(env.as_str())
            .fetch_all(conn)
            .await?);
    }
    // No LIKE: `_` is a wildcard there and a legal folder-name character.
    let prefix = format!("{}/", path.as_str());
    Ok(sqlx::query_as(
        "SELECT * FROM folders WHERE environment_id = $1
           AND (path = $2 OR substr(path, 1, CAST($3 AS INTEGER)) = $4) ORDER BY path",
    )
    .bind(env.as_str())
    .bind(path.as_str())
    .bind(prefix.chars().count() as i64)
    .bind(&prefix)
    .fetch_all(conn)
    .await?)
}

/// Renames a folder and rewrites the paths of every folder below it. Secrets stay where
/// they are: they belong to folder ids, and their ciphertexts are bound to ids, not paths.
pub async fn rename(
    conn: &mut Conn,
    folder: &FolderRow,
    new_name: &str,
    new_path: &FolderPath,
    description: &str,
) -> Result<()> {
    let now = now_ms();
    let old_prefix = format!("{}/", folder.path);
    let new_prefix = format!("{}/", new_path.as_str());
    sqlx::query(
        "UPDATE folders SET path = $1 || substr(path, CAST($2 AS INTEGER)), updated_at = $3
         WHERE environment_id = $4 AND substr(path, 1, CAST($5 AS INTEGER)) = $6",
    )
    .bind(&new_prefix)
    .bind(old_prefix.chars().count() as i64 + 1)
    .bind(now)
    .bind(&folder.environment_id)
    .bind(old_prefix.chars().count() as i64)
    .bind(&old_prefix)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE folders SET name = $1, path = $2, description = $3, updated_at = $4 WHERE id = $5")
        .bind(new_name)
        .bind(new_path.as_str())
        .bind(description)
        .bind(now)
        .bind(&folder.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Changes only a folder's description.
pub async fn set_description(conn: &mut Conn, id: &FolderId, description: &str) -> Result<()> {
    sqlx::query("UPDATE folders SET description = $1, updated_at = $2 WHERE id = $3")
        .bind(description)
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a folder; its subfolders, secrets and imports go with it (foreign keys cascade).
pub async fn delete(conn: &mut Conn, id: &FolderId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM folders WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
