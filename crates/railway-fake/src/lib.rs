//! A fake Railway GraphQL server, as strict as the real one, for Sluice's tests and for
//! `sluice server --dev --railway-fake`.
//!
//! It validates every request against `schema/railway/railway.graphql` (the file Sluice's
//! Railway client is compiled against), answers with Railway's envelopes and token rules, keeps
//! Railway's variable semantics (shared vs service scope, references, sealed values, deploys),
//! runs deployments through their lifecycle with the variables snapshotted at their creation,
//! and can rate-limit (per window and per second), delete targets and inject faults, one by
//! one or at random (chaos mode). See the
//! crate README for the contract and the knobs.
//!
//! Where to start reading: [`FakeRailway`] (`server.rs`) → `transport.rs` (the request path) →
//! `graphql/` (parse, validate, execute) → `resolvers/` (root fields) → `state/` (the world).

mod auth;
mod chaos;
mod config;
mod control;
mod faults;
mod graphql;
mod rate_limit;
mod resolvers;
mod seed;
mod server;
mod state;
mod transport;
mod variables;

pub use chaos::{Chaos, ChaosKind, ChaosReport};
pub use config::{DeleteMissing, DeployLifecycle, ExceededBody, FakeConfig, Knobs, NameRule, RateLimit, ResetFormat};
pub use faults::{Fault, FaultKind};
pub use graphql::schema::SDL as SCHEMA_SDL;
pub use seed::{
    Seed, SeedEnvironment, SeedError, SeedProject, SeedService, SeedToken, SeedUser, SeedVariable, SeedWorkspace,
    TokenKind,
};
pub use server::FakeRailway;
pub use state::{
    AdvanceError, ControlError, DeployCause, DeployRecord, DeploymentStatus, FakeState, GoneAnswer, GoneTarget,
    RequestAuth, RequestRecord, RunningDeployment, SetVariableError, VariableWrite,
};
pub use transport::router;
pub use variables::PROVIDED_VARIABLES;
