//! Request and response types shared by the server, the CLI and tests, named as in svix:
//! `XxxIn` (create bodies), `XxxPatch` (update bodies), `XxxOut` (responses). Field names
//! follow Infisical's API (camelCase), because Infisical's clients speak to us.

#![warn(missing_debug_implementations)]

pub mod admin;
pub mod audit_logs;
pub mod auth;
pub mod connections;
pub mod folders;
pub mod identities;
pub mod imports;
pub mod notifications;
pub mod oidc_auth;
pub mod orgs;
pub mod projects;
pub mod runs;
pub mod secrets;
pub mod syncs;
pub mod tags;
pub mod time;

pub use time::{iso, iso_opt};
