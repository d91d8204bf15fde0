//! Reading variables out of the world the way Railway's API answers them (reference §10.5):
//! unrendered (stored strings), rendered (references substituted), sealed values as `null`,
//! and the `RAILWAY_*` variables in rendered service output only.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Deployment, SnapshotValue};
use super::world::{Scope, World};
use crate::variables::{self, DeploymentFacts, ProvidedFor, Reference};

/// A reference chain deeper than this renders as `""` (also breaks cycles).
const MAX_DEPTH: usize = 8;

/// The answer of a `variables` read: name → value, `None` for sealed variables.
pub(crate) type VariableMap = BTreeMap<String, Option<String>>;

impl World {
    /// The stored strings of a scope, sealed as `None`.
    pub fn unrendered(&self, scope: &Scope) -> VariableMap {
        self.variables
            .get(scope)
            .map(|vars| vars.iter().map(|(name, v)| (name.clone(), (!v.sealed).then(|| v.value.clone()))).collect())
            .unwrap_or_default()
    }

    /// The rendered variables of a scope; a service scope also gets its `RAILWAY_*` variables
    /// (a stored variable of the same name wins), seen from its newest deployment.
    pub fn rendered(&self, scope: &Scope) -> VariableMap {
        self.as_deployed(scope, None).into_iter().map(|(name, v)| (name, (!v.sealed).then_some(v.value))).collect()
    }

    /// Every variable of a scope as an app would receive it: rendered, `RAILWAY_*` variables
    /// for a service scope, sealed values revealed but flagged. `viewer` is the deployment whose
    /// own ids (`RAILWAY_DEPLOYMENT_ID`, …) its service sees; `None` = the newest one.
    pub fn as_deployed(&self, scope: &Scope, viewer: Option<&Deployment>) -> BTreeMap<String, SnapshotValue> {
        let mut out: BTreeMap<String, SnapshotValue> = match &scope.1 {
            Some(service_id) => self
                .provided(&scope.0, service_id, viewer)
                .into_iter()
                .map(|(k, value)| (k, SnapshotValue { value, sealed: false }))
                .collect(),
            None => BTreeMap::new(),
        };
        if let Some(vars) = self.variables.get(scope) {
            for (name, v) in vars {
                let value = self.render_in(scope, &v.value, 0, viewer);
                out.insert(name.clone(), SnapshotValue { value, sealed: v.sealed });
            }
        }
        out
    }

    /// The `RAILWAY_*` variables of one service instance (empty if it does not exist), as
    /// `viewer` (default: the instance's newest deployment) receives them.
    pub fn provided(&self, env_id: &str, service_id: &str, viewer: Option<&Deployment>) -> BTreeMap<String, String> {
        let (Some(env), Some(service)) = (self.environments.get(env_id), self.services.get(service_id)) else {
            return BTreeMap::new();
        };
        let Some(project) = self.projects.get(&env.project_id) else {
            return BTreeMap::new();
        };
        let deployment = viewer
            .filter(|d| d.environment_id == env_id && d.service_id == service_id)
            .or_else(|| self.newest_deployment(env_id, service_id));
        let workspace_name = self.workspaces.get(&project.workspace_id).map_or("", |w| w.name.as_str());
        variables::provided(&ProvidedFor {
            workspace_name,
            project_id: &project.id,
            project_name: &project.name,
            environment_id: &env.id,
            environment_name: &env.name,
            service_id: &service.id,
            service_name: &service.name,
            deployment: deployment.map(|d| DeploymentFacts {
                id: &d.id,
                snapshot_id: d.snapshot.as_ref().map(|s| s.id.as_str()),
                replica_id: &d.replica_id,
                commit_sha: &d.commit_sha,
            }),
        })
    }

    fn render_in(&self, scope: &Scope, raw: &str, depth: usize, viewer: Option<&Deployment>) -> String {
        if depth >= MAX_DEPTH {
            return String::new();
        }
        variables::render(raw, &mut |reference| {
            let (target, name) = match reference {
                Reference::Shared(name) => ((scope.0.clone(), None), name),
                Reference::Own(name) => (scope.clone(), name),
                Reference::Service { service, name } => {
                    let service_id = self.service_by_name(&scope.0, service)?;
                    ((scope.0.clone(), Some(service_id)), name)
                }
            };
            self.resolve(&target, name, depth + 1, viewer)
        })
    }

