//! The world: every Railway record the fake holds, and how a [`Seed`] is merged into it.
//!
//! Seeds are applied to a copy and swapped in only when every reference resolves, so a bad seed
//! never leaves the world half-changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::deployments::new_commit_sha;
use super::gone::Gone;
use super::model::{DeployRecord, VariableWrite};
use super::model::{
    Deployment, DeploymentStatus, Environment, Project, Service, ServiceInstance, StoredVariable, Token, User,
    Workspace,
};
use crate::seed::{Seed, SeedError, SeedProject, SeedService, TokenKind};

/// `(environmentId, serviceId)`; `None` is the environment's shared variables.
pub(crate) type Scope = (String, Option<String>);

#[derive(Clone, Default)]
pub(crate) struct World {
    pub workspaces: BTreeMap<String, Workspace>,
    pub users: BTreeMap<String, User>,
    /// By token value.
    pub tokens: BTreeMap<String, Token>,
    pub projects: BTreeMap<String, Project>,
    pub environments: BTreeMap<String, Environment>,
    pub services: BTreeMap<String, Service>,
    /// Services that exist in every environment of their project, including later ones.
    pub everywhere: BTreeSet<String>,
    /// By `(environmentId, serviceId)`.
    pub instances: BTreeMap<(String, String), ServiceInstance>,
    pub variables: BTreeMap<Scope, BTreeMap<String, StoredVariable>>,
    /// In creation order (oldest first). Added only by [`World::push_deployment`], which
    /// keeps `deployment_index`.
    pub deployments: Vec<Deployment>,
    /// Where each deployment is in `deployments`: by service instance (oldest first) and by
    /// id. A thousand services' deployments were scanned whole by every lookup of one.
    deployment_index: DeploymentIndex,
    /// Indices into `deployments` of `timed` deployments not yet `SUCCESS` (see `deployments.rs`).
    pub timed: Vec<usize>,
    pub deploy_log: Vec<DeployRecord>,
    /// Variables changed by mutations, oldest first (see [`VariableWrite`]).
    pub write_log: Vec<VariableWrite>,
    /// Requests executed so far (the number of the one executing now).
    pub executed: u64,
    /// Projects, environments and services marked as deleted (`gone.rs`).
    pub gone: Gone,
    /// Counter for deterministic default timestamps of seeded records.
    seeded: i64,
}

#[derive(Clone, Debug, Default)]
struct DeploymentIndex {
    by_instance: HashMap<(String, String), Vec<usize>>,
    by_id: HashMap<String, usize>,
}

/// Counts only: token values are map keys here, and they are secrets.
impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("workspaces", &self.workspaces.len())
            .field("users", &self.users.len())
            .field("tokens", &self.tokens.len())
            .field("projects", &self.projects.len())
            .field("environments", &self.environments.len())
            .field("services", &self.services.len())
            .field("variable_scopes", &self.variables.len())
            .field("deployments", &self.deployments.len())
            .field("deploys", &self.deploy_log.len())
            .field("writes", &self.write_log.len())
            .field("gone", &(self.gone.projects.len() + self.gone.environments.len() + self.gone.services.len()))
            .finish_non_exhaustive()
    }
}

/// Seeded records without a timestamp get one minute apart from this instant, in seed order.
const SEED_EPOCH: OffsetDateTime = time::macros::datetime!(2026-01-01 00:00:00 UTC);

impl World {
    /// Merges `seed` into the world: records with a known id are updated, others added.
    pub fn apply_seed(&mut self, seed: &Seed) -> Result<(), SeedError> {
        seed.check()?;
        let mut next = self.clone();
        next.merge(seed)?;
        *self = next;
        Ok(())
    }

    /// Adds a deployment (the newest); its index in `deployments`.
    pub fn push_deployment(&mut self, d: Deployment) -> usize {
        let index = self.deployments.len();
        let index_of = &mut self.deployment_index;
        index_of.by_instance.entry((d.environment_id.clone(), d.service_id.clone())).or_default().push(index);
        index_of.by_id.insert(d.id.clone(), index);
        self.deployments.push(d);
        index
    }

    /// The indices of a service instance's deployments, oldest first.
    pub fn instance_deployments(&self, env_id: &str, service_id: &str) -> &[usize] {
        self.deployment_index.by_instance.get(&(env_id.to_owned(), service_id.to_owned())).map_or(&[], Vec::as_slice)
    }

    /// The index of the deployment `id`.
    pub fn deployment_at(&self, id: &str) -> Option<usize> {
        self.deployment_index.by_id.get(id).copied()
    }

    fn next_seed_time(&mut self) -> OffsetDateTime {
        self.seeded += 1;
        SEED_EPOCH + time::Duration::minutes(self.seeded)
    }

