//! The destination picker: every project a token can write to, with the environments it
//! may use and, per environment, the services that have an instance there.
//!
//! - Account token: `me.workspaces`, then `projects(workspaceId:)` per workspace, plus the
//!   projects it was invited to without joining their workspace (`externalWorkspaces`;
//!   Railway's CLI lists both).
//! - Workspace token: `projects` without `workspaceId` (Railway scopes it to the token).
//! - Project token: its one project, offering **only the environment it is bound to**.
//!
//! Environments Railway marks `canAccess: false` are left out (the token's user may not
//! use them; Railway's CLI filters them the same way), and so are ephemeral (PR)
//! environments (`isEphemeral: false` on the server, and again here). Each environment
//! lists the services with an instance in it (`environment.serviceInstances`, asked per
//! usable environment: asking it of an environment the token may not use would fail the
//! whole request): a service not deployed to an environment cannot be a sync's target
//! there.
//!
//! Every paginated list sends `first` and follows `pageInfo`. The first page of a
//! project's environments and services comes nested in the projects page, so a picker
//! costs one request per workspace plus one per usable environment. Projects with a
//! `deletedAt` are skipped. Errors are errors, never an empty list.

use graphql_client::GraphQLQuery;

use super::Pager;
use crate::railway::auth::{Credentials, TokenKind};
use crate::railway::client::RailwayClient;
use crate::railway::errors::RailwayError;
use crate::railway::types::{Named, RailwayEnvironment, RailwayProject};

type DateTime = String;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/projects_page.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ProjectsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/external_projects.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ExternalProjects;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/environments_page.graphql",
    response_derives = "Debug"
)]
pub(crate) struct EnvironmentsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/services_page.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ServicesPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/project_token_project.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ProjectTokenProject;

/// One environment as a page delivered it.
struct EnvironmentPage {
    id: String,
    name: String,
    usable: bool,
}

/// One project as a page delivered it.
struct ProjectPage {
    id: String,
    name: String,
    deleted: bool,
    workspace_id: Option<String>,
    environments: Vec<EnvironmentPage>,
    more_environments: Option<Pager>,
    services: Vec<Named>,
    more_services: Option<Pager>,
}

/// Turns one generated project node (each query has its own types) into a [`ProjectPage`].
macro_rules! project_page {
    ($node:expr) => {{
        let node = $node;
        let envs = node.environments;
        let mut environments = Vec::new();
        for e in envs.edges {
            let e = e.node;
            environments.push(EnvironmentPage { usable: e.can_access && !e.is_ephemeral, id: e.id, name: e.name });
        }
        let svcs = node.services;
        ProjectPage {
            deleted: node.deleted_at.is_some(),
            workspace_id: node.workspace_id,
            environments,
            more_environments: Pager::resume("environments", envs.page_info.has_next_page, envs.page_info.end_cursor)?,
            services: svcs.edges.into_iter().map(|e| Named::new(e.node.id, e.node.name)).collect(),
            more_services: Pager::resume("services", svcs.page_info.has_next_page, svcs.page_info.end_cursor)?,
            id: node.id,
            name: node.name,
        }
    }};
}

impl RailwayClient {
    /// Every project the token can write to, for the destination picker.
    pub async fn list_projects(&self, creds: &Credentials) -> Result<Vec<RailwayProject>, RailwayError> {
        match creds.kind {
            TokenKind::Account => {
                let mut out: Vec<RailwayProject> = Vec::new();
                for workspace in self.account_workspaces(creds).await? {
                    for project in self.projects_of(creds, Some(workspace.id)).await? {
                        if !out.iter().any(|p| p.id == project.id) {
                            out.push(project);
                        }
                    }
                }
                for project in self.external_projects(creds).await? {
                    if !out.iter().any(|p| p.id == project.id) {
                        out.push(project);
                    }
                }
                Ok(out)
            }
            TokenKind::Workspace => self.projects_of(creds, None).await,
            TokenKind::Project => Ok(vec![self.project_token_project(creds).await?]),
        }
    }

    async fn projects_of(
        &self,
        creds: &Credentials,
        workspace_id: Option<String>,
    ) -> Result<Vec<RailwayProject>, RailwayError> {
        let mut out = Vec::new();
        let mut pager = Pager::new("projects");
        loop {
            let vars = projects_page::Variables {
                workspace_id: workspace_id.clone(),
                first: self.page_size(),
                after: pager.cursor(),
            };
            let page = self.query::<ProjectsPage>(creds, vars).await?.projects;
            for edge in page.edges {
                let project = project_page!(edge.node);
                if let Some(p) = self.complete(creds, project).await? {
                    out.push(p);
                }
            }
            if !pager.advance(page.page_info.has_next_page, page.page_info.end_cursor)? {
                return Ok(out);
            }
        }
    }

