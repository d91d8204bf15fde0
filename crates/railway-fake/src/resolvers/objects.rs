//! Railway's object types outside environments: users, workspaces, project tokens, projects and
//! services (environment contents are in `environment.rs`). Each object holds an owned copy of
//! its record and the request's [`Ctx`].

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};

use super::connection::{Node, connection};
use super::environment::EnvironmentObj;
use super::{Args, Ctx, Leaves, date, error, not_authorized, opt_date, opt_str};
use crate::state::{Environment, Project, Service, Token, User, Workspace, iso_millis};

/// `ApiTokenRateLimit` for the requesting token.
fn rate_limit<'a>(ctx: &Ctx) -> ResolvedValue<'a> {
    ResolvedValue::object(Leaves::new(
        "ApiTokenRateLimit",
        [
            ("remainingPoints", i64::from(ctx.budget.remaining).into()),
            ("resetsAt", iso_millis(ctx.budget.resets_at).into()),
        ],
    ))
}

#[derive(Clone)]
pub(crate) struct UserObj<'c> {
    pub ctx: &'c Ctx,
    pub user: User,
}

impl ObjectValue for UserObj<'_> {
    fn type_name(&self) -> &str {
        "User"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let u = &self.user;
        Ok(match info.field_name() {
            "apiTokenRateLimit" => rate_limit(self.ctx),
            "createdAt" => date(u.created_at),
            "email" => ResolvedValue::leaf(u.email.as_str()),
            "id" => ResolvedValue::leaf(u.id.as_str()),
            "name" => opt_str(u.name.as_deref()),
            "workspaces" => {
                let world = self.ctx.world();
                let list: Vec<Workspace> =
                    u.workspace_ids.iter().filter_map(|id| world.workspaces.get(id).cloned()).collect();
                let ctx = self.ctx;
                ResolvedValue::list(list.into_iter().map(move |ws| ResolvedValue::object(WorkspaceObj { ctx, ws })))
            }
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

#[derive(Clone)]
pub(crate) struct WorkspaceObj<'c> {
    pub ctx: &'c Ctx,
    pub ws: Workspace,
}

impl ObjectValue for WorkspaceObj<'_> {
    fn type_name(&self) -> &str {
        "Workspace"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let ws = &self.ws;
        Ok(match info.field_name() {
            "apiTokenRateLimit" => rate_limit(self.ctx),
            "createdAt" | "updatedAt" => date(ws.created_at),
            "id" => ResolvedValue::leaf(ws.id.as_str()),
            "name" => ResolvedValue::leaf(ws.name.as_str()),
            "projects" => {
                let mut projects: Vec<Project> = self
                    .ctx
                    .world()
                    .projects
                    .values()
                    .filter(|p| p.workspace_id == ws.id && p.deleted_at.is_none())
                    .filter(|p| self.ctx.world().gone_project(&p.id).is_none())
                    .cloned()
                    .collect();
                projects.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
                ResolvedValue::object(project_connection(self.ctx, info, projects)?)
            }
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

/// `ExternalWorkspace`: a workspace the user is not a member of, with the projects of it they
/// were invited to (a plain list, as in Railway's schema).
pub(crate) struct ExternalWorkspaceObj<'c> {
    pub ctx: &'c Ctx,
    pub ws: Workspace,
    pub projects: Vec<Project>,
}

impl ObjectValue for ExternalWorkspaceObj<'_> {
    fn type_name(&self) -> &str {
        "ExternalWorkspace"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let ctx = self.ctx;
        Ok(match info.field_name() {
            "id" => ResolvedValue::leaf(self.ws.id.as_str()),
            "name" => ResolvedValue::leaf(self.ws.name.as_str()),
            "projects" => ResolvedValue::list(
                self.projects.iter().map(move |p| ResolvedValue::object(ProjectObj { ctx, project: p.clone() })),
            ),
            "teamId" => ResolvedValue::null(),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

/// A connection of projects, in the given order.
pub(crate) fn project_connection<'c>(
    ctx: &'c Ctx,
    info: &ResolveInfo<'_>,
    projects: Vec<Project>,
) -> Result<super::connection::Connection<'c>, FieldError> {
    let items =
        projects.into_iter().map(|project| (project.id.clone(), Node::Project(ProjectObj { ctx, project }))).collect();
    connection(info, items, ctx.knobs.default_page_size)
}

#[derive(Clone)]
pub(crate) struct ProjectTokenObj<'c> {
    pub ctx: &'c Ctx,
    pub token: Token,
}

impl ObjectValue for ProjectTokenObj<'_> {
    fn type_name(&self) -> &str {
        "ProjectToken"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let t = &self.token;
        let project_id = t.project_id.as_deref().unwrap_or_default();
        let env_id = t.environment_id.as_deref().unwrap_or_default();
        Ok(match info.field_name() {
            "createdAt" => date(t.created_at),
            "displayToken" => {
                let tail: String = t.value.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                ResolvedValue::leaf(format!("****{tail}"))
            }
            "environment" => {
                let world = self.ctx.world();
                if let Some(answer) = world.gone_environment(env_id) {
                    return Err(error(answer.message()));
                }
                let env = world.environments.get(env_id).cloned().ok_or_else(not_authorized)?;
                drop(world);
                ResolvedValue::object(EnvironmentObj { ctx: self.ctx, env })
            }
            "environmentId" => ResolvedValue::leaf(env_id),
            "id" => ResolvedValue::leaf(t.id.as_str()),
            "name" => ResolvedValue::leaf(t.name.as_str()),
            "project" => {
                let world = self.ctx.world();
                if let Some(answer) = world.gone_project(project_id) {
                    return Err(error(answer.message()));
                }
                let project = world.projects.get(project_id).cloned().ok_or_else(not_authorized)?;
                drop(world);
                ResolvedValue::object(ProjectObj { ctx: self.ctx, project })
            }
            "projectId" => ResolvedValue::leaf(project_id),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

#[derive(Clone)]
pub(crate) struct ProjectObj<'c> {
    pub ctx: &'c Ctx,
    pub project: Project,
}

impl ObjectValue for ProjectObj<'_> {
    fn type_name(&self) -> &str {
        "Project"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let p = &self.project;
        let ctx = self.ctx;
        Ok(match info.field_name() {
            "createdAt" => date(p.created_at),
            "updatedAt" => date(p.updated_at),
            "deletedAt" => opt_date(p.deleted_at),
            "description" => opt_str(p.description.as_deref()),
            "environments" => {
                let args = Args::of(info);
                let ephemeral = args.bool("isEphemeral");
                let world = ctx.world();
                let mut envs: Vec<Environment> = world
                    .environments
                    .values()
                    .filter(|e| e.project_id == p.id && ephemeral.is_none_or(|want| e.is_ephemeral == want))
                    .filter(|e| world.gone_environment(&e.id).is_none())
                    .cloned()
                    .collect();
                drop(world);
                envs.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
                if args.str("sort") == Some("desc") {
                    envs.reverse();
                }
                ResolvedValue::object(environment_connection(ctx, info, envs)?)
            }
            "id" => ResolvedValue::leaf(p.id.as_str()),
            "name" => ResolvedValue::leaf(p.name.as_str()),
            "services" => {
                let world = ctx.world();
                let mut services: Vec<Service> = world
                    .services
                    .values()
                    .filter(|s| s.project_id == p.id && world.gone_service(&s.id).is_none())
                    .cloned()
                    .collect();
                drop(world);
                services.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
                let items = services
                    .into_iter()
                    .map(|service| (service.id.clone(), Node::Service(ServiceObj { ctx, service })))
                    .collect();
                ResolvedValue::object(connection(info, items, ctx.knobs.default_page_size)?)
            }
            "workspace" => {
                let ws = ctx.world().workspaces.get(&p.workspace_id).cloned();
                ResolvedValue::nullable_object(ws.map(|ws| WorkspaceObj { ctx, ws }))
            }
            "workspaceId" => ResolvedValue::leaf(p.workspace_id.as_str()),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

/// A connection of environments, in the given order.
pub(crate) fn environment_connection<'c>(
    ctx: &'c Ctx,
    info: &ResolveInfo<'_>,
    envs: Vec<Environment>,
) -> Result<super::connection::Connection<'c>, FieldError> {
    let items = envs.into_iter().map(|env| (env.id.clone(), Node::Environment(EnvironmentObj { ctx, env }))).collect();
    connection(info, items, ctx.knobs.default_page_size)
}

#[derive(Clone)]
pub(crate) struct ServiceObj<'c> {
    pub ctx: &'c Ctx,
    pub service: Service,
}

impl ObjectValue for ServiceObj<'_> {
    fn type_name(&self) -> &str {
        "Service"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let s = &self.service;
        Ok(match info.field_name() {
            "createdAt" | "updatedAt" => date(s.created_at),
            "deletedAt" => ResolvedValue::null(),
            "icon" => opt_str(s.icon.as_deref()),
            "id" => ResolvedValue::leaf(s.id.as_str()),
            "name" => ResolvedValue::leaf(s.name.as_str()),
            "project" => {
                let project = self.ctx.world().projects.get(&s.project_id).cloned().ok_or_else(not_authorized)?;
                ResolvedValue::object(ProjectObj { ctx: self.ctx, project })
            }
            "projectId" => ResolvedValue::leaf(s.project_id.as_str()),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}
