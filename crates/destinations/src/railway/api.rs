//! [`RailwayApi`]: what Sluice needs from Railway's API, as an object-safe trait (the
//! sync's apply step in `apply.rs`, and the connection and picker endpoints).
//!
//! Implemented by [`RailwayClient`]; there is no second fake implementation — engine
//! tests run the real client against `sluice-railway-fake`. Methods return boxed
//! futures so `Arc<dyn RailwayApi>` works without an `async_trait` dependency.

use std::collections::BTreeMap;

use super::auth::{Credentials, TokenKind, TokenReach};
use super::client::RailwayClient;
use super::errors::RailwayError;
use super::operations::deploys::{Redeploy, RedeployPlan};
use super::operations::targets::Unreachable;
use super::rate_limit::RateLimitStatus;
use super::types::{Named, RailwayProject, RailwayTarget};
use crate::destination::BoxFuture;
use sluice_domain::planner::Observed;
use sluice_domain::{SecretToken, SecretValue};

/// Railway as the sync engine and the connection/picker endpoints use it. See the
/// inherent methods of [`RailwayClient`] for the semantics of each.
pub trait RailwayApi: Send + Sync {
    fn check_credentials<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a SecretToken,
    ) -> BoxFuture<'a, Result<TokenReach, RailwayError>>;

    fn detect_token<'a>(&'a self, token: &'a SecretToken) -> BoxFuture<'a, Result<TokenReach, RailwayError>>;

    fn list_projects<'a>(&'a self, creds: &'a Credentials) -> BoxFuture<'a, Result<Vec<RailwayProject>, RailwayError>>;

    fn get_variables<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
    ) -> BoxFuture<'a, Result<Observed, RailwayError>>;

    fn upsert_variables<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
        variables: &'a BTreeMap<String, SecretValue>,
        skip_deploys: bool,
    ) -> BoxFuture<'a, Result<(), RailwayError>>;

    fn delete_variable<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
        name: &'a str,
    ) -> BoxFuture<'a, Result<(), RailwayError>>;

    fn replace_variables<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
        variables: &'a BTreeMap<String, SecretValue>,
    ) -> BoxFuture<'a, Result<(), RailwayError>>;

    fn redeploy_plan<'a>(
        &'a self,
        creds: &'a Credentials,
        environment_id: &'a str,
        service_id: &'a str,
        requested_after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RedeployPlan, RailwayError>>;

    fn redeploy_deployment<'a>(
        &'a self,
        creds: &'a Credentials,
        deployment_id: &'a str,
    ) -> BoxFuture<'a, Result<Redeploy, RailwayError>>;

    fn deployment_status<'a>(
        &'a self,
        creds: &'a Credentials,
        deployment_id: &'a str,
    ) -> BoxFuture<'a, Result<String, RailwayError>>;

    fn find_unreachable<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
    ) -> BoxFuture<'a, Result<Option<Unreachable>, RailwayError>>;

    fn service_instances<'a>(
        &'a self,
        creds: &'a Credentials,
        environment_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Named>, RailwayError>>;

    /// The latest rate-limit figures Railway sent for this token.
    fn rate_limit(&self, token: &SecretToken) -> Option<RateLimitStatus>;
}

impl RailwayApi for RailwayClient {
    fn check_credentials<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a SecretToken,
    ) -> BoxFuture<'a, Result<TokenReach, RailwayError>> {
        Box::pin(RailwayClient::check_credentials(self, kind, token))
    }

    fn detect_token<'a>(&'a self, token: &'a SecretToken) -> BoxFuture<'a, Result<TokenReach, RailwayError>> {
        Box::pin(RailwayClient::detect_token(self, token))
    }

    fn list_projects<'a>(&'a self, creds: &'a Credentials) -> BoxFuture<'a, Result<Vec<RailwayProject>, RailwayError>> {
        Box::pin(RailwayClient::list_projects(self, creds))
    }

    fn get_variables<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
    ) -> BoxFuture<'a, Result<Observed, RailwayError>> {
        Box::pin(RailwayClient::get_variables(self, creds, target))
    }

    fn upsert_variables<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
        variables: &'a BTreeMap<String, SecretValue>,
        skip_deploys: bool,
    ) -> BoxFuture<'a, Result<(), RailwayError>> {
        Box::pin(RailwayClient::upsert_variables(self, creds, target, variables, skip_deploys))
    }

    fn delete_variable<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
        name: &'a str,
    ) -> BoxFuture<'a, Result<(), RailwayError>> {
        Box::pin(RailwayClient::delete_variable(self, creds, target, name))
    }

    fn replace_variables<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
        variables: &'a BTreeMap<String, SecretValue>,
    ) -> BoxFuture<'a, Result<(), RailwayError>> {
        Box::pin(RailwayClient::replace_variables(self, creds, target, variables))
    }

    fn redeploy_plan<'a>(
        &'a self,
        creds: &'a Credentials,
        environment_id: &'a str,
        service_id: &'a str,
        requested_after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RedeployPlan, RailwayError>> {
        Box::pin(RailwayClient::redeploy_plan(self, creds, environment_id, service_id, requested_after))
    }

    fn redeploy_deployment<'a>(
        &'a self,
        creds: &'a Credentials,
        deployment_id: &'a str,
    ) -> BoxFuture<'a, Result<Redeploy, RailwayError>> {
        Box::pin(RailwayClient::redeploy_deployment(self, creds, deployment_id))
    }

    fn deployment_status<'a>(
        &'a self,
        creds: &'a Credentials,
        deployment_id: &'a str,
    ) -> BoxFuture<'a, Result<String, RailwayError>> {
        Box::pin(RailwayClient::deployment_status(self, creds, deployment_id))
    }

    fn find_unreachable<'a>(
        &'a self,
        creds: &'a Credentials,
        target: &'a RailwayTarget,
    ) -> BoxFuture<'a, Result<Option<Unreachable>, RailwayError>> {
        Box::pin(RailwayClient::find_unreachable(self, creds, target))
    }

    fn service_instances<'a>(
        &'a self,
        creds: &'a Credentials,
        environment_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Named>, RailwayError>> {
        Box::pin(RailwayClient::service_instances(self, creds, environment_id))
    }

    fn rate_limit(&self, token: &SecretToken) -> Option<RateLimitStatus> {
        RailwayClient::rate_limit(self, token)
    }
}
