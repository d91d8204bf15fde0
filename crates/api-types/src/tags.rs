//! Project tags (`/api/v1/projects/{projectId}/tags` and the older
//! `/api/v1/workspace/{projectId}/tags`). The newer paths answer `{tag}` / `{tags}`, the
//! older `{workspaceTag}` / `{workspaceTags}`; single-tag answers on the older paths carry
//! both keys, so a client of either generation finds its own.

use serde::{Deserialize, Serialize};

/// Body of `POST …/tags`. `name` is the older clients' spelling of `slug`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagIn {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub color: Option<String>,
}

/// Body of `PATCH …/tags/{tagId}`: absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub color: Option<String>,
}

/// A project tag. `name` is the slug (Infisical keeps both).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectTagOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub color: Option<String>,
    pub project_id: String,
    pub created_by: Option<String>,
    pub created_by_actor_type: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `{tag}` (projects paths).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagEnvelope {
    pub tag: ProjectTagOut,
}

/// `{tags}` (projects paths).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagsOut {
    pub tags: Vec<ProjectTagOut>,
}

/// `{workspaceTag, tag}` (workspace paths).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTagEnvelope {
    pub workspace_tag: ProjectTagOut,
    pub tag: ProjectTagOut,
}

/// `{workspaceTags}` (workspace paths).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTagsOut {
    pub workspace_tags: Vec<ProjectTagOut>,
}
