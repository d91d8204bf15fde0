//! Deleted targets: a project, environment or service a test marks as gone. Railway answers
//! operations on already-deleted resources with `Not Authorized` or `Problem processing request`
//! (a community Terraform provider's `isNotFoundOrGone` treats both as "gone"); the test picks
//! which. Listings leave gone records out; identity queries are unaffected.

use serde::{Deserialize, Serialize};

use super::world::World;
use crate::graphql::errors::{NOT_AUTHORIZED, PROBLEM_PROCESSING};

/// What is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GoneTarget {
    Project(String),
    Environment(String),
    Service(String),
}

/// What an operation touching a gone target answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GoneAnswer {
    /// `Not Authorized`, `extensions.code: INTERNAL_SERVER_ERROR`.
    #[default]
    NotAuthorized,
    /// `Problem processing request`, no `extensions.code`.
    ProblemProcessingRequest,
}

impl GoneAnswer {
    /// The resolver error message.
    pub fn message(self) -> &'static str {
        match self {
            GoneAnswer::NotAuthorized => NOT_AUTHORIZED,
            GoneAnswer::ProblemProcessingRequest => PROBLEM_PROCESSING,
        }
    }
}

impl World {
    /// Whether the target exists (gone or not).
    pub fn has_target(&self, target: &GoneTarget) -> bool {
        match target {
            GoneTarget::Project(id) => self.projects.contains_key(id),
            GoneTarget::Environment(id) => self.environments.contains_key(id),
            GoneTarget::Service(id) => self.services.contains_key(id),
        }
    }

    /// Marks a target as gone.
    pub fn mark_gone(&mut self, target: GoneTarget, answer: GoneAnswer) {
        match target {
            GoneTarget::Project(id) => self.gone.projects.insert(id, answer),
            GoneTarget::Environment(id) => self.gone.environments.insert(id, answer),
            GoneTarget::Service(id) => self.gone.services.insert(id, answer),
        };
    }

    /// Brings a gone target back; whether it was gone.
    pub fn restore_gone(&mut self, target: &GoneTarget) -> bool {
        match target {
            GoneTarget::Project(id) => self.gone.projects.remove(id).is_some(),
            GoneTarget::Environment(id) => self.gone.environments.remove(id).is_some(),
            GoneTarget::Service(id) => self.gone.services.remove(id).is_some(),
        }
    }

    /// The answer for a gone project.
    pub fn gone_project(&self, project_id: &str) -> Option<GoneAnswer> {
        self.gone.projects.get(project_id).copied()
    }

    /// The answer for an environment that is gone itself or whose project is.
    pub fn gone_environment(&self, env_id: &str) -> Option<GoneAnswer> {
        self.gone.environments.get(env_id).copied().or_else(|| {
            let project = &self.environments.get(env_id)?.project_id;
            self.gone_project(project)
        })
    }

    /// The answer for a service that is gone itself or whose project is.
    pub fn gone_service(&self, service_id: &str) -> Option<GoneAnswer> {
        self.gone.services.get(service_id).copied().or_else(|| {
            let project = &self.services.get(service_id)?.project_id;
            self.gone_project(project)
        })
    }
}

/// The gone targets, by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gone {
    pub projects: std::collections::BTreeMap<String, GoneAnswer>,
    pub environments: std::collections::BTreeMap<String, GoneAnswer>,
    pub services: std::collections::BTreeMap<String, GoneAnswer>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn a_gone_project_takes_its_environments_and_services_along() {
        let mut world = World::default();
        world.apply_seed(&Seed::example()).expect("example applies");
        let (prod, api) = ("44444444-4444-4444-8444-444444444444", "66666666-6666-4666-8666-666666666666");
        assert_eq!(world.gone_environment(prod), None);
        world.mark_gone(GoneTarget::Service(api.into()), GoneAnswer::NotAuthorized);
        assert_eq!(world.gone_service(api), Some(GoneAnswer::NotAuthorized));
        assert_eq!(world.gone_environment(prod), None, "only the service");
        world.mark_gone(
            GoneTarget::Project("33333333-3333-4333-8333-333333333333".into()),
            GoneAnswer::ProblemProcessingRequest,
        );
        assert_eq!(world.gone_environment(prod), Some(GoneAnswer::ProblemProcessingRequest));
        assert_eq!(
            world.gone_service("77777777-7777-4777-8777-777777777777"),
            Some(GoneAnswer::ProblemProcessingRequest)
        );
        assert!(!world.has_target(&GoneTarget::Service("nope".into())));
        assert!(world.restore_gone(&GoneTarget::Project("33333333-3333-4333-8333-333333333333".into())));
        assert_eq!(world.gone_environment(prod), None, "the project is back");
        assert!(!world.restore_gone(&GoneTarget::Project("33333333-3333-4333-8333-333333333333".into())));
    }
}
