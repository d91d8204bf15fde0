//! `Mutation` root fields (reference §5 and §10.5): variable writes with their deploy
//! side effects, the two redeploys (refused while a build is in flight) and
//! `serviceInstanceDeployV2`.
//!
//! Every write validates all of its input before changing anything, so a refused
//! `variableCollectionUpsert` leaves the world exactly as it was.

use std::collections::BTreeSet;

use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};

use super::environment::DeploymentObj;
use super::lookup::{accessible_deployment, accessible_environment, service_instance, variable_scope};
use super::{Args, Ctx, error, not_authorized};
use crate::config::DeleteMissing;
use crate::state::{CANNOT_REDEPLOY_YET, DeployCause, Scope, Start};

pub(crate) fn resolve<'a>(ctx: &'a Ctx, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
    let args = Args::of(info);
    match info.field_name() {
        "variableUpsert" => variable_upsert(ctx, input(args)?),
        "variableCollectionUpsert" => collection_upsert(ctx, input(args)?),
        "variableDelete" => variable_delete(ctx, input(args)?),
        "serviceInstanceRedeploy" => {
            let env = accessible_environment(ctx, args.req("environmentId"), None)?;
            let service = service_instance(ctx, &env, args.req("serviceId"))?;
            if ctx.world().building(&env.id, &service.id) {
                return Err(error(CANNOT_REDEPLOY_YET));
            }
            ctx.world_mut().deploy(&env.id, &service.id, DeployCause::Redeploy, Start::from_knobs(&ctx.knobs));
            Ok(ResolvedValue::leaf(true))
        }
        "deploymentRedeploy" => {
            let previous = accessible_deployment(ctx, args.req("id"))?;
            let env = accessible_environment(ctx, &previous.environment_id, None)?;
            service_instance(ctx, &env, &previous.service_id)?;
            if let Some(refusal) = ctx.world().redeploy_refusal(&previous) {
                return Err(error(refusal));
            }
            let start = Start::from_knobs(&ctx.knobs);
            // The same build again: the redeployed deployment's commit, today's variables.
            let commit = Some(previous.commit_sha.clone());
            let cause = DeployCause::DeploymentRedeploy;
            let deployment = ctx.world_mut().deploy_commit(&env.id, &previous.service_id, cause, start, commit);
            Ok(ResolvedValue::object(DeploymentObj { ctx, deployment }))
        }
        "serviceInstanceDeployV2" => {
            let env = accessible_environment(ctx, args.req("environmentId"), None)?;
            let service = service_instance(ctx, &env, args.req("serviceId"))?;
            let start = Start::from_knobs(&ctx.knobs);
            let commit = args.str("commitSha").map(str::to_owned);
            let cause = DeployCause::ServiceInstanceDeployV2;
            let deployment = ctx.world_mut().deploy_commit(&env.id, &service.id, cause, start, commit);
            Ok(ResolvedValue::leaf(deployment.id))
        }
        _ => Err(error(format!("Cannot resolve field \"{}\" on type \"Mutation\"", info.field_name()))),
    }
}

fn input<'a>(args: Args<'a>) -> Result<Args<'a>, FieldError> {
    args.map("input").map(Args::object).ok_or_else(not_authorized)
}

fn target(ctx: &Ctx, input: Args<'_>) -> Result<Scope, FieldError> {
    variable_scope(ctx, input.req("projectId"), input.req("environmentId"), input.str("serviceId"))
}

/// The name and value checks of the configured knobs; the message names the variable.
fn check_entry(ctx: &Ctx, name: &str, value: &str) -> Result<(), FieldError> {
    if name.is_empty() {
        return Err(error("Variable name cannot be empty"));
    }
    if !ctx.knobs.name_rule.accepts(name) {
        return Err(error(format!("Invalid variable name \"{name}\"")));
    }
    if let Some(max) = ctx.knobs.max_value_bytes
        && value.len() > max
    {
        return Err(error(format!("Value of variable \"{name}\" is too large (maximum {max} bytes)")));
    }
    Ok(())
}

/// Records the deploys a change of `names` in `scope` triggers: the service itself, or for
/// shared variables every service instance whose variables reference one of them.
fn deploy_affected(ctx: &Ctx, scope: &Scope, names: &BTreeSet<String>, cause: DeployCause) {
    let mut world = ctx.world_mut();
    let services = match &scope.1 {
        Some(service_id) => vec![service_id.clone()],
        None => world.services_referencing_shared(&scope.0, names),
    };
    for service_id in services {
        world.deploy(&scope.0, &service_id, cause, Start::from_knobs(&ctx.knobs));
    }
}

fn variable_upsert<'a>(ctx: &'a Ctx, input: Args<'_>) -> Result<ResolvedValue<'a>, FieldError> {
    let scope = target(ctx, input)?;
    let (name, value) = (input.req("name"), input.req("value"));
    check_entry(ctx, name, value)?;
    {
        let mut world = ctx.world_mut();
        world.put_variable(&scope, name, value, None);
        world.log_write(&scope, name, Some(value), "variableUpsert");
    }
    if input.bool("skipDeploys") != Some(true) {
        let names = BTreeSet::from([name.to_owned()]);
        deploy_affected(ctx, &scope, &names, DeployCause::VariableUpsert);
    }
    Ok(ResolvedValue::leaf(true))
}

fn collection_upsert<'a>(ctx: &'a Ctx, input: Args<'_>) -> Result<ResolvedValue<'a>, FieldError> {
    let scope = target(ctx, input)?;
    let Some(variables) = input.map("variables") else {
        return Err(error("Variables must be an object of names to string values"));
    };
    let mut entries = Vec::with_capacity(variables.len());
    for (name, value) in variables {
        let name = name.as_str();
        let Some(value) = value.as_str() else {
            return Err(error(format!("Value of variable \"{name}\" must be a string")));
        };
        check_entry(ctx, name, value)?;
        entries.push((name, value));
    }
    let mut changed: BTreeSet<String> = entries.iter().map(|(n, _)| (*n).to_owned()).collect();
    {
        let mut world = ctx.world_mut();
        if input.bool("replace") == Some(true) {
            let cleared = world.clear_scope(&scope);
            for name in &cleared {
                world.log_write(&scope, name, None, "variableCollectionUpsert");
            }
            changed.extend(cleared);
        }
        for (name, value) in entries {
            world.put_variable(&scope, name, value, None);
            world.log_write(&scope, name, Some(value), "variableCollectionUpsert");
        }
    }
    if input.bool("skipDeploys") != Some(true) {
        deploy_affected(ctx, &scope, &changed, DeployCause::VariableCollectionUpsert);
    }
    Ok(ResolvedValue::leaf(true))
}

fn variable_delete<'a>(ctx: &'a Ctx, input: Args<'_>) -> Result<ResolvedValue<'a>, FieldError> {
    let scope = target(ctx, input)?;
    let name = input.req("name");
    let existed = {
        let mut world = ctx.world_mut();
        let existed = world.remove_variable(&scope, name);
        if existed {
            world.log_write(&scope, name, None, "variableDelete");
        }
        existed
    };
    if !existed {
        return match ctx.knobs.delete_missing {
            DeleteMissing::ReturnTrue => Ok(ResolvedValue::leaf(true)),
            DeleteMissing::Error => Err(error(format!("Variable \"{name}\" not found"))),
        };
    }
    if ctx.knobs.delete_triggers_deploy {
        let names = BTreeSet::from([name.to_owned()]);
        deploy_affected(ctx, &scope, &names, DeployCause::VariableDelete);
    }
    Ok(ResolvedValue::leaf(true))
}
