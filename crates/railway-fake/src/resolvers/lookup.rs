//! Finding a record on behalf of the requesting principal. Every helper answers
//! `Not Authorized` both for ids that do not exist and for ids outside the token's scope, as
//! Railway does (reference §7.2), so a client cannot tell them apart here either. A record the
//! token could reach but that a test marked as gone (deleted) answers the gone message instead.

use apollo_compiler::resolvers::FieldError;

use super::{Ctx, error, not_authorized};
use crate::state::{Deployment, Environment, Project, Scope, Service};

const PROJECT_NOT_FOUND: &str = "Project not found";

/// A project the principal may see (deleted projects are invisible).
pub(crate) fn visible_project(ctx: &Ctx, project_id: &str) -> Result<Project, FieldError> {
    let world = ctx.world();
    let project = world.projects.get(project_id).filter(|p| p.deleted_at.is_none());
    match project {
        Some(p) if ctx.principal.can_see_project(&world, p) => match world.gone_project(&p.id) {
            Some(answer) => Err(error(answer.message())),
            None => Ok(p.clone()),
        },
        None if ctx.knobs.project_not_found_message && !world.projects.contains_key(project_id) => {
            Err(error(PROJECT_NOT_FOUND))
        }
        _ => Err(not_authorized()),
    }
}

/// An environment whose contents the principal may read and write, optionally checked to
/// belong to `project_id`.
pub(crate) fn accessible_environment(
    ctx: &Ctx,
    env_id: &str,
    project_id: Option<&str>,
) -> Result<Environment, FieldError> {
    let world = ctx.world();
    let env = world.environments.get(env_id).ok_or_else(not_authorized)?;
    let in_project = project_id.is_none_or(|p| env.project_id == p);
    if !(in_project && ctx.principal.can_access_environment(&world, env)) {
        return Err(not_authorized());
    }
    match world.gone_environment(env_id) {
        Some(answer) => Err(error(answer.message())),
        None => Ok(env.clone()),
    }
}

/// A service of a project the principal may see.
pub(crate) fn visible_service(ctx: &Ctx, service_id: &str) -> Result<Service, FieldError> {
    let service = ctx.world().services.get(service_id).cloned().ok_or_else(not_authorized)?;
    // Through a service, an unknown project is never `Project not found`; a gone one stays gone.
    visible_project(ctx, &service.project_id)
        .map_err(|e| if e.message == PROJECT_NOT_FOUND { not_authorized() } else { e })?;
    gone_service(ctx, service_id)?;
    Ok(service)
}

/// A deployment in an environment the principal may access.
pub(crate) fn accessible_deployment(ctx: &Ctx, deployment_id: &str) -> Result<Deployment, FieldError> {
    let deployment = {
        let world = ctx.world();
        world.deployment_at(deployment_id).map(|i| world.deployments[i].clone()).ok_or_else(not_authorized)?
    };
    accessible_environment(ctx, &deployment.environment_id, None)?;
    gone_service(ctx, &deployment.service_id)?;
    Ok(deployment)
}

/// The variable scope a `variables` read or a variable mutation targets: the environment must
/// be accessible and in `project_id`; a service must be in the same project and present in the
/// environment.
pub(crate) fn variable_scope(
    ctx: &Ctx,
    project_id: &str,
    env_id: &str,
    service_id: Option<&str>,
) -> Result<Scope, FieldError> {
    let env = accessible_environment(ctx, env_id, Some(project_id))?;
    if let Some(service_id) = service_id {
        service_instance(ctx, &env, service_id)?;
    }
    Ok((env.id, service_id.map(str::to_owned)))
}

/// Checks that `service_id` is a service of `env`'s project deployed in `env`.
pub(crate) fn service_instance(ctx: &Ctx, env: &Environment, service_id: &str) -> Result<Service, FieldError> {
    let world = ctx.world();
    let service =
        world.services.get(service_id).filter(|s| s.project_id == env.project_id).ok_or_else(not_authorized)?;
    if let Some(answer) = world.gone_service(service_id) {
        return Err(error(answer.message()));
    }
    if world.instances.contains_key(&(env.id.clone(), service_id.to_owned())) {
        Ok(service.clone())
    } else {
        Err(error("ServiceInstance not found"))
    }
}

/// The gone answer for a service marked as deleted.
fn gone_service(ctx: &Ctx, service_id: &str) -> Result<(), FieldError> {
    match ctx.world().gone_service(service_id) {
        Some(answer) => Err(error(answer.message())),
        None => Ok(()),
    }
}
