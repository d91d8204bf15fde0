//! Deployments over time: creating one (a deploy), the `QUEUED → BUILDING → DEPLOYING →
//! SUCCESS` lifecycle, tests moving deployments along by hand, and what happens when one goes
//! live (the previous live deployment is `REMOVED`).
//!
//! Nothing runs in the background. A `timed` deployment's status is worked out from the clock
//! whenever the state is locked ([`World::settle`]), so a read always sees where it would be.

use std::time::Duration;

use time::OffsetDateTime;

use super::model::{DeployCause, DeployRecord, Deployment, DeploymentStatus, RunningDeployment, Snapshot};
use super::world::{World, new_id};
use crate::config::{DeployLifecycle, Knobs};

/// Railway's answer to a redeploy while a build is in flight (a community Terraform provider
/// retries on exactly this message).
pub(crate) const CANNOT_REDEPLOY_YET: &str =
    "Cannot redeploy yet, please wait for the original deployment to finish building";

/// The answer to redeploying a deployment that has no snapshot (a skipped cron run).
pub(crate) const NO_SNAPSHOT: &str = "Cannot redeploy without a snapshot";

/// How a new deployment starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// `SUCCESS` at once.
    Instant,
    /// `QUEUED`, then a third of the duration in each of `QUEUED`, `BUILDING`, `DEPLOYING`.
    Timed(Duration),
    /// `QUEUED` until advanced.
    Manual,
    /// This status, kept until advanced (a test putting a build in flight).
    At(DeploymentStatus),
}

impl Start {
    /// The start the knobs ask for.
    pub fn from_knobs(knobs: &Knobs) -> Self {
        match knobs.deploy_lifecycle {
            DeployLifecycle::Instant => Start::Instant,
            DeployLifecycle::Timed => Start::Timed(Duration::from_millis(knobs.deploy_duration_ms)),
            DeployLifecycle::Manual => Start::Manual,
        }
    }
}

