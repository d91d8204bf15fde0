//! The server's integration tests: a real server on a loopback port, a real database
//! (SQLite, or PostgreSQL when `SLUICE_TEST_DATABASE_URL` is set), real HTTP.

mod access_support;
mod audit;
mod auth;
mod changes;
mod connections;
mod encryption;
mod folders;
mod foundation;
mod identities;
mod imports;
mod memberships;
mod projects;
mod python_sdk;
mod references;
mod secret_support;
mod secrets;
mod sync_runs;
mod sync_support;
mod syncs;
mod ui;
