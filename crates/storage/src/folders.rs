//! Folders of an environment. Every environment has a root folder (`/`); each folder
//! keeps its full path for lookups.

use crate::{Conn, Result, now_ms};
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FolderRow {
    pub id: String,
    pub project_id: String,
    pub environment_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub path: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FolderRow {
    pub fn id(&self) -> FolderId {
        FolderId::from_trusted(self.id.clone())
    }
    pub fn path(&self) -> FolderPath {
        FolderPath::from_trusted(self.path.clone())
    }
}

pub async fn insert_root(conn: &mut Conn, project: &ProjectId, env: &EnvironmentId) -> Result<FolderRow> {
    let now = now_ms();
    let row = FolderRow {
        id: FolderId::new().into_string(),
        project_id: project.as_str().to_string(),
        environment_id: env.as_str().to_string(),
        parent_id: None,
        name: "root".to_string(),
        path: "/".to_string(),
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
