//! The destination picker: every project a token can write to, with its non-ephemeral
//! environments and its services.
//!
//! - Account token: `me.workspaces`, then `projects(workspaceId:)` per workspace.
//! - Workspace token: `projects` without `workspaceId` (Railway scopes it to the token).
//! - Project token: its one project, offering **only the environment it is bound to**.
//!
//! Every list sends `first` and follows `pageInfo`. The first page of a project's
//! environments and services comes nested in the projects page, so a typical picker
//! costs one request per workspace; only longer lists cost more. Projects with a
//! `deletedAt` are skipped, and ephemeral (PR) environments are filtered on the server
//! (`isEphemeral: false`) and again here. Errors are errors, never an empty list.

use graphql_client::GraphQLQuery;

use super::Pager;
use crate::railway::auth::{Credentials, TokenKind};
use crate::railway::client::RailwayClient;
use crate::railway::errors::RailwayError;
use crate::railway::types::{Named, RailwayProject};

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
                let node = edge.node;
                if node.deleted_at.is_some() {
                    continue;
                }
                let envs = node.environments;
                let mut environments: Vec<Named> = envs
                    .edges
                    .into_iter()
                    .filter(|e| !e.node.is_ephemeral)
                    .map(|e| Named::new(e.node.id, e.node.name))
                    .collect();
                if let Some(pager) =
                    Pager::resume("environments", envs.page_info.has_next_page, envs.page_info.end_cursor)?
                {
                    environments.extend(self.more_environments(creds, &node.id, pager).await?);
                }
                let svcs = node.services;
                let mut services: Vec<Named> =
                    svcs.edges.into_iter().map(|e| Named::new(e.node.id, e.node.name)).collect();
                if let Some(pager) = Pager::resume("services", svcs.page_info.has_next_page, svcs.page_info.end_cursor)?
                {
                    services.extend(self.more_services(creds, &node.id, pager).await?);
                }
                out.push(RailwayProject {
                    id: node.id,
                    name: node.name,
                    workspace_id: node.workspace_id,
                    environments,
                    services,
                });
            }
            if !pager.advance(page.page_info.has_next_page, page.page_info.end_cursor)? {
                return Ok(out);
            }
        }
    }

    async fn more_environments(
        &self,
        creds: &Credentials,
        project_id: &str,
        mut pager: Pager,
    ) -> Result<Vec<Named>, RailwayError> {
        let mut out = Vec::new();
        loop {
            let vars = environments_page::Variables {
                project_id: project_id.to_owned(),
                first: self.page_size(),
                after: pager.cursor(),
            };
            let page = self.query::<EnvironmentsPage>(creds, vars).await?.environments;
            out.extend(
                page.edges.into_iter().filter(|e| !e.node.is_ephemeral).map(|e| Named::new(e.node.id, e.node.name)),
            );
            if !pager.advance(page.page_info.has_next_page, page.page_info.end_cursor)? {
                return Ok(out);
            }
        }
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
        Ok(RailwayProject {
            id: project.id,
            name: project.name,
            workspace_id: project.workspace_id,
            environments: vec![Named::new(token.environment.id, token.environment.name)],
            services,
        })
    }
}