/// Why deployments could not be advanced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvanceError {
    #[error("unknown deployment {0}")]
    UnknownDeployment(String),
    #[error("deployment {id} is {status}; only in-flight deployments advance (and SUCCESS to CRASHED)")]
    NotInFlight { id: String, status: &'static str },
    #[error("cannot advance to {0}; use BUILDING, DEPLOYING, SUCCESS, FAILED or CRASHED")]
    BadTarget(&'static str),
}

/// A made-up 40-hex-digit git commit sha.
pub(crate) fn new_commit_sha() -> String {
    rand::random::<[u8; 20]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a timed deployment is at `now`: its status and since when.
pub(crate) fn timed_phase(
    created: OffsetDateTime,
    total: Duration,
    now: OffsetDateTime,
) -> (DeploymentStatus, OffsetDateTime) {
    let elapsed = now - created;
    if total.is_zero() || elapsed >= total {
        return (DeploymentStatus::Success, created + total);
    }
    let third = total / 3;
    let phases = [DeploymentStatus::Queued, DeploymentStatus::Building, DeploymentStatus::Deploying];
    let mut phase = 0;
    while phase < 2 && elapsed >= third * (phase + 1) {
        phase += 1;
    }
    (phases[phase as usize], created + third * phase)
}

impl World {
    /// Records a deploy of a service instance: a new deployment (started as `start` says) plus a
    /// log entry. It builds the instance's current commit (a push: a new one).
    pub fn deploy(&mut self, env_id: &str, service_id: &str, cause: DeployCause, start: Start) -> Deployment {
        self.deploy_commit(env_id, service_id, cause, start, None)
    }

    /// [`Self::deploy`] of a given commit (`None`: the current one, or a new one for a push).
    pub fn deploy_commit(
        &mut self,
        env_id: &str,
        service_id: &str,
        cause: DeployCause,
        start: Start,
        commit_sha: Option<String>,
    ) -> Deployment {
        let now = OffsetDateTime::now_utc();
        let project_id = self.environments.get(env_id).map(|e| e.project_id.clone()).unwrap_or_default();
        let id = new_id();
        let (status, timed) = match start {
            Start::Instant => (DeploymentStatus::Success, None),
            Start::Timed(total) => (DeploymentStatus::Queued, Some(total)),
            Start::Manual => (DeploymentStatus::Queued, None),
            Start::At(status) => (status, None),
        };
        let current = self.newest_deployment(env_id, service_id).map(|d| d.commit_sha.clone());
        let commit_sha = match (commit_sha, cause) {
            (Some(sha), _) => sha,
            (None, DeployCause::Push) => new_commit_sha(),
            (None, _) => current.unwrap_or_else(new_commit_sha),
        };
        let index = self.push_deployment(Deployment {
            id: id.clone(),
            project_id,
            environment_id: env_id.to_owned(),
            service_id: service_id.to_owned(),
            status: DeploymentStatus::Queued,
            snapshot: None,
            created_at: now,
            status_updated_at: now,
            timed,
            replica_id: new_id(),
            commit_sha,
        });
        self.take_snapshot(index, now);
        self.set_status(index, status, now);
        if timed.is_some() {
            self.timed.push(index);
            self.settle(now);
        }
        self.deploy_log.push(DeployRecord {
            environment_id: env_id.to_owned(),
            service_id: service_id.to_owned(),
            cause,
            deployment_id: id,
            at: now,
        });
        self.deployments[index].clone()
    }

    /// Snapshots, for the deployment at `index`, the variables its service receives now.
    pub fn take_snapshot(&mut self, index: usize, at: OffsetDateTime) {
        // The id first: the snapshot's own variables include RAILWAY_SNAPSHOT_ID.
        let snapshot = Snapshot { id: new_id(), created_at: at, variables: Default::default() };
        self.deployments[index].snapshot = Some(snapshot);
        let d = &self.deployments[index];
        let scope = (d.environment_id.clone(), Some(d.service_id.clone()));
        let variables = self.as_deployed(&scope, Some(d));
        if let Some(snapshot) = &mut self.deployments[index].snapshot {
            snapshot.variables = variables;
        }
    }

    /// What the service instance's app runs: its newest `SUCCESS` deployment, with the variables
    /// of that deployment's snapshot.
    pub fn running(&self, env_id: &str, service_id: &str) -> Option<RunningDeployment> {
        let d = self
            .instance_deployments(env_id, service_id)
            .iter()
            .rev()
            .map(|&i| &self.deployments[i])
            .find(|d| d.status == DeploymentStatus::Success)?;
        let variables = d
            .snapshot
            .iter()
            .flat_map(|s| s.variables.iter())
            .map(|(name, v)| (name.clone(), Some(v.value.clone())))
            .collect();
        Some(RunningDeployment { deployment_id: d.id.clone(), status: d.status, created_at: d.created_at, variables })
    }

    /// Brings every timed deployment up to `now`, in the order they would have finished.
    pub fn settle(&mut self, now: OffsetDateTime) {
        if self.timed.is_empty() {
            return;
        }
        let mut finished = Vec::new();
        let mut waiting = Vec::new();
        for &index in &self.timed {
            let d = &mut self.deployments[index];
            let Some(total) = d.timed else { continue };
            let (status, since) = timed_phase(d.created_at, total, now);
            if status == DeploymentStatus::Success {
                finished.push((since, index));
            } else {
                if d.status != status {
                    d.status = status;
                    d.status_updated_at = since;
                }
                waiting.push(index);
            }
        }
        self.timed = waiting;
        finished.sort();
        for (at, index) in finished {
            self.deployments[index].timed = None;
            self.set_status(index, DeploymentStatus::Success, at);
        }
    }

    /// Moves one deployment (`Some(id)`) or every in-flight one (`None`) to `to`; the ids moved.
    pub fn advance(&mut self, id: Option<&str>, to: DeploymentStatus) -> Result<Vec<String>, AdvanceError> {
        use DeploymentStatus::{Building, Crashed, Deploying, Failed, Success};
        if !matches!(to, Building | Deploying | Success | Failed | Crashed) {
            return Err(AdvanceError::BadTarget(to.as_str()));
        }
        let indices: Vec<usize> = match id {
            Some(id) => {
                let index = self.deployment_at(id).ok_or_else(|| AdvanceError::UnknownDeployment(id.to_owned()))?;
                let status = self.deployments[index].status;
                let crash_of_live = status == Success && to == Crashed;
                if !(status.is_in_flight() || crash_of_live) {
                    return Err(AdvanceError::NotInFlight { id: id.to_owned(), status: status.as_str() });
                }
                vec![index]
            }
            None => (0..self.deployments.len()).filter(|&i| self.deployments[i].status.is_in_flight()).collect(),
        };
        let now = OffsetDateTime::now_utc();
        for &index in &indices {
            self.deployments[index].timed = None;
            self.timed.retain(|&i| i != index);
            self.set_status(index, to, now);
        }
        Ok(indices.into_iter().map(|i| self.deployments[i].id.clone()).collect())
    }

    /// Sets a deployment's status at `at`. Reaching `SUCCESS` puts it live: the service
    /// instance's older `SUCCESS` deployments become `REMOVED` — or, if a newer one is live
    /// already, this one is `REMOVED` at once.
    fn set_status(&mut self, index: usize, status: DeploymentStatus, at: OffsetDateTime) {
        let instance: Vec<usize> = {
            let d = &self.deployments[index];
            self.instance_deployments(&d.environment_id, &d.service_id).to_vec()
        };
        let mut status = status;
        if status == DeploymentStatus::Success {
            let live = |i: &usize| self.deployments[*i].status == DeploymentStatus::Success;
            let newer_live = instance.iter().filter(|&&i| i > index).any(live);
            if newer_live {
                status = DeploymentStatus::Removed;
            } else {
                for i in instance.into_iter().filter(|&i| i < index) {
                    let d = &mut self.deployments[i];
                    if d.status == DeploymentStatus::Success {
                        d.status = DeploymentStatus::Removed;
                        d.status_updated_at = at;
                    }
                }
            }
        }
        let d = &mut self.deployments[index];
        d.status = status;
        d.status_updated_at = at;
    }

    /// Why `deploymentRedeploy` of `d` would be refused, if it would: no snapshot to redeploy, or
    /// a build of its service instance still in flight (`canRedeploy` is the negation).
    pub fn redeploy_refusal(&self, d: &Deployment) -> Option<&'static str> {
        if d.snapshot.is_none() {
            Some(NO_SNAPSHOT)
        } else if self.building(&d.environment_id, &d.service_id) {
            Some(CANNOT_REDEPLOY_YET)
        } else {
            None
        }
    }

    /// Whether the service instance's newest deployment is still in flight.
    pub fn building(&self, env_id: &str, service_id: &str) -> bool {
        self.newest_deployment(env_id, service_id).is_some_and(|d| d.status.is_in_flight())
    }

    /// The newest deployment of a service instance.
    pub fn newest_deployment(&self, env_id: &str, service_id: &str) -> Option<&Deployment> {
        self.instance_deployments(env_id, service_id).last().map(|&i| &self.deployments[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;
    use DeploymentStatus::*;

    const PROD: &str = "44444444-4444-4444-8444-444444444444";
    const API: &str = "66666666-6666-4666-8666-666666666666";

    fn world() -> World {
        let mut world = World::default();
        world.apply_seed(&Seed::example()).expect("example applies");
        world
    }

    fn statuses(world: &World) -> Vec<DeploymentStatus> {
        world.deployments.iter().filter(|d| d.environment_id == PROD && d.service_id == API).map(|d| d.status).collect()
    }

    #[test]
    fn timed_phases_are_equal_thirds() {
        let t0 = time::macros::datetime!(2026-01-01 00:00:00 UTC);
        let total = Duration::from_secs(3);
        let at = |ms: i64| timed_phase(t0, total, t0 + time::Duration::milliseconds(ms));
        assert_eq!(at(0), (Queued, t0));
        assert_eq!(at(999), (Queued, t0));
        assert_eq!(at(1000), (Building, t0 + time::Duration::SECOND));
        assert_eq!(at(2500), (Deploying, t0 + time::Duration::seconds(2)));
        assert_eq!(at(3000), (Success, t0 + time::Duration::seconds(3)));
        assert_eq!(at(-5), (Queued, t0), "a clock step back stays queued");
        assert_eq!(timed_phase(t0, Duration::ZERO, t0), (Success, t0));
    }

    #[test]
    fn instant_deploy_replaces_the_live_deployment() {
        let mut world = world();
        let new = world.deploy(PROD, API, DeployCause::Redeploy, Start::Instant);
        assert_eq!(new.status, Success);
        assert_eq!(statuses(&world), [Removed, Success]);
        assert_eq!(world.deploy_log.last().map(|r| r.deployment_id.as_str()), Some(new.id.as_str()));
    }

    #[test]
    fn timed_deploy_settles_lazily_in_order() {
        let mut world = world();
        let new = world.deploy(PROD, API, DeployCause::Redeploy, Start::Timed(Duration::from_secs(30)));
        assert_eq!(statuses(&world), [Success, Queued]);
        world.settle(new.created_at + time::Duration::seconds(15));
        assert_eq!(statuses(&world), [Success, Building]);
        world.settle(new.created_at + time::Duration::seconds(31));
        assert_eq!(statuses(&world), [Removed, Success]);
        let live = world.newest_deployment(PROD, API).expect("exists");
        assert_eq!(live.status_updated_at, new.created_at + time::Duration::seconds(30));
        assert!(world.timed.is_empty());
    }

    #[test]
    fn an_older_build_finishing_late_does_not_replace_a_newer_live_one() {
        let mut world = world();
        let old = world.deploy(PROD, API, DeployCause::Redeploy, Start::Manual);
        world.deploy(PROD, API, DeployCause::Redeploy, Start::Instant);
        world.advance(Some(&old.id), Success).expect("in flight");
        assert_eq!(statuses(&world), [Removed, Removed, Success]);
    }

    #[test]
    fn advancing_checks_its_target() {
        let mut world = world();
        let queued = world.deploy(PROD, API, DeployCause::Redeploy, Start::Manual);
        assert_eq!(world.advance(None, Queued), Err(AdvanceError::BadTarget("QUEUED")));
        assert_eq!(world.advance(Some(&queued.id), Building), Ok(vec![queued.id.clone()]));
        assert_eq!(world.advance(None, Success), Ok(vec![queued.id.clone()]));
        assert!(matches!(world.advance(Some(&queued.id), Failed), Err(AdvanceError::NotInFlight { .. })));
        assert_eq!(world.advance(Some(&queued.id), Crashed), Ok(vec![queued.id.clone()]));
        assert!(matches!(world.advance(Some("nope"), Success), Err(AdvanceError::UnknownDeployment(_))));
        assert_eq!(world.advance(None, Success), Ok(vec![]));
    }
}
