//! Where a request points: the project (by `workspaceId`/`projectId`, or for machine
//! identities by `workspaceSlug`/`projectSlug`), the environment (slug, or id) and the
//! folder path, checked against the caller's access. Shared by secrets, folders and
//! imports so every endpoint names missing things with the same words.

use crate::auth::Actor;
use crate::auth::authz::{self, Need, ProjectAccess, project_not_found};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sluice_api_types::secrets::ProjectSelector;
use sluice_core::secrets::place;
use sluice_domain::{FolderPath, ProjectId};
use sluice_storage::folders::FolderRow;
use sluice_storage::memberships::Principal;
use sluice_storage::{Conn, projects};

/// Where the request's parameters came from, to name fields in errors (`query.environment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Query,
    Body,
}

impl Source {
    pub fn field(self, name: &str) -> String {
        match self {
            Self::Query => format!("query.{name}"),
            Self::Body => format!("body.{name}"),
        }
    }
}

/// The project, environment and path a request is about, with the caller's access.
#[derive(Clone, Debug)]
pub struct Scope {
    pub access: ProjectAccess,
    pub env: Env,
    pub path: FolderPath,
}

impl Scope {
    pub fn project(&self) -> &ProjectId {
        &self.access.project_id
    }
}

pub use sluice_core::secrets::Env;
pub use sluice_core::secrets::place::{env_not_found, folder_not_found};

/// The project a selector names. Ids that are not UUIDs answer the same 404 as unknown ones.
pub async fn project_of(conn: &mut Conn, actor: &Actor, sel: &ProjectSelector, src: Source) -> ApiResult<ProjectId> {
    let id = sel.workspace_id.as_deref().or(sel.project_id.as_deref()).map(str::trim).filter(|s| !s.is_empty());
    if let Some(raw) = id {
        return ProjectId::parse(raw).ok_or_else(|| project_not_found(raw));
    }
    let slug = sel.workspace_slug.as_deref().or(sel.project_slug.as_deref()).map(str::trim).filter(|s| !s.is_empty());
    let Some(slug) = slug else {
        return Err(ApiError::invalid(
            src.field("workspaceId"),
            "a project is required: give workspaceId (or projectId, workspaceSlug, projectSlug)",
        ));
    };
    let found = match (&actor.principal, &actor.org_id) {
        (Principal::Identity(_), Some(org)) => projects::get_by_slug(conn, org, slug).await?,
        (who, _) => projects::find_by_slug_for(conn, who, slug).await?,
    };
    found.map(|p| p.id.clone()).ok_or_else(|| ApiError::not_found(format!("Project with slug '{slug}' not found")))
}

/// An environment of `project` by slug (or by id, as the sync engine may pass).
pub async fn environment(conn: &mut Conn, project: &ProjectId, slug_or_id: &str) -> ApiResult<Env> {
    Ok(place::environment(conn, project, slug_or_id).await?)
}

/// Parses a folder path parameter (default `/`).
pub fn path_param(raw: Option<&str>, field: &str) -> ApiResult<FolderPath> {
    match raw {
        None => Ok(FolderPath::root()),
        Some(p) => FolderPath::parse_field(p, field).map_err(|e| ApiError::invalid(field, e.message)),
    }
}

/// The environment slug parameter, required.
pub fn env_param(raw: Option<&str>, src: Source) -> ApiResult<&str> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid(src.field("environment"), "environment (the environment's slug) is required"))
}

/// What a request names: project, environment and path, and where they came from.
#[derive(Clone, Copy, Debug)]
pub struct At<'a> {
    pub project: &'a ProjectSelector,
    pub environment: Option<&'a str>,
    pub path: Option<&'a str>,
    pub src: Source,
    /// The path parameter's name (`secretPath` or `path`).
    pub path_field: &'static str,
}

/// What the caller must be allowed: the level and the words of the 403.
#[derive(Clone, Copy, Debug)]
pub struct Allowed<'a> {
    pub need: Need,
    pub action: &'a str,
    pub subject: &'a str,
}

pub const READ_SECRETS: Allowed<'static> = Allowed { need: Need::Read, action: "read", subject: "secrets" };

/// Checks the parameters and the caller's access, and resolves the environment.
pub async fn scope(
    state: &AppState,
    conn: &mut Conn,
    actor: &Actor,
    at: At<'_>,
    allowed: Allowed<'_>,
) -> ApiResult<Scope> {
    let env_slug = env_param(at.environment, at.src)?;
    let path = path_param(at.path, &at.src.field(at.path_field))?;
    let project = project_of(conn, actor, at.project, at.src).await?;
    let access = authz::project(state, conn, actor, &project).await?;
    access.require(allowed.need, allowed.action, allowed.subject)?;
    let env = environment(conn, &project, env_slug).await?;
    Ok(Scope { access, env, path })
}

/// The folder at the scope's path, or 404 naming it.
pub async fn folder(conn: &mut Conn, scope: &Scope) -> ApiResult<FolderRow> {
    Ok(place::folder(conn, &scope.env, &scope.path).await?)
}