    fn merge(&mut self, seed: &Seed) -> Result<(), SeedError> {
        let first_new_deployment = self.deployments.len();
        for w in &seed.workspaces {
            let created_at = self.next_seed_time();
            let entry = self.workspaces.entry(w.id.clone()).or_insert_with(|| Workspace {
                id: w.id.clone(),
                name: w.name.clone(),
                created_at,
            });
            entry.name = w.name.clone();
        }
        for u in &seed.users {
            for ws in &u.workspace_ids {
                self.require(self.workspaces.contains_key(ws), "user", &u.id, "workspace", ws)?;
            }
            let created_at = self.next_seed_time();
            self.users.insert(
                u.id.clone(),
                User {
                    id: u.id.clone(),
                    email: u.email.clone(),
                    name: u.name.clone(),
                    workspace_ids: u.workspace_ids.clone(),
                    external_project_ids: u.external_project_ids.clone(),
                    created_at,
                },
            );
        }
        for p in &seed.projects {
            self.merge_project(p, &seed.inaccessible_environments)?;
        }
        for id in &seed.inaccessible_environments {
            let env = self.environments.get_mut(id).ok_or_else(|| missing("seed", "canAccess", "environment", id))?;
            env.can_access = false;
        }
        for u in &seed.users {
            for p in &u.external_project_ids {
                self.require(self.projects.contains_key(p), "user", &u.id, "external project", p)?;
            }
        }
        for t in &seed.tokens {
            self.check_token_bindings(t)?;
            let created_at = self.next_seed_time();
            self.tokens.insert(
                t.value.clone(),
                Token {
                    value: t.value.clone(),
                    kind: t.kind,
                    user_id: t.user_id.clone(),
                    workspace_id: t.workspace_id.clone(),
                    project_id: t.project_id.clone(),
                    environment_id: t.environment_id.clone(),
                    id: t.id.clone().unwrap_or_else(new_id),
                    name: t.name.clone().unwrap_or_else(|| "token".to_owned()),
                    created_at,
                },
            );
        }
        for v in &seed.variables {
            let env = self
                .environments
                .get(&v.environment_id)
                .ok_or_else(|| missing("variable", &v.name, "environment", &v.environment_id))?;
            if let Some(service_id) = &v.service_id {
                let key = (env.id.clone(), service_id.clone());
                self.require(
                    self.instances.contains_key(&key),
                    "variable",
                    &v.name,
                    "service instance",
                    &format!("{service_id} in environment {}", env.id),
                )?;
            }
            let scope = (v.environment_id.clone(), v.service_id.clone());
            self.put_variable(&scope, &v.name, &v.value, Some(v.sealed));
        }
        // Deployments seeded here ran with the seeded variables; later merges are hand edits.
        for index in first_new_deployment..self.deployments.len() {
            let d = &self.deployments[index];
            if d.status.has_snapshot() {
                let at = d.created_at;
                self.take_snapshot(index, at);
            }
        }
        Ok(())
    }

    fn merge_project(&mut self, p: &SeedProject, inaccessible: &BTreeSet<String>) -> Result<(), SeedError> {
        self.require(self.workspaces.contains_key(&p.workspace_id), "project", &p.id, "workspace", &p.workspace_id)?;
        let created_at = match &p.created_at {
            Some(text) => parse_time(text)?,
            None => self.next_seed_time(),
        };
        let deleted_at = p.deleted_at.as_deref().map(parse_time).transpose()?;
        let project = self.projects.entry(p.id.clone()).or_insert(Project {
            id: p.id.clone(),
            name: String::new(),
            workspace_id: String::new(),
            description: None,
            created_at,
            updated_at: created_at,
            deleted_at: None,
        });
        project.name = p.name.clone();
        project.workspace_id = p.workspace_id.clone();
        project.description = p.description.clone();
        project.deleted_at = deleted_at;

        let mut new_environments = Vec::new();
        for e in &p.environments {
            if let Some(existing) = self.environments.get(&e.id)
                && existing.project_id != p.id
            {
                return Err(SeedError::Invalid(format!(
                    "environment {} already belongs to project {}",
                    e.id, existing.project_id
                )));
            }
            if !self.environments.contains_key(&e.id) {
                new_environments.push(e.id.clone());
            }
            let created_at = self.next_seed_time();
            let env = self.environments.entry(e.id.clone()).or_insert(Environment {
                id: e.id.clone(),
                project_id: p.id.clone(),
                name: String::new(),
                is_ephemeral: false,
                can_access: true,
                created_at,
            });
            env.name = e.name.clone();
            env.is_ephemeral = e.is_ephemeral;
            env.can_access = !inaccessible.contains(&e.id);
        }
        // Services already present everywhere follow the project into its new environments.
        let everywhere: Vec<String> = self
            .services
            .values()
            .filter(|s| s.project_id == p.id && self.everywhere.contains(&s.id))
            .map(|s| s.id.clone())
            .collect();
        for env_id in &new_environments {
            for service_id in &everywhere {
                self.ensure_instance(env_id, service_id, None, None);
            }
        }
        for s in &p.services {
            self.merge_service(p, s)?;
        }
        Ok(())
    }

