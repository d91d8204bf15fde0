//! The object types inside an environment: the environment itself, its service instances,
//! variable metadata and deployments. Fields that lead into an environment's contents re-check
//! access, because a project token may see its sibling environments' names but nothing inside.

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};

use super::connection::{Node, connection};
use super::lookup::accessible_environment;
use super::objects::ServiceObj;
use super::{Ctx, date, error, not_authorized, opt_str};
use crate::state::{Deployment, DeploymentStatus, Environment, Service, ServiceInstance};
use crate::variables::{Reference, references};

#[derive(Clone)]
pub(crate) struct EnvironmentObj<'c> {
    pub ctx: &'c Ctx,
    pub env: Environment,
}

impl EnvironmentObj<'_> {
    fn can_access(&self) -> bool {
        self.ctx.principal.can_access_environment(&self.ctx.world(), &self.env)
    }
}

impl ObjectValue for EnvironmentObj<'_> {
    fn type_name(&self) -> &str {
        "Environment"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let e = &self.env;
        let ctx = self.ctx;
        let inside = || accessible_environment(ctx, &e.id, None).map(drop);
        Ok(match info.field_name() {
            "canAccess" => ResolvedValue::leaf(self.can_access()),
            "createdAt" | "updatedAt" => date(e.created_at),
            "deletedAt" => ResolvedValue::null(),
            "deployments" => {
                inside()?;
                let world = ctx.world();
                let mut deployments: Vec<Deployment> = world
                    .deployments
                    .iter()
                    .filter(|d| d.environment_id == e.id && world.gone_service(&d.service_id).is_none())
                    .cloned()
                    .collect();
                drop(world);
                deployments.reverse();
                ResolvedValue::object(deployment_connection(ctx, info, deployments)?)
            }
            "id" => ResolvedValue::leaf(e.id.as_str()),
            "isEphemeral" => ResolvedValue::leaf(e.is_ephemeral),
            "name" => ResolvedValue::leaf(e.name.as_str()),
            "projectId" => ResolvedValue::leaf(e.project_id.as_str()),
            "serviceInstances" => {
                inside()?;
                let items = service_instances(ctx, &e.id)
                    .into_iter()
                    .map(|obj| (obj.instance.id.clone(), Node::ServiceInstance(obj)))
                    .collect();
                ResolvedValue::object(connection(info, items, ctx.knobs.default_page_size)?)
            }
            "variables" => {
                inside()?;
                let world = ctx.world();
                let items = world
                    .variables
                    .iter()
                    .filter(|((env, service), _)| {
                        env == &e.id && service.as_ref().is_none_or(|s| world.gone_service(s).is_none())
                    })
                    .flat_map(|((_, service_id), vars)| {
                        vars.iter().map(move |(name, stored)| {
                            let obj = VariableObj {
                                ctx,
                                env: e.clone(),
                                service_id: service_id.clone(),
                                name: name.clone(),
                                sealed: stored.sealed,
                                references: references(&stored.value).iter().map(reference_text).collect(),
                                id: stored.id.clone(),
                                created_at: stored.created_at,
                                updated_at: stored.updated_at,
                            };
                            (stored.id.clone(), Node::Variable(obj))
                        })
                    })
                    .collect();
                drop(world);
                ResolvedValue::object(connection(info, items, ctx.knobs.default_page_size)?)
            }
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

fn reference_text(reference: &Reference<'_>) -> String {
    match reference {
        Reference::Shared(name) => format!("shared.{name}"),
        Reference::Service { service, name } => format!("{service}.{name}"),
        Reference::Own(name) => (*name).to_owned(),
    }
}

/// The service instances of an environment, oldest service first.
pub(crate) fn service_instances<'c>(ctx: &'c Ctx, env_id: &str) -> Vec<ServiceInstanceObj<'c>> {
    let world = ctx.world();
    let mut list: Vec<ServiceInstanceObj<'c>> = world
        .instances
        .iter()
        .filter(|((env, service_id), _)| env == env_id && world.gone_service(service_id).is_none())
        .filter_map(|((_, service_id), instance)| {
            let service = world.services.get(service_id)?.clone();
            Some(ServiceInstanceObj { ctx, instance: instance.clone(), service })
        })
        .collect();
    list.sort_by(|a, b| a.service.created_at.cmp(&b.service.created_at).then(a.service.id.cmp(&b.service.id)));
    list
}

/// A connection of deployments, in the given order.
pub(crate) fn deployment_connection<'c>(
    ctx: &'c Ctx,
    info: &ResolveInfo<'_>,
    deployments: Vec<Deployment>,
) -> Result<super::connection::Connection<'c>, FieldError> {
    let items = deployments
        .into_iter()
        .map(|deployment| (deployment.id.clone(), Node::Deployment(DeploymentObj { ctx, deployment })))
        .collect();
    connection(info, items, ctx.knobs.default_page_size)
}

