//! `Query` root fields (reference §10.4), each with its token-kind rules from §2.2.

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::JsonValue;

use super::environment::{DeploymentObj, EnvironmentObj, ServiceInstanceObj, deployment_connection};
use super::lookup::{
    accessible_deployment, accessible_environment, service_instance, variable_scope, visible_project, visible_service,
};
use super::objects::{
    ExternalWorkspaceObj, ProjectObj, ProjectTokenObj, ServiceObj, UserObj, WorkspaceObj, environment_connection,
    project_connection,
};
use super::{Args, Ctx, Leaves, error, not_authorized};
use crate::auth::Principal;
use crate::state::{Deployment, Environment, Project, VariableMap, iso_millis};

pub(crate) fn resolve<'a>(ctx: &'a Ctx, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
    let args = Args::of(info);
    match info.field_name() {
        "me" => me(ctx),
        "apiToken" => api_token(ctx),
        "projectToken" => project_token(ctx),
        "projects" => projects(ctx, info, args),
        "workspace" => workspace(ctx, args.req("workspaceId")),
        "externalWorkspaces" => external_workspaces(ctx, args.str("projectId")),
        "project" => {
            let project = visible_project(ctx, args.req("id"))?;
            Ok(ResolvedValue::object(ProjectObj { ctx, project }))
        }
        "environments" => environments(ctx, info, args),
        "environment" => {
            let env = accessible_environment(ctx, args.req("id"), args.str("projectId"))?;
            Ok(ResolvedValue::object(EnvironmentObj { ctx, env }))
        }
        "service" => {
            let service = visible_service(ctx, args.req("id"))?;
            Ok(ResolvedValue::object(ServiceObj { ctx, service }))
        }
        "serviceInstance" => {
            let env = accessible_environment(ctx, args.req("environmentId"), None)?;
            let service = service_instance(ctx, &env, args.req("serviceId"))?;
            let instance = ctx
                .world()
                .instances
                .get(&(env.id.clone(), service.id.clone()))
                .cloned()
                .ok_or_else(|| error("ServiceInstance not found"))?;
            Ok(ResolvedValue::object(ServiceInstanceObj { ctx, instance, service }))
        }
        "variables" => {
            let scope = variable_scope(ctx, args.req("projectId"), args.req("environmentId"), args.str("serviceId"))?;
            let world = ctx.world();
            let vars =
                if args.bool("unrendered") == Some(true) { world.unrendered(&scope) } else { world.rendered(&scope) };
            Ok(variable_map(vars))
        }
        "variablesForServiceDeployment" => {
            let service_id = args.req("serviceId");
            let scope = variable_scope(ctx, args.req("projectId"), args.req("environmentId"), Some(service_id))?;
            Ok(variable_map(ctx.world().rendered(&scope)))
        }
        "deployments" => deployments(ctx, info, args),
        "deployment" => {
            let deployment = accessible_deployment(ctx, args.req("id"))?;
            Ok(ResolvedValue::object(DeploymentObj { ctx, deployment }))
        }
        "deploymentSnapshot" => {
            let deployment = accessible_deployment(ctx, args.req("deploymentId"))?;
            Ok(ResolvedValue::nullable_object(deployment.snapshot.map(|snapshot| {
                let variables = snapshot
                    .variables
                    .into_iter()
                    .map(|(name, v)| (name.into(), if v.sealed { JsonValue::Null } else { JsonValue::from(v.value) }))
                    .collect();
                Leaves::new(
                    "DeploymentSnapshot",
                    [
                        ("id", snapshot.id.into()),
                        ("createdAt", iso_millis(snapshot.created_at).into()),
                        ("updatedAt", iso_millis(snapshot.created_at).into()),
                        ("variables", JsonValue::Object(variables)),
                    ],
                )
            })))
        }
        _ => Err(error(format!("Cannot resolve field \"{}\" on type \"Query\"", info.field_name()))),
    }
}

/// `EnvironmentVariables`: a flat JSON object, sealed values as `null`.
fn variable_map<'a>(vars: VariableMap) -> ResolvedValue<'a> {
    let object: apollo_compiler::response::JsonMap =
        vars.into_iter().map(|(name, value)| (name.into(), value.map_or(JsonValue::Null, JsonValue::from))).collect();
    ResolvedValue::leaf(JsonValue::Object(object))
}