    /// The projects an account token reaches through `externalWorkspaces`.
    async fn external_projects(&self, creds: &Credentials) -> Result<Vec<RailwayProject>, RailwayError> {
        let vars = external_projects::Variables { first: self.page_size() };
        let workspaces = self.query::<ExternalProjects>(creds, vars).await?.external_workspaces;
        let mut out = Vec::new();
        for workspace in workspaces {
            for node in workspace.projects {
                let project = project_page!(node);
                if let Some(p) = self.complete(creds, project).await? {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// A project with every page of its environments, their service instances and its
    /// services; `None` for a deleted project.
    async fn complete(&self, creds: &Credentials, page: ProjectPage) -> Result<Option<RailwayProject>, RailwayError> {
        if page.deleted {
            return Ok(None);
        }
        let mut pages = page.environments;
        if let Some(pager) = page.more_environments {
            pages.extend(self.more_environments(creds, &page.id, pager).await?);
        }
        let mut environments = Vec::new();
        for e in pages {
            if !e.usable {
                continue;
            }
            let service_ids = self.service_ids(creds, &e.id).await?;
            environments.push(RailwayEnvironment { id: e.id, name: e.name, service_ids });
        }
        let mut services = page.services;
        if let Some(pager) = page.more_services {
            services.extend(self.more_services(creds, &page.id, pager).await?);
        }
        Ok(Some(RailwayProject {
            id: page.id,
            name: page.name,
            workspace_id: page.workspace_id,
            environments,
            services,
        }))
    }

    async fn more_environments(
        &self,
        creds: &Credentials,
        project_id: &str,
        mut pager: Pager,
    ) -> Result<Vec<EnvironmentPage>, RailwayError> {
        let mut out = Vec::new();
        loop {
            let vars = environments_page::Variables {
                project_id: project_id.to_owned(),
                first: self.page_size(),
                after: pager.cursor(),
            };
            let page = self.query::<EnvironmentsPage>(creds, vars).await?.environments;
            for e in page.edges {
                let e = e.node;
                out.push(EnvironmentPage { usable: e.can_access && !e.is_ephemeral, id: e.id, name: e.name });
            }
            if !pager.advance(page.page_info.has_next_page, page.page_info.end_cursor)? {
                return Ok(out);
            }
        }
    }

    /// The ids of the services with an instance in an environment.
    async fn service_ids(&self, creds: &Credentials, environment_id: &str) -> Result<Vec<String>, RailwayError> {
        Ok(self.service_instances(creds, environment_id).await?.into_iter().map(|n| n.id).collect())
    }

    async fn more_services(
        &self,
        creds: &Credentials,
        project_id: &str,
        mut pager: Pager,
    ) -> Result<Vec<Named>, RailwayError> {
        let mut out = Vec::new();
        loop {
            let vars = services_page::Variables {
                project_id: project_id.to_owned(),
                first: self.page_size(),
                after: pager.cursor(),
            };
            let page = self.query::<ServicesPage>(creds, vars).await?.project.services;
            out.extend(page.edges.into_iter().map(|e| Named::new(e.node.id, e.node.name)));
            if !pager.advance(page.page_info.has_next_page, page.page_info.end_cursor)? {
                return Ok(out);
            }
        }
    }

    /// A project token's picker: its project, its services, and only its environment.
    async fn project_token_project(&self, creds: &Credentials) -> Result<RailwayProject, RailwayError> {
        let vars = project_token_project::Variables { first: self.page_size() };
        let token = self.query::<ProjectTokenProject>(creds, vars).await?.project_token;
        let project = token.project;
        let svcs = project.services;
        let mut services: Vec<Named> = svcs.edges.into_iter().map(|e| Named::new(e.node.id, e.node.name)).collect();
        if let Some(pager) = Pager::resume("services", svcs.page_info.has_next_page, svcs.page_info.end_cursor)? {
            services.extend(self.more_services(creds, &project.id, pager).await?);
        }
        let env = token.environment;
        let service_ids = self.service_ids(creds, &env.id).await?;
        Ok(RailwayProject {
            id: project.id,
            name: project.name,
            workspace_id: project.workspace_id,
            environments: vec![RailwayEnvironment { id: env.id, name: env.name, service_ids }],
            services,
        })
    }
}
