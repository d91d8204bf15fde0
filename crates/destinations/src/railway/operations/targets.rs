//! What a sync's target is made of, asked of Railway directly:
//!
//! - [`RailwayClient::find_unreachable`]: whether the token still reaches the target's
//!   project, environment and service, in that order (one small query each, stopping at
//!   the first refusal). Railway answers `Not Authorized` for ids that do not exist, were
//!   deleted or are out of the token's reach, and a community Terraform provider also
//!   sees `Problem processing request` for deleted resources; both count as unreachable.
//! - [`RailwayClient::service_instances`]: the services that have an instance in an
//!   environment (`environment.serviceInstances`), for the redeploy fan-out of shared
//!   variables.

use graphql_client::GraphQLQuery;

use super::Pager;
use crate::railway::auth::Credentials;
use crate::railway::client::RailwayClient;
use crate::railway::errors::RailwayError;
use crate::railway::types::{Named, RailwayTarget};

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/probe_project.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ProbeProject;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/probe_environment.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ProbeEnvironment;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/probe_service_instance.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ProbeServiceInstance;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/service_instances_page.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ServiceInstancesPage;

/// A part of a sync's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetPart {
    Project,
    Environment,
    Service,
}

impl TargetPart {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Environment => "environment",
            Self::Service => "service",
        }
    }
}

/// The first part of a target the token cannot reach, and Railway's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable {
    pub part: TargetPart,
    pub answer: String,
}

/// Whether an answer says "this resource is not there for you" rather than "try later".
pub(crate) fn refuses(e: &RailwayError) -> bool {
    match e {
        RailwayError::Unauthorized { .. } | RailwayError::NotFound { .. } => true,
        RailwayError::Transient { message, .. } | RailwayError::OutcomeUnknown { message } => {
            message.to_lowercase().contains("problem processing request")
        }
        _ => false,
    }
}

impl RailwayClient {
    /// The first of the target's project, environment and service the token cannot reach,
    /// or `None` when it reaches all three. A rate limit or an outage is returned as is.
    pub async fn find_unreachable(
        &self,
        creds: &Credentials,
        target: &RailwayTarget,
    ) -> Result<Option<Unreachable>, RailwayError> {
        let unreachable = |part, e: RailwayError| {
            if refuses(&e) { Ok(Some(Unreachable { part, answer: e.message().to_owned() })) } else { Err(e) }
        };
        let project = probe_project::Variables { id: target.project_id.clone() };
        if let Err(e) = self.query::<ProbeProject>(creds, project).await {
            return unreachable(TargetPart::Project, e);
        }
        let environment = probe_environment::Variables { id: target.environment_id.clone() };
        if let Err(e) = self.query::<ProbeEnvironment>(creds, environment).await {
            return unreachable(TargetPart::Environment, e);
        }
        if let Some(service_id) = &target.service_id {
            let vars = probe_service_instance::Variables {
                environment_id: target.environment_id.clone(),
                service_id: service_id.clone(),
            };
            if let Err(e) = self.query::<ProbeServiceInstance>(creds, vars).await {
                return unreachable(TargetPart::Service, e);
            }
        }
        Ok(None)
    }

    /// The services with an instance in `environment_id`, by id and name.
    pub async fn service_instances(
        &self,
        creds: &Credentials,
        environment_id: &str,
    ) -> Result<Vec<Named>, RailwayError> {
        let mut out = Vec::new();
        let mut pager = Pager::new("service instances");
        loop {
            let vars = service_instances_page::Variables {
                environment_id: environment_id.to_owned(),
                first: self.page_size(),
                after: pager.cursor(),
            };
            let page = self.query::<ServiceInstancesPage>(creds, vars).await?.environment.service_instances;
            out.extend(page.edges.into_iter().map(|e| Named::new(e.node.service_id, e.node.service_name)));
            if !pager.advance(page.page_info.has_next_page, page.page_info.end_cursor)? {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_and_deleted_resources_count_as_unreachable() {
        let na = RailwayError::Unauthorized { message: "Not Authorized".into() };
        let ppr =
            RailwayError::Transient { message: "Problem processing request (traceId 1)".into(), status: Some(200) };
        let lost = RailwayError::OutcomeUnknown { message: "Problem processing request".into() };
        let outage = RailwayError::Transient { message: "HTTP 503".into(), status: Some(503) };
        let limited = RailwayError::RateLimited { retry_after: None, reset: None, message: String::new() };
        assert!(refuses(&na) && refuses(&ppr) && refuses(&lost));
        assert!(!refuses(&outage) && !refuses(&limited));
    }
}
