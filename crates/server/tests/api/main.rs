//! The server's integration tests: a real server on a loopback port, a real database
//! (SQLite, or PostgreSQL when `SLUICE_TEST_DATABASE_URL` is set), real HTTP.

mod foundation;
mod connections;
mod sync_support;
mod syncs;
mod sync_runs;
mod access_support;
mod auth;
mod identities;
mod projects;
mod memberships;
mod audit;
mod ui;
