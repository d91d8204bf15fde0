//! Redeploying a service after its variables changed (writes use `skipDeploys: true`,
//! so the sync decides when a restart happens).
//!
//! # Choice: `deployments` + `deploymentRedeploy`, not `serviceInstanceRedeploy`
//!
//! `serviceInstanceRedeploy(environmentId, serviceId)` is one call, but it returns only
//! a `Boolean`, does not say *which* deployment it restarted, and what it does when the
//! latest deployment is still building or has no snapshot (cron services) is not
//! documented. Infisical first redeployed the single latest deployment and failed on
//! exactly those cases; it now lists recent deployments and redeploys one by id. We do
//! the same, with one difference (in-flight builds, below):
//!
//! 1. Shared-variable target (no service): nothing to redeploy (Railway redeploys the
//!    services that reference shared variables only when `skipDeploys` is false).
//! 2. `deployments(input: {serviceId, environmentId}, first: 10)`, newest first.
//! 3. Walk from the newest:
//!    - in flight (`QUEUED`, `WAITING`, `INITIALIZING`, `BUILDING`, `DEPLOYING`,
//!      `NEEDS_APPROVAL`): **stop**, nothing redeployed. Infisical skips past it and
//!      redeploys an older deployment, which puts older code live on top of a new build
//!      in progress — a silent rollback. We report it instead.
//!    - never live or gone (`FAILED`, `SKIPPED`, `REMOVING`, `REMOVED`, unknown
//!      statuses): skip; the deployment that is actually running is further down.
//!    - `SUCCESS`, `CRASHED`, `SLEEPING`: this is the deployment that is running (or
//!      last ran). If Railway says `canRedeploy`, redeploy it (`deploymentRedeploy(id)`:
//!      the same build started again, picking up the current variables — the behaviour
//!      Infisical relies on); if not (no snapshot), stop — going further back would be
//!      a rollback too.
//! 4. None found in the last 10, or Railway still answers `Cannot redeploy without a
//!    snapshot`: nothing to redeploy. Both are successes — the variables are saved and
//!    the next deploy picks them up.
//!
//! `deploymentRedeploy` is a mutation: a lost answer is `OutcomeUnknown`, and the caller
//! should list deployments again rather than resend.

use graphql_client::GraphQLQuery;

use crate::destination::RedeployOutcome;
use crate::railway::auth::Credentials;
use crate::railway::client::{RailwayClient, Scrub};
use crate::railway::errors::RailwayError;
use crate::railway::types::RailwayTarget;

/// How many recent deployments are examined (Infisical uses 10 too).
const RECENT_DEPLOYMENTS: i64 = 10;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/recent_deployments.graphql",
    response_derives = "Debug, Clone, PartialEq, Eq"
)]
pub(crate) struct RecentDeployments;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/redeploy_deployment.graphql",
    response_derives = "Debug"
)]
pub(crate) struct RedeployDeployment;

use recent_deployments::DeploymentStatus;

/// One recent deployment as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecentDeployment {
    pub id: String,
    pub status: DeploymentStatus,
    pub can_redeploy: bool,
}

/// What to do with the list of recent deployments (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RedeployPlan {
    Redeploy { deployment_id: String },
    Nothing { reason: String },
}

/// The pure decision of step 3 above.
pub(crate) fn plan_redeploy(recent: &[RecentDeployment]) -> RedeployPlan {
    if recent.is_empty() {
        return RedeployPlan::Nothing { reason: "the service has no deployments in this environment yet".to_owned() };
    }
    for RecentDeployment { id, status, can_redeploy } in recent {
        match status {
            DeploymentStatus::SUCCESS | DeploymentStatus::CRASHED | DeploymentStatus::SLEEPING => {
                return if *can_redeploy {
                    RedeployPlan::Redeploy { deployment_id: id.clone() }
                } else {
                    RedeployPlan::Nothing {
                        reason: format!(
                            "deployment {id} ({}) cannot be redeployed (Railway has no snapshot of it)",
                            status_name(status)
                        ),
                    }
                };
            }
            DeploymentStatus::QUEUED
            | DeploymentStatus::WAITING
            | DeploymentStatus::INITIALIZING
            | DeploymentStatus::BUILDING
            | DeploymentStatus::DEPLOYING
            | DeploymentStatus::NEEDS_APPROVAL => {
                return RedeployPlan::Nothing {
                    reason: format!(
                        "deployment {id} is {}; redeploying an older deployment would replace it with older code",
                        status_name(status)
                    ),
                };
            }
            _ => {}
        }
    }
    RedeployPlan::Nothing {
        reason: format!("none of the last {} deployments can be redeployed (failed, skipped or removed)", recent.len()),
    }
}

fn status_name(status: &DeploymentStatus) -> String {
    match status {
        DeploymentStatus::Other(s) => s.clone(),
        known => format!("{known:?}"),
    }
}

