//! The seed's JSON shape. It differs from the Rust types in one place: an environment object
//! carries `"canAccess"` (default `true`), which the Rust side keeps as
//! [`super::Seed::inaccessible_environments`] so that `SeedEnvironment` and `SeedProject` keep
//! their fields (other crates build them with struct literals).

use serde::{Deserialize, Serialize};

use super::{SeedEnvironment, SeedProject, SeedService, SeedToken, SeedUser, SeedVariable, SeedWorkspace};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Seed {
    #[serde(default)]
    workspaces: Vec<SeedWorkspace>,
    #[serde(default)]
    users: Vec<SeedUser>,
    #[serde(default)]
    tokens: Vec<SeedToken>,
    #[serde(default)]
    projects: Vec<Project>,
    #[serde(default)]
    variables: Vec<SeedVariable>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Project {
    id: String,
    name: String,
    workspace_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
    #[serde(default)]
    environments: Vec<Environment>,
    #[serde(default)]
    services: Vec<SeedService>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Environment {
    id: String,
    name: String,
    #[serde(default)]
    is_ephemeral: bool,
    #[serde(default = "accessible", skip_serializing_if = "is_accessible")]
    can_access: bool,
}

fn accessible() -> bool {
    true
}

fn is_accessible(can_access: &bool) -> bool {
    *can_access
}

impl From<Seed> for super::Seed {
    fn from(wire: Seed) -> Self {
        let mut inaccessible_environments = std::collections::BTreeSet::new();
        let projects = wire
            .projects
            .into_iter()
            .map(|p| SeedProject {
                id: p.id,
                name: p.name,
                workspace_id: p.workspace_id,
                description: p.description,
                created_at: p.created_at,
                deleted_at: p.deleted_at,
                environments: p
                    .environments
                    .into_iter()
                    .map(|e| {
                        if !e.can_access {
                            inaccessible_environments.insert(e.id.clone());
                        }
                        SeedEnvironment { id: e.id, name: e.name, is_ephemeral: e.is_ephemeral }
                    })
                    .collect(),
                services: p.services,
            })
            .collect();
        super::Seed {
            workspaces: wire.workspaces,
            users: wire.users,
            tokens: wire.tokens,
            projects,
            variables: wire.variables,
            inaccessible_environments,
        }
    }
}

impl From<super::Seed> for Seed {
    fn from(seed: super::Seed) -> Self {
        let closed = seed.inaccessible_environments;
        let projects = seed
            .projects
            .into_iter()
            .map(|p| Project {
                id: p.id,
                name: p.name,
                workspace_id: p.workspace_id,
                description: p.description,
                created_at: p.created_at,
                deleted_at: p.deleted_at,
                environments: p
                    .environments
                    .into_iter()
                    .map(|e| Environment {
                        can_access: !closed.contains(&e.id),
                        id: e.id,
                        name: e.name,
                        is_ephemeral: e.is_ephemeral,
                    })
                    .collect(),
                services: p.services,
            })
            .collect();
        Seed {
            workspaces: seed.workspaces,
            users: seed.users,
            tokens: seed.tokens,
            projects,
            variables: seed.variables,
        }
    }
}
