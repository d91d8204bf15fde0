//! Environments and folders by name: the lookups every read and write starts from, and
//! the errors that name what is missing (the same words for every caller).

use crate::error::{CoreError, CoreResult};
use sluice_domain::{EnvironmentId, FolderPath, ProjectId};
use sluice_storage::Conn;
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::folders::{self, FolderRow};

/// An environment of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Env {
    pub id: EnvironmentId,
    pub slug: String,
    pub name: String,
}

impl From<EnvironmentRow> for Env {
    fn from(r: EnvironmentRow) -> Self {
        Self { id: r.id, slug: r.slug, name: r.name }
    }
}

pub fn env_not_found(slug: &str, project: &ProjectId) -> CoreError {
    CoreError::EnvironmentNotFound { slug: slug.to_string(), project: project.clone() }
}

pub fn folder_not_found(path: &FolderPath, env_slug: &str) -> CoreError {
    CoreError::FolderNotFound { path: path.clone(), environment: env_slug.to_string() }
}

/// An environment of `project` by slug (or by id, as the sync engine may pass).
pub async fn environment(conn: &mut Conn, project: &ProjectId, slug_or_id: &str) -> CoreResult<Env> {
    let slug_or_id = slug_or_id.trim();
    let mut found = environments::get_by_slug(conn, project, slug_or_id).await?;
    if found.is_none()
        && let Some(id) = EnvironmentId::parse(slug_or_id)
    {
        found = environments::get(conn, &id).await?.filter(|e| e.project_id == *project);
    }
    found.map(Env::from).ok_or_else(|| env_not_found(slug_or_id, project))
}

/// The folder at `path` of an environment, or an error naming it.
pub async fn folder(conn: &mut Conn, env: &Env, path: &FolderPath) -> CoreResult<FolderRow> {
    folders::get_by_path(conn, &env.id, path).await?.ok_or_else(|| folder_not_found(path, &env.slug))
}
