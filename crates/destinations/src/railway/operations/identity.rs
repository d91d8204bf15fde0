//! Credential checks and token-kind auto-detection.
//!
//! A declared kind runs only its own probe: account → `me { id email workspaces }`,
//! workspace → `apiToken { workspaces }` (must be exactly one), project →
//! `projectToken`. Auto-detection runs the three probes in separate requests, in that
//! order (Railway nulls the whole `data` when one root field fails, so they cannot be
//! combined), and stops at the first success. Only refusals move it to the next probe:
//! a rate limit or an outage is returned as is, never reported as a bad token.
//!
//! A known blind spot: an account token that reaches exactly one workspace passes the
//! workspace check too (both use `Authorization: Bearer`, so requests still work).

use graphql_client::GraphQLQuery;

use crate::railway::auth::{Credentials, TokenKind, TokenReach};
use crate::railway::client::RailwayClient;
use crate::railway::errors::RailwayError;
use crate::railway::types::Named;
use sluice_domain::SecretToken;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/me.graphql",
    response_derives = "Debug"
)]
pub(crate) struct Me;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/api_token.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ApiToken;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema/railway/railway.graphql",
    query_path = "src/railway/operations/project_token.graphql",
    response_derives = "Debug"
)]
pub(crate) struct ProjectTokenReach;

impl RailwayClient {
    /// Checks a token of a declared kind with the one probe for that kind.
    pub async fn check_credentials(&self, kind: TokenKind, token: &SecretToken) -> Result<TokenReach, RailwayError> {
        let creds = Credentials::new(kind, token.clone());
        match kind {
            TokenKind::Account => {
                let workspaces = self.account_workspaces(&creds).await?;
                Ok(TokenReach::Account { workspaces })
            }
            TokenKind::Workspace => {
                let data = self.query::<ApiToken>(&creds, api_token::Variables).await?;
                let mut workspaces: Vec<Named> =
                    data.api_token.workspaces.into_iter().map(|w| Named::new(w.id, w.name)).collect();
                match workspaces.len() {
                    1 => Ok(TokenReach::Workspace { workspace: workspaces.remove(0) }),
                    n => Err(RailwayError::Rejected {
                        message: format!(
                            "a workspace token reaches exactly one workspace, this token reaches {n}; is it an account token?"
                        ),
                    }),
                }
            }
            TokenKind::Project => {
                let data = self.query::<ProjectTokenReach>(&creds, project_token_reach::Variables).await?;
                let t = data.project_token;
                Ok(TokenReach::Project {
                    project: Named::new(t.project.id, t.project.name),
                    environment: Named::new(t.environment.id, t.environment.name),
                })
            }
        }
    }

    /// Finds out what kind of token this is by probing account, workspace, then project.
    /// All three refused ⇒ `Unauthorized` carrying Railway's three answers.
    pub async fn detect_token(&self, token: &SecretToken) -> Result<TokenReach, RailwayError> {
        let mut refusals = Vec::new();
        for kind in TokenKind::ALL {
            match self.check_credentials(*kind, token).await {
                Ok(reach) => return Ok(reach),
                Err(RailwayError::Unauthorized { message }) => {
                    refusals.push(format!("as {kind}: {message}"));
                }
                Err(other) => return Err(other),
            }
        }
        Err(RailwayError::Unauthorized {
            message: format!(
                "Railway accepts the token as none of account, workspace or project token ({})",
                refusals.join("; ")
            ),
        })
    }

    /// The workspaces an account token reaches (`me.workspaces`).
    pub(crate) async fn account_workspaces(&self, creds: &Credentials) -> Result<Vec<Named>, RailwayError> {
        let data = self.query::<Me>(creds, me::Variables).await?;
        Ok(data.me.workspaces.into_iter().map(|w| Named::new(w.id, w.name)).collect())
    }
}
