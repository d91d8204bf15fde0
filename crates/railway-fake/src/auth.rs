//! Who is asking, and what they may see (reference §2.2 and §10.3).
//!
//! `Authorization: Bearer` carries account and workspace tokens, `Project-Access-Token` carries
//! project tokens; a token sent in the other header is unknown. The scope checks answer one
//! question each ("may this principal read that environment's variables?"); resolvers turn a
//! `false` into `Not Authorized`, the same answer Railway gives for ids that do not exist.

use axum::http::HeaderMap;

use crate::seed::TokenKind;
use crate::state::{Environment, Project, RequestAuth, World};

/// The token headers of a request. `Debug` never shows the values.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    bearer: Option<String>,
    project: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("project", &self.project.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Credentials {
    /// Reads both token headers (header names are case-insensitive in `HeaderMap`).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
        };
        let bearer = text("authorization").and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            let token = token.trim();
            (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
        });
        Self { bearer, project: text("project-access-token") }
    }

    /// The rate-limit bucket: one per token value.
    pub fn bucket_key(&self) -> &str {
        self.bearer.as_deref().or(self.project.as_deref()).unwrap_or_default()
    }

    /// Resolves the headers against the world's tokens.
    pub fn principal(&self, world: &World) -> Principal {
        let bearer = self.bearer.as_ref().and_then(|value| world.tokens.get(value));
        match bearer.map(|t| (t.kind, t)) {
            Some((TokenKind::Account, t)) => {
                return Principal::Account { user_id: t.user_id.clone().unwrap_or_default() };
            }
            Some((TokenKind::Workspace, t)) => {
                return Principal::Workspace { workspace_id: t.workspace_id.clone().unwrap_or_default() };
            }
            _ => {}
        }
        let project = self.project.as_ref().and_then(|value| world.tokens.get(value));
        if let Some(t) = project.filter(|t| t.kind == TokenKind::Project) {
            return Principal::Project {
                token_value: t.value.clone(),
                project_id: t.project_id.clone().unwrap_or_default(),
                environment_id: t.environment_id.clone().unwrap_or_default(),
            };
        }
        if self.bearer.is_some() || self.project.is_some() { Principal::Unknown } else { Principal::Anonymous }
    }
}

/// The resolved identity of a request.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    Anonymous,
    Unknown,
    Account { user_id: String },
    Workspace { workspace_id: String },
    Project { token_value: String, project_id: String, environment_id: String },
}

impl Principal {
    pub fn request_auth(&self) -> RequestAuth {
        match self {
            Principal::Anonymous => RequestAuth::None,
            Principal::Unknown => RequestAuth::Unknown,
            Principal::Account { .. } => RequestAuth::Account,
            Principal::Workspace { .. } => RequestAuth::Workspace,
            Principal::Project { .. } => RequestAuth::Project,
        }
    }

    /// Workspaces an account or workspace token operates on (none for the others).
    pub fn workspace_ids(&self, world: &World) -> Vec<String> {
        match self {
            Principal::Account { user_id } => {
                world.users.get(user_id).map(|u| u.workspace_ids.clone()).unwrap_or_default()
            }
            Principal::Workspace { workspace_id } => vec![workspace_id.clone()],
            _ => Vec::new(),
        }
    }

    /// `workspace(workspaceId:)`, listing its projects.
    pub fn can_see_workspace(&self, world: &World, workspace_id: &str) -> bool {
        world.workspaces.contains_key(workspace_id) && self.workspace_ids(world).iter().any(|w| w == workspace_id)
    }

    /// `project(id:)`, its services and the names of its environments: a project of the token's
    /// workspaces, or one its user was invited to.
    pub fn can_see_project(&self, world: &World, project: &Project) -> bool {
        match self {
            Principal::Project { project_id, .. } => &project.id == project_id,
            Principal::Account { user_id }
                if world.users.get(user_id).is_some_and(|u| u.external_project_ids.contains(&project.id)) =>
            {
                true
            }
            _ => self.can_see_workspace(world, &project.workspace_id),
        }
    }

    /// Everything inside an environment: variables, service instances, deployments. An
    /// environment with `canAccess: false` is closed to every token.
    pub fn can_access_environment(&self, world: &World, env: &Environment) -> bool {
        if !env.can_access {
            return false;
        }
        match self {
            Principal::Project { environment_id, .. } => &env.id == environment_id,
            _ => world
                .projects
                .get(&env.project_id)
                .is_some_and(|p| p.deleted_at.is_none() && self.can_see_project(world, p)),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::seed::Seed;

    const ACCOUNT: &str = "a0000000-0000-4000-8000-000000000001";
    const WORKSPACE: &str = "b0000000-0000-4000-8000-000000000002";
    const PROJECT: &str = "c0000000-0000-4000-8000-000000000003";

    fn world() -> World {
        let mut world = World::default();
        world.apply_seed(&Seed::example()).expect("example applies");
        world
    }

    fn principal(name: &str, value: &str) -> Principal {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
        Credentials::from_headers(&headers).principal(&world())
    }

    #[test]
    fn header_and_kind_must_agree() {
        let cases = [
            ("Authorization", format!("Bearer {ACCOUNT}"), RequestAuth::Account),
            ("authorization", format!("bearer {WORKSPACE}"), RequestAuth::Workspace),
            ("Project-Access-Token", PROJECT.to_owned(), RequestAuth::Project),
            ("PROJECT-ACCESS-TOKEN", PROJECT.to_owned(), RequestAuth::Project),
            ("Authorization", format!("Bearer {PROJECT}"), RequestAuth::Unknown),
            ("Project-Access-Token", ACCOUNT.to_owned(), RequestAuth::Unknown),
            ("Authorization", ACCOUNT.to_owned(), RequestAuth::None),
            ("Authorization", "Bearer nope".to_owned(), RequestAuth::Unknown),
            ("X-Other", "x".to_owned(), RequestAuth::None),
        ];
        for (header, value, expected) in cases {
            assert_eq!(principal(header, &value).request_auth(), expected, "{header}");
        }
    }

    #[test]
    fn project_token_is_bound_to_one_environment() {
        let world = world();
        let p = principal("Project-Access-Token", PROJECT);
        let production = &world.environments["44444444-4444-4444-8444-444444444444"];
        let staging = &world.environments["55555555-5555-4555-8555-555555555555"];
        assert!(p.can_access_environment(&world, production));
        assert!(!p.can_access_environment(&world, staging));
        let project = &world.projects["33333333-3333-4333-8333-333333333333"];
        assert!(p.can_see_project(&world, project));
        assert!(!p.can_see_workspace(&world, &project.workspace_id));
    }
}