fn me(ctx: &Ctx) -> Result<ResolvedValue<'_>, FieldError> {
    let Principal::Account { user_id } = &ctx.principal else {
        return Err(not_authorized());
    };
    let user = ctx.world().users.get(user_id).cloned().ok_or_else(not_authorized)?;
    Ok(ResolvedValue::object(UserObj { ctx, user }))
}

/// `externalWorkspaces`: for an account token, the workspaces of the projects its user was invited
/// to without membership, each with those projects (only `projectId`'s, when given).
fn external_workspaces<'a>(ctx: &'a Ctx, project_id: Option<&str>) -> Result<ResolvedValue<'a>, FieldError> {
    let user_id = match &ctx.principal {
        Principal::Account { user_id } => user_id,
        Principal::Workspace { .. } => return Ok(ResolvedValue::list(Vec::new())),
        _ => return Err(not_authorized()),
    };
    let world = ctx.world();
    let invited = world.users.get(user_id).map(|u| u.external_project_ids.clone()).unwrap_or_default();
    let mut grouped: Vec<ExternalWorkspaceObj<'a>> = Vec::new();
    for id in invited.iter().filter(|id| project_id.is_none_or(|want| want == id.as_str())) {
        let Some(project) = world.projects.get(id) else { continue };
        if project.deleted_at.is_some() || world.gone_project(id).is_some() {
            continue;
        }
        let Some(ws) = world.workspaces.get(&project.workspace_id) else { continue };
        match grouped.iter_mut().find(|g| g.ws.id == ws.id) {
            Some(group) => group.projects.push(project.clone()),
            None => grouped.push(ExternalWorkspaceObj { ctx, ws: ws.clone(), projects: vec![project.clone()] }),
        }
    }
    Ok(ResolvedValue::list(grouped.into_iter().map(ResolvedValue::object)))
}

fn api_token(ctx: &Ctx) -> Result<ResolvedValue<'_>, FieldError> {
    if !matches!(ctx.principal, Principal::Account { .. } | Principal::Workspace { .. }) {
        return Err(not_authorized());
    }
    let world = ctx.world();
    let workspaces = ctx
        .principal
        .workspace_ids(&world)
        .iter()
        .filter_map(|id| world.workspaces.get(id))
        .map(|ws| (ws.id.clone(), ws.name.clone()))
        .collect();
    Ok(ResolvedValue::object(ApiTokenContext { workspaces }))
}

/// `ApiTokenContext`: the workspaces an account or workspace token operates on.
struct ApiTokenContext {
    workspaces: Vec<(String, String)>,
}

impl ObjectValue for ApiTokenContext {
    fn type_name(&self) -> &str {
        "ApiTokenContext"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "workspaces" => Ok(ResolvedValue::list(self.workspaces.iter().map(|(id, name)| {
                ResolvedValue::object(Leaves::new(
                    "ApiTokenWorkspace",
                    [("id", id.as_str().into()), ("name", name.as_str().into())],
                ))
            }))),
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

fn project_token(ctx: &Ctx) -> Result<ResolvedValue<'_>, FieldError> {
    let Principal::Project { token_value, .. } = &ctx.principal else {
        return Err(error("Project Token not found"));
    };
    let token = ctx.world().tokens.get(token_value).cloned().ok_or_else(|| error("Project Token not found"))?;
    Ok(ResolvedValue::object(ProjectTokenObj { ctx, token }))
}

fn projects<'a>(ctx: &'a Ctx, info: &'a ResolveInfo<'a>, args: Args<'a>) -> Result<ResolvedValue<'a>, FieldError> {
    if !matches!(ctx.principal, Principal::Account { .. } | Principal::Workspace { .. }) {
        return Err(not_authorized());
    }
    let world = ctx.world();
    let mine = ctx.principal.workspace_ids(&world);
    let workspaces: Vec<String> = match args.str("workspaceId") {
        Some(id) if mine.iter().any(|w| w == id) => vec![id.to_owned()],
        Some(_) => return Err(not_authorized()),
        None => mine,
    };
    let include_deleted = args.bool("includeDeleted") == Some(true);
    let mut list: Vec<Project> = world
        .projects
        .values()
        .filter(|p| workspaces.contains(&p.workspace_id) && (include_deleted || p.deleted_at.is_none()))
        .filter(|p| world.gone_project(&p.id).is_none())
        .cloned()
        .collect();
    drop(world);
    match args.str("orderBy") {
        Some("NAME_ASC") => list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
        Some("UPDATED_AT_DESC") => list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id))),
        _ => list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))),
    }
    Ok(ResolvedValue::object(project_connection(ctx, info, list)?))
}

