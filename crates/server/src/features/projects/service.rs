//! Creating and changing projects.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sluice_domain::{EnvironmentId, OrgId, ProjectId, ProjectRole, Slug};
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::memberships::{self, Principal};
use sluice_storage::projects::{self, ProjectRow};
use sluice_storage::{Conn, now_ms};

/// The environments a new project starts with: (name, slug).
pub const DEFAULT_ENVIRONMENTS: [(&str, &str); 3] =
    [("Development", "dev"), ("Staging", "staging"), ("Production", "prod")];

/// Creates a project with its data key, the default environments (each with a root
/// folder) and the creator as admin. Runs inside the caller's transaction.
pub async fn create_project(
    conn: &mut Conn,
    state: &AppState,
    org: &OrgId,
    name: &str,
    slug: &Slug,
    description: &str,
    creator: &Principal,
) -> ApiResult<ProjectRow> {
    let id = ProjectId::new();
    let (_key, wrapped) = state.core.keys().new_project_key(&id)?;
    let now = now_ms();
    let row = ProjectRow {
        id: id.clone(),
        org_id: org.clone(),
        name: name.to_string(),
        slug: slug.as_str().to_string(),
        description: description.to_string(),
        data_key_wrapped: wrapped,
        pit_version_limit: sluice_domain::VersionLimit::DEFAULT.get(),
        created_at: now,
        updated_at: now,
    };
    projects::insert(conn, &row).await.map_err(|e| {
        if e.is_conflict() {
            ApiError::bad_request(format!("A project with the slug \"{slug}\" already exists in this organization"))
        } else {
            e.into()
        }
    })?;
    for (position, (env_name, env_slug)) in DEFAULT_ENVIRONMENTS.iter().enumerate() {
        environments::insert(
            conn,
            &EnvironmentRow {
                id: EnvironmentId::new(),
                project_id: row.id.clone(),
                name: (*env_name).to_string(),
                slug: (*env_slug).to_string(),
                position: position as i64 + 1,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    memberships::add_project_member(conn, &id, creator, ProjectRole::Admin).await?;
    Ok(row)
}