    fn merge_service(&mut self, p: &SeedProject, s: &SeedService) -> Result<(), SeedError> {
        if let Some(existing) = self.services.get(&s.id)
            && existing.project_id != p.id
        {
            return Err(SeedError::Invalid(format!(
                "service {} already belongs to project {}",
                s.id, existing.project_id
            )));
        }
        let created_at = self.next_seed_time();
        let service = self.services.entry(s.id.clone()).or_insert(Service {
            id: s.id.clone(),
            project_id: p.id.clone(),
            name: String::new(),
            icon: None,
            created_at,
        });
        service.name = s.name.clone();
        service.icon = s.icon.clone();
        let env_ids: Vec<String> = match &s.environment_ids {
            Some(ids) => {
                self.everywhere.remove(&s.id);
                for id in ids {
                    let in_project = self.environments.get(id).is_some_and(|e| e.project_id == p.id);
                    self.require(in_project, "service", &s.id, "environment of its project", id)?;
                }
                ids.clone()
            }
            None => {
                self.everywhere.insert(s.id.clone());
                self.environments.values().filter(|e| e.project_id == p.id).map(|e| e.id.clone()).collect()
            }
        };
        for env_id in env_ids {
            self.ensure_instance(&env_id, &s.id, s.deployment_statuses.as_deref(), s.cron_schedule.clone());
        }
        Ok(())
    }

    /// Creates the service instance (with its seeded deployments) if it does not exist yet.
    fn ensure_instance(
        &mut self,
        env_id: &str,
        service_id: &str,
        statuses: Option<&[DeploymentStatus]>,
        cron_schedule: Option<String>,
    ) {
        let key = (env_id.to_owned(), service_id.to_owned());
        if let Some(existing) = self.instances.get_mut(&key) {
            if cron_schedule.is_some() {
                existing.cron_schedule = cron_schedule;
            }
            return;
        }
        let created_at = self.next_seed_time();
        self.instances.insert(
            key,
            ServiceInstance {
                id: new_id(),
                environment_id: env_id.to_owned(),
                service_id: service_id.to_owned(),
                cron_schedule,
                created_at,
            },
        );
        let project_id = self.environments.get(env_id).map(|e| e.project_id.clone()).unwrap_or_default();
        // Seeded deployments are runs of one commit.
        let commit_sha = new_commit_sha();
        for status in statuses.unwrap_or(&[DeploymentStatus::Success]) {
            let created_at = self.next_seed_time();
            self.push_deployment(Deployment {
                id: new_id(),
                project_id: project_id.clone(),
                environment_id: env_id.to_owned(),
                service_id: service_id.to_owned(),
                status: *status,
                snapshot: None,
                created_at,
                status_updated_at: created_at,
                timed: None,
                replica_id: new_id(),
                commit_sha: commit_sha.clone(),
            });
        }
    }

    fn check_token_bindings(&self, t: &crate::seed::SeedToken) -> Result<(), SeedError> {
        let what = t.kind.as_str();
        match t.kind {
            TokenKind::Account => {
                let user = t.user_id.as_deref().unwrap_or_default();
                self.require(self.users.contains_key(user), what, "token", "user", user)
            }
            TokenKind::Workspace => {
                let ws = t.workspace_id.as_deref().unwrap_or_default();
                self.require(self.workspaces.contains_key(ws), what, "token", "workspace", ws)
            }
            TokenKind::Project => {
                let project = t.project_id.as_deref().unwrap_or_default();
                let env = t.environment_id.as_deref().unwrap_or_default();
                let bound = self.environments.get(env).is_some_and(|e| e.project_id == project);
                self.require(bound, what, "token", "environment of project", env)
            }
        }
    }

    fn require(&self, ok: bool, what: &str, id: &str, needs: &str, target: &str) -> Result<(), SeedError> {
        if ok { Ok(()) } else { Err(missing(what, id, needs, target)) }
    }

