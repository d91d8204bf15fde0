//! Redeploying a service after its variables changed, and following that deployment
//! until it is live. Writes use `skipDeploys: true`, so the sync decides when a service
//! restarts, and "Synced" can mean the app runs with the new values.
//!
//! # Choice: `deploymentRedeploy`, not `serviceInstanceRedeploy` or `serviceInstanceDeployV2`
//!
//! - `deploymentRedeploy(id)` starts the build that runs now again, with the current
//!   variables, and answers the new `Deployment` (its id and status), which is what the
//!   run records and follows until it is live. No new code goes live because a secret
//!   changed. Infisical's sync and Railway's CLI (`railway redeploy`) use it.
//! - `serviceInstanceRedeploy(environmentId, serviceId)` answers a `Boolean` only: no
//!   deployment to follow, and which deployment it restarts is not documented.
//! - `serviceInstanceDeployV2(environmentId, serviceId, commitSha)` answers the new
//!   deployment's id but builds the source's latest commit: a secret change would ship code
//!   nobody deployed yet (a branch with automatic deploys off), and a full build is slower.
//!
//! # Which deployment ([`plan_redeploy`])
//!
//! `deployments(input: {serviceId, environmentId}, first: 10)`, newest first:
//!
//! - The newest is **in flight** (`QUEUED`, `WAITING`, `INITIALIZING`, `BUILDING`,
//!   `DEPLOYING`, `NEEDS_APPROVAL`): **wait**. A deployment this redeploy did not create
//!   cannot be shown to carry the write's values: it may have been started by a push, by an
//!   earlier redeploy of Sluice's, or by a `variableDelete`, and a deployment keeps the
//!   variables of its creation (Railway's `DeploymentSnapshot.variables`). Redeploying an
//!   older deployment instead would put older code live over the new build. The redeploy
//!   stays owed and is made once that build is done, from it. Railway also refuses
//!   redeploys while a build runs (`Cannot redeploy yet, please wait for the original
//!   deployment to finish building`, seen by a community Terraform provider): the same
//!   wait.
//! - `FAILED`, `SKIPPED`, `REMOVING`, `REMOVED` and unknown statuses never ran or are gone:
//!   skipped, the running deployment is further down.
//! - `SUCCESS`, `CRASHED`, `SLEEPING`: the deployment that runs (or last ran). Redeployed
//!   when Railway says `canRedeploy`; otherwise (no snapshot, a cron service) nothing is
//!   redeployed, and going further back would be a rollback.
//! - None of the ten usable, or Railway answers `Cannot redeploy without a snapshot`:
//!   nothing to redeploy; the values reach the app with its next deploy.
//!
//! # Following it ([`track`])
//!
//! The new deployment is followed with `deployment(id) { status }` on later attempts:
//! `SUCCESS` (or `SLEEPING`, which ran) is live; `FAILED`/`CRASHED` failed; in flight is
//! still deploying; `REMOVED`/`SKIPPED` means a newer deployment replaced it before it went
//! live, and the service is looked at again (at worst one redeploy more than needed, when
//! the newer deployment already carried the values).
//!
//! `deploymentRedeploy` is a mutation: a lost answer is `OutcomeUnknown`. Just before
//! asking, the run records the newest deployment listed ([`RedeployPlan::Redeploy`]'s
//! `newest`, kept by the engine); the next attempt lists deployments again, and one newer
//! than that was made by the redeploy (or after it, so after the write): it is followed
//! ([`RedeployPlan::Adopt`]) instead of redeploying a second time.

use graphql_client::GraphQLQuery;

use crate::railway::auth::Credentials;
use crate::railway::client::{RailwayClient, Scrub};
use crate::railway::errors::RailwayError;

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

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/deployment_status.graphql",
    response_derives = "Debug"
)]
pub(crate) struct DeploymentStatusQuery;

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
pub enum RedeployPlan {
    /// Redeploy `deployment_id`; `newest` is the newest deployment listed, to record before
    /// asking (a deployment newer than it was made by this redeploy or after it).
    Redeploy {
        deployment_id: String,
        newest: String,
    },
    /// An earlier run asked for a redeploy and never recorded the answer: this deployment
    /// was made since (by that redeploy, or after it) and carries the values; follow it.
    Adopt {
        deployment_id: String,
        status: String,
    },
    /// A build created before the write is in flight: come back when it is done.
    Wait {
        reason: String,
    },
    Nothing {
        reason: String,
    },
}