fn workspace<'a>(ctx: &'a Ctx, workspace_id: &str) -> Result<ResolvedValue<'a>, FieldError> {
    let world = ctx.world();
    if !ctx.principal.can_see_workspace(&world, workspace_id) {
        return Err(not_authorized());
    }
    let ws = world.workspaces.get(workspace_id).cloned().ok_or_else(not_authorized)?;
    Ok(ResolvedValue::object(WorkspaceObj { ctx, ws }))
}

fn environments<'a>(ctx: &'a Ctx, info: &'a ResolveInfo<'a>, args: Args<'a>) -> Result<ResolvedValue<'a>, FieldError> {
    let project = visible_project(ctx, args.req("projectId"))?;
    let ephemeral = args.bool("isEphemeral");
    let world = ctx.world();
    let mut envs: Vec<Environment> = world
        .environments
        .values()
        .filter(|e| e.project_id == project.id && ephemeral.is_none_or(|want| e.is_ephemeral == want))
        .filter(|e| world.gone_environment(&e.id).is_none())
        .cloned()
        .collect();
    drop(world);
    envs.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    Ok(ResolvedValue::object(environment_connection(ctx, info, envs)?))
}

fn deployments<'a>(ctx: &'a Ctx, info: &'a ResolveInfo<'a>, args: Args<'a>) -> Result<ResolvedValue<'a>, FieldError> {
    let input = Args::object(args.map("input").ok_or_else(not_authorized)?);
    let (project_id, env_id, service_id) = (input.str("projectId"), input.str("environmentId"), input.str("serviceId"));
    if project_id.is_none() && env_id.is_none() && service_id.is_none() {
        return Err(not_authorized());
    }
    if let Some(id) = project_id {
        visible_project(ctx, id)?;
    }
    if let Some(id) = env_id {
        accessible_environment(ctx, id, project_id)?;
    }
    if let Some(id) = service_id {
        visible_service(ctx, id)?;
    }
    let status_in = status_list(input, "in");
    let status_not_in = status_list(input, "notIn");
    let world = ctx.world();
    // One service instance's own, when the input names it (what a sync asks), else all.
    let candidates: Box<dyn Iterator<Item = &Deployment>> = match (env_id, service_id) {
        (Some(e), Some(s)) => Box::new(world.instance_deployments(e, s).iter().map(|&i| &world.deployments[i])),
        _ => Box::new(world.deployments.iter()),
    };
    let mut list: Vec<Deployment> = candidates
        .filter(|d| project_id.is_none_or(|p| d.project_id == p))
        .filter(|d| env_id.is_none_or(|e| d.environment_id == e))
        .filter(|d| service_id.is_none_or(|s| d.service_id == s))
        .filter(|d| status_in.as_ref().is_none_or(|s| s.iter().any(|x| x == d.status.as_str())))
        .filter(|d| status_not_in.as_ref().is_none_or(|s| !s.iter().any(|x| x == d.status.as_str())))
        .filter(|d| {
            world.environments.get(&d.environment_id).is_some_and(|e| ctx.principal.can_access_environment(&world, e))
        })
        .filter(|d| world.gone_environment(&d.environment_id).is_none() && world.gone_service(&d.service_id).is_none())
        .cloned()
        .collect();
    drop(world);
    list.reverse();
    Ok(ResolvedValue::object(deployment_connection(ctx, info, list)?))
}

fn status_list(input: Args<'_>, key: &str) -> Option<Vec<String>> {
    let list = input.map("status")?.get(key)?.as_array()?;
    Some(list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
}
