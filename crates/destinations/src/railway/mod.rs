//! The Railway destination: a typed client for Railway's public GraphQL API, and the
//! sync's apply step ([`Railway`], in `apply.rs`: the writes, which services a change
//! reaches, redeploys and following them until live, explaining refusals).
//!
//! Start at [`RailwayClient`] (built from a [`RailwayConfig`], paced per token with
//! [`RailwayClient::with_pacing`], see [`pacing`]) and the operations it gains in
//! `operations/`: [`check_credentials`](RailwayClient::check_credentials) /
//! [`detect_token`](RailwayClient::detect_token), [`list_projects`](RailwayClient::list_projects),
//! [`get_variables`](RailwayClient::get_variables),
//! [`upsert_variables`](RailwayClient::upsert_variables),
//! [`replace_variables`](RailwayClient::replace_variables),
//! [`delete_variable`](RailwayClient::delete_variable),
//! [`redeploy_service`](RailwayClient::redeploy_service),
//! [`deployment_status`](RailwayClient::deployment_status),
//! [`service_instances`](RailwayClient::service_instances) and
//! [`find_unreachable`](RailwayClient::find_unreachable). [`Railway`] (the seam's
//! destination) and the connection endpoints use them through the object-safe
//! [`RailwayApi`] trait, implemented by the client; tests run the real client against
//! `sluice-railway-fake`. The pure parts have their own modules: [`RailwayKeys`] (which
//! names Railway provides), `references.rs` (which services a change reaches), `pacing.rs`
//! (slots per token), `operations/deploys.rs` (which deployment to redeploy, and reading a
//! followed one).
//!
//! Every request is counted in [`RailwayMetrics`] (by operation and status, for
//! `/metrics`) when the server hands the client its own with
//! [`RailwayClient::with_metrics`].
//!
//! Every failure is a [`RailwayError`], classified so the engine can decide (through the
//! seam's `DestinationError`): retry later (`RateLimited`, `Transient`, a few times
//! `Gone`), re-read before acting again (`OutcomeUnknown`), or stop (`Unauthorized`,
//! `NotFound`, `Rejected`). Apart from waiting for its token's slot and resending a refusal
//! that applied nothing, the client never retries.

mod api;
mod apply;
mod auth;
mod client;
mod errors;
mod keys;
mod metrics;
mod operations;
mod pace_queue;
pub mod pacing;
mod rate_limit;
mod references;
mod response;
mod types;

pub use api::RailwayApi;
pub use apply::{Railway, railway_target};
pub use auth::{Credentials, TokenKind, TokenReach};
pub use client::{DEFAULT_ENDPOINT, RailwayClient, RailwayConfig};
pub use errors::RailwayError;
pub use keys::{CONFIGURATION as CONFIGURATION_VARIABLES, PROVIDED as PROVIDED_VARIABLES, RailwayKeys};
pub use metrics::RailwayMetrics;
pub use operations::deploys::{Redeploy, RedeployPlan, Tracked};
pub use operations::targets::{TargetPart, Unreachable};
pub use rate_limit::{RateLimitStatus, token_key_hex as pace_key};
pub use references::{EnvironmentVariables, Scope, ServiceVariables, affected_services, references};
pub use types::{Named, RailwayEnvironment, RailwayProject, RailwayTarget};