    /// The rendered value `name` has in `scope` (stored, else Railway-provided), if any.
    fn resolve(&self, scope: &Scope, name: &str, depth: usize, viewer: Option<&Deployment>) -> Option<String> {
        if let Some(v) = self.variables.get(scope).and_then(|vars| vars.get(name)) {
            return Some(self.render_in(scope, &v.value, depth, viewer));
        }
        let service_id = scope.1.as_deref()?;
        self.provided(&scope.0, service_id, viewer).remove(name)
    }

    /// The id of the service called `name` in the project of `env_id`.
    fn service_by_name(&self, env_id: &str, name: &str) -> Option<String> {
        let project_id = &self.environments.get(env_id)?.project_id;
        self.services.values().find(|s| &s.project_id == project_id && s.name == name).map(|s| s.id.clone())
    }

    /// Services of `env_id` whose stored variables reference one of the shared `names`.
    pub fn services_referencing_shared(&self, env_id: &str, names: &BTreeSet<String>) -> Vec<String> {
        self.instances
            .keys()
            .filter(|(env, _)| env == env_id)
            .filter(|(env, service)| {
                self.variables.get(&(env.clone(), Some(service.clone()))).is_some_and(|vars| {
                    vars.values().any(|v| names.iter().any(|n| variables::references_shared(&v.value, n)))
                })
            })
            .map(|(_, service)| service.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    const PROD: &str = "44444444-4444-4444-8444-444444444444";
    const API: &str = "66666666-6666-4666-8666-666666666666";
    const WORKER: &str = "77777777-7777-4777-8777-777777777777";

    fn world() -> World {
        let mut world = World::default();
        world.apply_seed(&Seed::example()).expect("example applies");
        world
    }

    fn scope(service: Option<&str>) -> Scope {
        (PROD.to_owned(), service.map(str::to_owned))
    }

    #[test]
    fn unrendered_is_verbatim_and_hides_sealed() {
        let vars = world().unrendered(&scope(Some(API)));
        assert_eq!(vars["LOG_LEVEL"].as_deref(), Some("${{shared.LOG_LEVEL}}"));
        assert_eq!(vars["STRIPE_SECRET_KEY"], None);
        assert!(!vars.keys().any(|k| k.starts_with("RAILWAY_")));
    }

    #[test]
    fn rendered_service_output() {
        let world = world();
        let api = world.rendered(&scope(Some(API)));
        assert_eq!(api["LOG_LEVEL"].as_deref(), Some("info"));
        assert_eq!(api["STRIPE_SECRET_KEY"], None);
        assert_eq!(api["RAILWAY_SERVICE_NAME"].as_deref(), Some("api"));
        let worker = world.rendered(&scope(Some(WORKER)));
        assert_eq!(worker["API_INTERNAL_URL"].as_deref(), Some("http://api.railway.internal:8080"));
        let shared = world.rendered(&scope(None));
        assert!(!shared.keys().any(|k| k.starts_with("RAILWAY_")));
    }

    #[test]
    fn cycles_and_unknowns_render_empty() {
        let mut world = world();
        let s = scope(Some(API));
        world.put_variable(&s, "A", "a${{B}}", None);
        world.put_variable(&s, "B", "b${{A}}", None);
        world.put_variable(&s, "C", "[${{nope.X}}${{shared.NOPE}}${{NOPE}}]", None);
        let vars = world.rendered(&s);
        assert!(vars["A"].as_deref().is_some_and(|v| v.starts_with("abab")));
        assert_eq!(vars["C"].as_deref(), Some("[]"));
    }

    #[test]
    fn shared_reference_fan_out() {
        let world = world();
        let names = BTreeSet::from(["LOG_LEVEL".to_owned()]);
        assert_eq!(world.services_referencing_shared(PROD, &names), vec![API.to_owned()]);
        let none = BTreeSet::from(["PUBLIC_URL".to_owned()]);
        assert!(world.services_referencing_shared(PROD, &none).is_empty());
    }
}