    /// Sets a variable. `sealed: None` keeps the current flag (a new variable is not sealed).
    pub fn put_variable(&mut self, scope: &Scope, name: &str, value: &str, sealed: Option<bool>) {
        let now = OffsetDateTime::now_utc();
        let vars = self.variables.entry(scope.clone()).or_default();
        match vars.get_mut(name) {
            Some(existing) => {
                existing.value = value.to_owned();
                existing.updated_at = now;
                if let Some(sealed) = sealed {
                    existing.sealed = sealed;
                }
            }
            None => {
                vars.insert(
                    name.to_owned(),
                    StoredVariable {
                        id: new_id(),
                        value: value.to_owned(),
                        sealed: sealed.unwrap_or(false),
                        created_at: now,
                        updated_at: now,
                    },
                );
            }
        }
    }

    /// Records a variable changed by the mutation `operation` (`None`: deleted).
    pub fn log_write(&mut self, scope: &Scope, name: &str, value: Option<&str>, operation: &str) {
        self.write_log.push(VariableWrite {
            environment_id: scope.0.clone(),
            service_id: scope.1.clone(),
            name: name.to_owned(),
            value: value.map(str::to_owned),
            operation: operation.to_owned(),
            request: self.executed,
            at: OffsetDateTime::now_utc(),
        });
    }

    /// Removes a variable; whether it existed.
    pub fn remove_variable(&mut self, scope: &Scope, name: &str) -> bool {
        self.variables.get_mut(scope).is_some_and(|vars| vars.remove(name).is_some())
    }

    /// Removes every variable of a scope (sealed ones too); the names removed.
    pub fn clear_scope(&mut self, scope: &Scope) -> Vec<String> {
        self.variables.remove(scope).map(|vars| vars.into_keys().collect()).unwrap_or_default()
    }
}

fn missing(what: &str, id: &str, needs: &str, target: &str) -> SeedError {
    SeedError::Invalid(format!("{what} {id}: unknown {needs} {target}"))
}

fn parse_time(text: &str) -> Result<OffsetDateTime, SeedError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| SeedError::Invalid(format!("{text:?} is not an RFC 3339 time: {e}")))
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &str = "44444444-4444-4444-8444-444444444444";
    const API: &str = "66666666-6666-4666-8666-666666666666";

    fn example_world() -> World {
        let mut world = World::default();
        world.apply_seed(&Seed::example()).expect("example applies");
        world
    }

    #[test]
    fn example_has_every_service_everywhere_with_one_success() {
        let world = example_world();
        assert_eq!(world.instances.len(), 4);
        assert_eq!(world.deployments.len(), 4);
        assert!(world.deployments.iter().all(|d| d.status == DeploymentStatus::Success && d.snapshot.is_some()));
        let api = world.running(PROD, API).expect("live");
        assert_eq!(api.variables["DATABASE_URL"].as_deref().map(|v| v.starts_with("postgres")), Some(true));
    }

    #[test]
    fn bad_merge_changes_nothing() {
        let mut world = example_world();
        let before = world.variables.len();
        let bad = Seed::from_json(
            r#"{"variables":[
                {"environmentId":"44444444-4444-4444-8444-444444444444","name":"NEW","value":"x"},
                {"environmentId":"99999999-9999-4999-8999-999999999999","name":"Y","value":"y"}
            ]}"#,
        )
        .expect("shape is fine");
        assert!(world.apply_seed(&bad).is_err());
        assert_eq!(world.variables.len(), before);
        let shared = ("44444444-4444-4444-8444-444444444444".to_owned(), None);
        assert!(!world.variables[&shared].contains_key("NEW"));
    }

    #[test]
    fn new_environment_gets_everywhere_services() {
        let mut world = example_world();
        let more = Seed::from_json(
            r#"{"projects":[{"id":"33333333-3333-4333-8333-333333333333","name":"shop",
                "workspaceId":"11111111-1111-4111-8111-111111111111",
                "environments":[{"id":"88888888-8888-4888-8888-888888888888","name":"pr-1","isEphemeral":true}],
                "services":[{"id":"99999999-9999-4999-8999-999999999999","name":"cron",
                    "environmentIds":["44444444-4444-4444-8444-444444444444"],
                    "deploymentStatuses":["SKIPPED","FAILED"]}]}]}"#,
        )
        .expect("shape is fine");
        world.apply_seed(&more).expect("merges");
        let pr = "88888888-8888-4888-8888-888888888888";
        assert_eq!(
            world.instances.keys().filter(|(e, _)| e == pr).count(),
            2,
            "api and worker follow into the new environment, cron does not"
        );
        let cron: Vec<_> =
            world.deployments.iter().filter(|d| d.service_id == "99999999-9999-4999-8999-999999999999").collect();
        assert_eq!(cron.len(), 2);
        assert!(cron.iter().all(|d| d.snapshot.is_none()));
    }
}