/// What asking for a redeploy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeploy {
    /// Railway created the deployment; its status as answered.
    Requested { deployment_id: String, status: String },
    /// Not now (a build in flight); the redeploy stays owed.
    Wait { reason: String },
    /// Nothing runs that could be redeployed.
    Nothing { reason: String },
}

/// Where a deployment Sluice asked for stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracked {
    Live,
    Deploying {
        status: String,
    },
    Failed {
        status: String,
    },
    /// A newer deployment replaced it before it went live.
    Superseded {
        status: String,
    },
}

fn in_flight(status: &str) -> bool {
    matches!(status, "QUEUED" | "WAITING" | "INITIALIZING" | "BUILDING" | "DEPLOYING" | "NEEDS_APPROVAL")
}

/// The pure decision: which deployment to redeploy, if any. `requested_after` is the
/// newest deployment recorded before an earlier redeploy whose answer was lost: any
/// deployment listed above it is newer, made after the write, and is followed instead (when
/// it is not listed at all, the ten listed are all newer).
pub(crate) fn plan_redeploy(recent: &[RecentDeployment], requested_after: Option<&str>) -> RedeployPlan {
    if let Some(after) = requested_after {
        let newer = recent.iter().position(|d| d.id == after).map_or(recent, |i| &recent[..i]);
        if let Some(made) = newer.first() {
            return RedeployPlan::Adopt { deployment_id: made.id.clone(), status: status_name(&made.status) };
        }
    }
    let Some(newest) = recent.first() else {
        return RedeployPlan::Nothing { reason: "the service has no deployments in this environment yet".to_owned() };
    };
    for RecentDeployment { id, status, can_redeploy } in recent {
        let name = status_name(status);
        match status {
            DeploymentStatus::SUCCESS | DeploymentStatus::CRASHED | DeploymentStatus::SLEEPING => {
                return if *can_redeploy {
                    RedeployPlan::Redeploy { deployment_id: id.clone(), newest: newest.id.clone() }
                } else {
                    RedeployPlan::Nothing {
                        reason: format!(
                            "deployment {id} ({name}) cannot be redeployed (Railway has no snapshot of it)"
                        ),
                    }
                };
            }
            _ if in_flight(&name) => {
                return RedeployPlan::Wait {
                    reason: format!(
                        "deployment {id} is {name} and was started before the new values were written; \
                         the redeploy follows once it is done"
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

/// The pure reading of a followed deployment's status.
pub(crate) fn track(status: &str) -> Tracked {
    match status {
        "SUCCESS" | "SLEEPING" => Tracked::Live,
        "FAILED" | "CRASHED" => Tracked::Failed { status: status.to_owned() },
        s if in_flight(s) => Tracked::Deploying { status: s.to_owned() },
        s => Tracked::Superseded { status: s.to_owned() },
    }
}

fn status_name(status: &DeploymentStatus) -> String {
    match status {
        DeploymentStatus::Other(s) => s.clone(),
        known => format!("{known:?}"),
    }
}

impl RailwayClient {
    /// Redeploys the running deployment of one service in one environment, or says why not
    /// now. See the module docs for which deployment is chosen.
    pub async fn redeploy_service(
        &self,
        creds: &Credentials,
        environment_id: &str,
        service_id: &str,
    ) -> Result<Redeploy, RailwayError> {
        match self.redeploy_plan(creds, environment_id, service_id, None).await? {
            RedeployPlan::Nothing { reason } => Ok(Redeploy::Nothing { reason }),
            RedeployPlan::Wait { reason } => Ok(Redeploy::Wait { reason }),
            RedeployPlan::Adopt { deployment_id, status } => Ok(Redeploy::Requested { deployment_id, status }),
            RedeployPlan::Redeploy { deployment_id, .. } => self.redeploy_deployment(creds, &deployment_id).await,
        }
    }

    /// Reads the service's recent deployments and decides what a redeploy would do
    /// ([`plan_redeploy`]), without asking for it.
    pub async fn redeploy_plan(
        &self,
        creds: &Credentials,
        environment_id: &str,
        service_id: &str,
        requested_after: Option<&str>,
    ) -> Result<RedeployPlan, RailwayError> {
        let vars = recent_deployments::Variables {
            service_id: service_id.to_owned(),
            environment_id: environment_id.to_owned(),
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
        Ok(plan_redeploy(&recent, requested_after))
    }

    /// Asks Railway to redeploy one deployment (`deploymentRedeploy`): the new deployment,
    /// or why not now.
    pub async fn redeploy_deployment(
        &self,
        creds: &Credentials,
        deployment_id: &str,
    ) -> Result<Redeploy, RailwayError> {
        let vars = redeploy_deployment::Variables { id: deployment_id.to_owned() };
        let answer = self.mutate::<RedeployDeployment>(creds, vars, &Scrub::none()).await.map(|data| {
            let d = data.deployment_redeploy;
            (d.id, status_text(&d.status))
        });
        settle_redeploy(answer)
    }

    /// The status of one deployment (`SUCCESS`, `BUILDING`, …).
    pub async fn deployment_status(&self, creds: &Credentials, deployment_id: &str) -> Result<String, RailwayError> {
        let vars = deployment_status_query::Variables { id: deployment_id.to_owned() };
        let d = self.query::<DeploymentStatusQuery>(creds, vars).await?.deployment;
        Ok(match d.status {
            deployment_status_query::DeploymentStatus::Other(s) => s,
            known => format!("{known:?}"),
        })
    }
}

fn status_text(status: &redeploy_deployment::DeploymentStatus) -> String {
    match status {
        redeploy_deployment::DeploymentStatus::Other(s) => s.clone(),
        known => format!("{known:?}"),
    }
}

/// Railway's refusals that mean "not now" or "nothing to do", not a failure of the sync:
/// `Cannot redeploy without a snapshot` (cron services, images never built) and `Cannot
/// redeploy yet, please wait for the original deployment to finish building`.
pub(crate) fn settle_redeploy(answer: Result<(String, String), RailwayError>) -> Result<Redeploy, RailwayError> {
    match answer {
        Ok((deployment_id, status)) => Ok(Redeploy::Requested { deployment_id, status }),
        Err(RailwayError::Rejected { message }) if message.to_lowercase().contains("without a snapshot") => {
            Ok(Redeploy::Nothing { reason: message })
        }
        Err(RailwayError::Rejected { message }) if message.to_lowercase().contains("cannot redeploy yet") => {
            Ok(Redeploy::Wait { reason: format!("Railway asked to wait: {message}") })
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
        plan_redeploy(&owned, None)
    }

    fn redeploy(id: &str, newest: &str) -> RedeployPlan {
        RedeployPlan::Redeploy { deployment_id: id.to_owned(), newest: newest.to_owned() }
    }

    #[test]
    fn redeploys_the_running_deployment() {
        assert_eq!(plan(&[("d3", SUCCESS), ("d2", REMOVED)]), redeploy("d3", "d3"));
        assert_eq!(plan(&[("d3", CRASHED)]), redeploy("d3", "d3"));
        assert_eq!(plan(&[("d3", SLEEPING)]), redeploy("d3", "d3"));
    }

    #[test]
    fn skips_deployments_that_never_went_live() {
        assert_eq!(plan(&[("d4", FAILED), ("d3", SKIPPED), ("d2", REMOVING), ("d1", SUCCESS)]), redeploy("d1", "d4"));
        assert_eq!(plan(&[("d2", Other("NEW_STATUS".into())), ("d1", SUCCESS)]), redeploy("d1", "d2"));
    }

    #[test]
    fn waits_for_a_build_in_flight_instead_of_counting_it() {
        for status in [QUEUED, WAITING, INITIALIZING, BUILDING, DEPLOYING, NEEDS_APPROVAL] {
            let RedeployPlan::Wait { reason } = plan(&[("d2", status), ("d1", SUCCESS)]) else {
                panic!("expected to wait");
            };
            assert!(reason.starts_with("deployment d2 is "), "{reason}");
        }
        // Failed builds on top of an in-flight one: the in-flight one still decides.
        assert!(matches!(plan(&[("d3", FAILED), ("d2", BUILDING), ("d1", SUCCESS)]), RedeployPlan::Wait { .. }));
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
        let RedeployPlan::Nothing { reason } = plan_redeploy(&recent, None) else {
            panic!("expected nothing to redeploy");
        };
        assert!(reason.contains("d2"), "{reason}");
    }

    #[test]
    fn a_redeploy_whose_answer_was_lost_is_followed_not_made_again() {
        let recent = |list: &[(&str, DeploymentStatus)]| -> Vec<RecentDeployment> {
            list.iter()
                .map(|(id, s)| RecentDeployment { id: (*id).to_owned(), status: s.clone(), can_redeploy: true })
                .collect()
        };
        let adopt = |id: &str, status: &str| RedeployPlan::Adopt { deployment_id: id.into(), status: status.into() };
        // The redeploy made d3 (live or still building) after d2 was recorded: follow d3.
        let made = recent(&[("d3", SUCCESS), ("d2", REMOVED), ("d1", REMOVED)]);
        assert_eq!(plan_redeploy(&made, Some("d2")), adopt("d3", "SUCCESS"));
        let building = recent(&[("d3", BUILDING), ("d2", SUCCESS)]);
        assert_eq!(plan_redeploy(&building, Some("d2")), adopt("d3", "BUILDING"));
        // Newer ones on top (a push since): the newest was made after the write too.
        let pushed = recent(&[("d4", FAILED), ("d3", SUCCESS), ("d2", SUCCESS)]);
        assert_eq!(plan_redeploy(&pushed, Some("d2")), adopt("d4", "FAILED"));
        // Railway never made it: nothing newer than d2, so redeploy as usual.
        let none = recent(&[("d2", SUCCESS), ("d1", REMOVED)]);
        assert_eq!(plan_redeploy(&none, Some("d2")), redeploy("d2", "d2"));
        // d2 is no longer among the ten listed: every one listed is newer.
        let many = recent(&[("d13", SUCCESS), ("d12", REMOVED)]);
        assert_eq!(plan_redeploy(&many, Some("d2")), adopt("d13", "SUCCESS"));
    }

    #[test]
    fn railways_refusals_are_nothing_or_wait() {
        let refused = Err(RailwayError::Rejected { message: "Cannot redeploy without a snapshot (traceId 1)".into() });
        assert!(matches!(settle_redeploy(refused), Ok(Redeploy::Nothing { .. })));
        let building = Err(RailwayError::Rejected {
            message: "Cannot redeploy yet, please wait for the original deployment to finish building".into(),
        });
        assert!(matches!(settle_redeploy(building), Ok(Redeploy::Wait { .. })));
        let other = Err(RailwayError::Rejected { message: "Deployment is broken".into() });
        assert!(settle_redeploy(other).is_err());
        assert_eq!(
            settle_redeploy(Ok(("d9".into(), "QUEUED".into()))),
            Ok(Redeploy::Requested { deployment_id: "d9".into(), status: "QUEUED".into() })
        );
    }

    #[test]
    fn tracking_reads_statuses() {
        assert_eq!(track("SUCCESS"), Tracked::Live);
        assert_eq!(track("SLEEPING"), Tracked::Live);
        assert_eq!(track("FAILED"), Tracked::Failed { status: "FAILED".into() });
        assert_eq!(track("CRASHED"), Tracked::Failed { status: "CRASHED".into() });
        assert_eq!(track("BUILDING"), Tracked::Deploying { status: "BUILDING".into() });
        assert_eq!(track("REMOVED"), Tracked::Superseded { status: "REMOVED".into() });
        assert_eq!(track("SKIPPED"), Tracked::Superseded { status: "SKIPPED".into() });
    }
}