#[derive(Clone)]
pub(crate) struct ServiceInstanceObj<'c> {
    pub ctx: &'c Ctx,
    pub instance: ServiceInstance,
    pub service: Service,
}

impl ObjectValue for ServiceInstanceObj<'_> {
    fn type_name(&self) -> &str {
        "ServiceInstance"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let i = &self.instance;
        let ctx = self.ctx;
        Ok(match info.field_name() {
            "createdAt" | "updatedAt" => date(i.created_at),
            "cronSchedule" => opt_str(i.cron_schedule.as_deref()),
            "deletedAt" => ResolvedValue::null(),
            "environmentId" => ResolvedValue::leaf(i.environment_id.as_str()),
            "id" => ResolvedValue::leaf(i.id.as_str()),
            "latestDeployment" => {
                let latest = ctx.world().newest_deployment(&i.environment_id, &i.service_id).cloned();
                ResolvedValue::nullable_object(latest.map(|deployment| DeploymentObj { ctx, deployment }))
            }
            "service" => ResolvedValue::object(ServiceObj { ctx, service: self.service.clone() }),
            "serviceId" => ResolvedValue::leaf(i.service_id.as_str()),
            "serviceName" => ResolvedValue::leaf(self.service.name.as_str()),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

/// A variable's metadata: Railway's `Variable` type has no value field.
#[derive(Clone)]
pub(crate) struct VariableObj<'c> {
    pub ctx: &'c Ctx,
    pub env: Environment,
    pub service_id: Option<String>,
    pub name: String,
    pub sealed: bool,
    pub references: Vec<String>,
    pub id: String,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

impl ObjectValue for VariableObj<'_> {
    fn type_name(&self) -> &str {
        "Variable"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let ctx = self.ctx;
        Ok(match info.field_name() {
            "createdAt" => date(self.created_at),
            "updatedAt" => date(self.updated_at),
            "environment" => ResolvedValue::object(EnvironmentObj { ctx, env: self.env.clone() }),
            "environmentId" => ResolvedValue::leaf(self.env.id.as_str()),
            "id" => ResolvedValue::leaf(self.id.as_str()),
            "isSealed" => ResolvedValue::leaf(self.sealed),
            "name" => ResolvedValue::leaf(self.name.as_str()),
            "references" => ResolvedValue::list(self.references.iter().map(|r| ResolvedValue::leaf(r.as_str()))),
            "service" => {
                let service = self
                    .service_id
                    .as_ref()
                    .and_then(|id| ctx.world().services.get(id).cloned())
                    .ok_or_else(|| error("Service not found"))?;
                ResolvedValue::object(ServiceObj { ctx, service })
            }
            "serviceId" => opt_str(self.service_id.as_deref()),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}

#[derive(Clone)]
pub(crate) struct DeploymentObj<'c> {
    pub ctx: &'c Ctx,
    pub deployment: Deployment,
}

impl ObjectValue for DeploymentObj<'_> {
    fn type_name(&self) -> &str {
        "Deployment"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let d = &self.deployment;
        let ctx = self.ctx;
        Ok(match info.field_name() {
            "canRedeploy" => ResolvedValue::leaf(ctx.world().redeploy_refusal(d).is_none()),
            "canRollback" => ResolvedValue::leaf(d.snapshot.is_some() && d.status == DeploymentStatus::Success),
            "createdAt" => date(d.created_at),
            "updatedAt" | "statusUpdatedAt" => date(d.status_updated_at),
            "environment" => {
                let env = ctx.world().environments.get(&d.environment_id).cloned().ok_or_else(not_authorized)?;
                ResolvedValue::object(EnvironmentObj { ctx, env })
            }
            "environmentId" => ResolvedValue::leaf(d.environment_id.as_str()),
            "id" => ResolvedValue::leaf(d.id.as_str()),
            "projectId" => ResolvedValue::leaf(d.project_id.as_str()),
            "service" => {
                let service = ctx.world().services.get(&d.service_id).cloned().ok_or_else(not_authorized)?;
                ResolvedValue::object(ServiceObj { ctx, service })
            }
            "serviceId" => ResolvedValue::leaf(d.service_id.as_str()),
            "snapshotId" => opt_str(d.snapshot.as_ref().map(|s| s.id.as_str())),
            "staticUrl" | "url" => ResolvedValue::null(),
            "status" => ResolvedValue::leaf(d.status.as_str()),
            _ => return Err(self.unknown_field_error(info)),
        })
    }
}
