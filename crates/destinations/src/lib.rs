//! Sync destinations: where Sluice writes secrets.
//!
//! Today there is one, Railway ([`railway`]): a typed client for Railway's public
//! GraphQL API with classified errors, rate-limit tracking and the operations a secret
//! sync needs (credential checks, destination picker, variables, redeploy). Start at
//! [`railway::RailwayClient`], or [`railway::RailwayApi`] for the engine-facing trait.
//!
//! This crate performs the I/O only; what to write and delete is decided by the sync
//! planner in `sluice-domain`.

pub mod railway;
