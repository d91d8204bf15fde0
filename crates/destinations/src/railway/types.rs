//! The client's plain data: where variables go ([`RailwayTarget`]), what the destination
//! picker shows ([`RailwayProject`]). Where a service's deploy stands is the seam's
//! [`DeployState`](crate::DeployState).

use serde::{Deserialize, Serialize};

/// A Railway id with its display name (workspace, project, environment, service).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

impl Named {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self { id: id.into(), name: name.into() }
    }
}

/// Where a sync writes: a service's variables in one environment, or — without
/// `service_id` — the environment's shared variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RailwayTarget {
    pub project_id: String,
    pub environment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

impl RailwayTarget {
    /// A service's variables in one environment.
    pub fn service(
        project_id: impl Into<String>,
        environment_id: impl Into<String>,
        service_id: impl Into<String>,
    ) -> Self {
        Self {
            project_id: project_id.into(),
            environment_id: environment_id.into(),
            service_id: Some(service_id.into()),
        }
    }

    /// The environment's shared variables.
    pub fn shared(project_id: impl Into<String>, environment_id: impl Into<String>) -> Self {
        Self { project_id: project_id.into(), environment_id: environment_id.into(), service_id: None }
    }
}

impl From<&sluice_domain::RailwayDestination> for RailwayTarget {
    fn from(d: &sluice_domain::RailwayDestination) -> Self {
        Self {
            project_id: d.project_id().to_owned(),
            environment_id: d.environment_id().to_owned(),
            service_id: d.service_id().map(str::to_owned),
        }
    }
}

/// One project as the destination picker offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RailwayProject {
    pub id: String,
    pub name: String,
    /// The owning workspace, when Railway says.
    pub workspace_id: Option<String>,
    /// Non-ephemeral environments the token can write to (for a project token: only
    /// the one it is bound to).
    pub environments: Vec<RailwayEnvironment>,
    /// Every service of the project; each environment says which of them it has.
    pub services: Vec<Named>,
}

/// One environment as the destination picker offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RailwayEnvironment {
    pub id: String,
    pub name: String,
    /// The services with an instance in this environment (the only ones a sync can target
    /// there).
    pub service_ids: Vec<String>,
}
