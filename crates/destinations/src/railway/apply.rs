//! Railway as a sync [`Destination`]: reading a target's variables and applying a plan.
//!
//! A plan is applied as one `variableCollectionUpsert` of the keys whose value differs
//! (`replace: false`, `skipDeploys: true`), then one `variableDelete` per managed key
//! that left the source, then, for a service target, one redeploy when anything changed.
//! Nothing changed means no write and no redeploy. A service's redeploy is recorded as
//! owed before the first write (the engine settles it once the redeploy is reported), so
//! a crash or a lost answer in between still redeploys on the next run, even when that
//! run has nothing left to write.
//! Shared variables are never redeployed. A removal writes its deletes and never
//! redeploys.

use super::api::RailwayApi;
use super::auth::Credentials;
use super::errors::RailwayError;
use super::keys::RailwayKeys;
use super::types::RailwayTarget;
use crate::destination::{
    Applied, ApplyError, ApplyHooks, ApplyRequest, BoxFuture, CallLog, Destination, DestinationError, ErrorClass,
    Observed, Target,
};
use sluice_domain::{DestinationConfig, KeyRules, RailwayDestination};
use std::sync::Arc;

/// The name in messages.
const RAILWAY: &str = "Railway";

/// The Railway destination, over a [`RailwayApi`] (the real client, pointed at Railway or
/// at the fake).
#[derive(Clone)]
pub struct Railway {
    api: Arc<dyn RailwayApi>,
}

impl std::fmt::Debug for Railway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Railway")
    }
}

impl Railway {
    pub fn new(api: Arc<dyn RailwayApi>) -> Self {
        Self { api }
    }

    /// The client, for what is Railway's alone (credential checks, the destination picker).
    pub fn api(&self) -> &Arc<dyn RailwayApi> {
        &self.api
    }
}

impl From<RailwayError> for DestinationError {
    fn from(e: RailwayError) -> Self {
        let class = match &e {
            RailwayError::Unauthorized { .. } => ErrorClass::Unauthorized,
            RailwayError::NotFound { .. } => ErrorClass::NotFound,
            RailwayError::RateLimited { .. } => ErrorClass::RateLimited { retry_after: e.retry_after() },
            RailwayError::Transient { .. } => ErrorClass::Transient,
            RailwayError::Rejected { .. } => ErrorClass::Rejected,
            RailwayError::OutcomeUnknown { .. } => ErrorClass::OutcomeUnknown,
            RailwayError::Config { .. } => ErrorClass::Config,
        };
        DestinationError::new(RAILWAY, class, e.message().to_string(), e.to_string())
    }
}

fn config(config: &DestinationConfig) -> &RailwayDestination {
    match config {
        DestinationConfig::Railway(d) => d,
    }
}

/// Where a configuration writes: a service's variables, or the environment's shared ones.
pub fn railway_target(d: &RailwayDestination) -> RailwayTarget {
    match d.service_id() {
        Some(service) => RailwayTarget::service(d.project_id(), d.environment_id(), service),
        None => RailwayTarget::shared(d.project_id(), d.environment_id()),
    }
}

fn credentials(target: &Target<'_>) -> Result<Credentials, DestinationError> {
    Credentials::for_connection(target.method, target.token.clone()).ok_or_else(|| {
        let detail = format!("the connection's method \"{}\" is not a Railway token kind", target.method);
        let message = format!("Railway client configuration: {detail}");
        DestinationError::new(RAILWAY, ErrorClass::Config, detail, message)
    })
}

impl Destination for Railway {
    fn describe(&self, c: &DestinationConfig) -> String {
        let d = config(c);
        let name = |n: &str, id: &str| if n.is_empty() { id.to_string() } else { n.to_string() };
        let scope = match d.service_id() {
            Some(id) => format!("service {}", name(d.service_name().unwrap_or(""), id)),
            None => "shared variables".to_string(),
        };
        format!(
            "Railway project {} / environment {} / {scope}",
            name(d.project_name(), d.project_id()),
            name(d.environment_name(), d.environment_id())
        )
    }

    fn redeploys(&self, c: &DestinationConfig) -> bool {
        !config(c).is_shared_variables()
    }

    fn key_rules(&self) -> &dyn KeyRules {
        &RailwayKeys
    }

    fn read<'a>(
        &'a self,
        target: Target<'a>,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Observed, DestinationError>> {
        Box::pin(async move {
            let creds = credentials(&target)?;
            let at = railway_target(config(target.config));
            Ok(calls.track("variables", None, self.api.get_variables(&creds, &at)).await?)
        })
    }

    fn apply<'a>(
        &'a self,
        target: Target<'a>,
        request: ApplyRequest<'a>,
        hooks: &'a dyn ApplyHooks,
        calls: &'a mut CallLog,
    ) -> BoxFuture<'a, Result<Applied, ApplyError>> {
        Box::pin(async move {
            let creds = credentials(&target)?;
            let at = railway_target(config(target.config));
            let plan = request.plan;
            let redeploys = request.redeploy && at.service_id.is_some();
            let owed = redeploys && hooks.redeploy_owed().await?;
            if redeploys && plan.changed() && !owed {
                hooks.owe_redeploy().await?;
            }
            let upserts = plan.upserts();
            if !upserts.is_empty() {
                hooks.before_write().await?;
                calls
                    .track("variableCollectionUpsert", None, self.api.upsert_variables(&creds, &at, upserts, true))
                    .await
                    .map_err(DestinationError::from)?;
            }
            for key in plan.deletes() {
                hooks.before_write().await?;
                calls
                    .track("variableDelete", Some(key), self.api.delete_variable(&creds, &at, key))
                    .await
                    .map_err(DestinationError::from)?;
            }
            let mut applied = Applied::default();
            if redeploys && (plan.changed() || owed) {
                hooks.before_write().await?;
                let outcome = calls
                    .track("redeploy", None, self.api.redeploy(&creds, &at))
                    .await
                    .map_err(DestinationError::from)?;
                applied.redeploy = Some(outcome);
            }
            Ok(applied)
        })
    }
}