impl RailwayClient {
    /// Restarts the target's service so it picks up changed variables. See the module
    /// docs for which deployment is chosen and when nothing is redeployed.
    pub async fn redeploy(&self, creds: &Credentials, target: &RailwayTarget) -> Result<RedeployOutcome, RailwayError> {
        let Some(service_id) = target.service_id.clone() else {
            return Ok(RedeployOutcome::NothingToRedeploy {
                reason: "the target is the environment's shared variables, not one service".to_owned(),
            });
        };
        let vars = recent_deployments::Variables {
            service_id,
            environment_id: target.environment_id.clone(),
            first: RECENT_DEPLOYMENTS,
        };
        let recent: Vec<RecentDeployment> = self
            .query::<RecentDeployments>(creds, vars)
            .await?
            .deployments
            .edges
            .into_iter()
            .map(|e| RecentDeployment { id: e.node.id, status: e.node.status, can_redeploy: e.node.can_redeploy })
            .collect();

        let deployment_id = match plan_redeploy(&recent) {
            RedeployPlan::Nothing { reason } => {
                return Ok(RedeployOutcome::NothingToRedeploy { reason });
            }
            RedeployPlan::Redeploy { deployment_id } => deployment_id,
        };
        let vars = redeploy_deployment::Variables { id: deployment_id };
        let answer = self
            .mutate::<RedeployDeployment>(creds, vars, &Scrub::none())
            .await
            .map(|data| data.deployment_redeploy.id);
        settle_redeploy(answer)
    }
}

/// `Cannot redeploy without a snapshot` is Railway saying "nothing to redeploy" (cron
/// services, images never built), not a failure of the sync.
pub(crate) fn settle_redeploy(answer: Result<String, RailwayError>) -> Result<RedeployOutcome, RailwayError> {
    match answer {
        Ok(id) => Ok(RedeployOutcome::Redeployed { deployment_id: Some(id) }),
        Err(RailwayError::Rejected { message }) if message.to_lowercase().contains("without a snapshot") => {
            Ok(RedeployOutcome::NothingToRedeploy { reason: message })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeploymentStatus::*;

    fn plan(list: &[(&str, DeploymentStatus)]) -> RedeployPlan {
        let owned: Vec<RecentDeployment> = list
            .iter()
            .map(|(id, s)| RecentDeployment {
                id: (*id).to_owned(),
                status: s.clone(),
                can_redeploy: !matches!(s, FAILED | SKIPPED),
            })
            .collect();
        plan_redeploy(&owned)
    }

    fn redeploy(id: &str) -> RedeployPlan {
        RedeployPlan::Redeploy { deployment_id: id.to_owned() }
    }

    #[test]
    fn redeploys_the_running_deployment() {
        assert_eq!(plan(&[("d3", SUCCESS), ("d2", REMOVED)]), redeploy("d3"));
        assert_eq!(plan(&[("d3", CRASHED)]), redeploy("d3"));
        assert_eq!(plan(&[("d3", SLEEPING)]), redeploy("d3"));
    }

    #[test]
    fn skips_deployments_that_never_went_live() {
        assert_eq!(plan(&[("d4", FAILED), ("d3", SKIPPED), ("d2", REMOVING), ("d1", SUCCESS)]), redeploy("d1"));
        assert_eq!(plan(&[("d2", Other("NEW_STATUS".into())), ("d1", SUCCESS)]), redeploy("d1"));
    }

    #[test]
    fn stops_at_a_deployment_in_flight() {
        for status in [QUEUED, WAITING, INITIALIZING, BUILDING, DEPLOYING, NEEDS_APPROVAL] {
            let RedeployPlan::Nothing { reason } = plan(&[("d2", status), ("d1", SUCCESS)]) else {
                panic!("expected nothing to redeploy");
            };
            assert!(reason.starts_with("deployment d2 is "), "{reason}");
        }
    }

    #[test]
    fn nothing_when_empty_or_all_unusable() {
        assert!(matches!(plan(&[]), RedeployPlan::Nothing { .. }));
        assert!(matches!(plan(&[("d2", FAILED), ("d1", REMOVED)]), RedeployPlan::Nothing { .. }));
    }

    #[test]
    fn a_running_deployment_without_snapshot_stops_the_walk() {
        let recent = [
            RecentDeployment { id: "d2".into(), status: SUCCESS, can_redeploy: false },
            RecentDeployment { id: "d1".into(), status: SUCCESS, can_redeploy: true },
        ];
        let RedeployPlan::Nothing { reason } = plan_redeploy(&recent) else {
            panic!("expected nothing to redeploy");
        };
        assert!(reason.contains("d2"), "{reason}");
    }

    #[test]
    fn no_snapshot_answer_is_nothing_to_redeploy() {
        let refused = Err(RailwayError::Rejected { message: "Cannot redeploy without a snapshot (traceId 1)".into() });
        assert!(matches!(settle_redeploy(refused), Ok(RedeployOutcome::NothingToRedeploy { .. })));
        let other = Err(RailwayError::Rejected { message: "Deployment is building".into() });
        assert!(settle_redeploy(other).is_err());
        assert_eq!(
            settle_redeploy(Ok("d9".into())),
            Ok(RedeployOutcome::Redeployed { deployment_id: Some("d9".into()) })
        );
    }
}
