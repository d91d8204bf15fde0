//! The server's integration tests: a real server on a loopback port, a real database
//! (SQLite, or PostgreSQL when `SLUICE_TEST_DATABASE_URL` is set), real HTTP.

mod foundation;
mod connections;
mod sync_support;
mod access_support;
mod auth;
mod syncs;
mod sync_runs;
mod identities;
mod projects;
mod memberships;
mod audit;
mod ui;
mod secret_support;
mod secrets;
mod folders;
mod imports;
mod references;
mod changes;
mod encryption;
mod python_sdk;
