//! The server's integration tests, one binary: a real server on a loopback port, a real
//! database (SQLite, or PostgreSQL when `SLUICE_TEST_DATABASE_URL` is set), real HTTP.
//! The API tests are the modules at the top; [`engine`] drives the sync engine end to end
//! against the fake Railway; [`browser`] walks the UI in Chromium.

mod access_support;
mod audit;
mod auth;
mod authz_matrix;
mod browser;
mod browser_axe;
mod browser_notifications;
mod browser_sync_actions;
mod browser_wizard;
mod changes;
mod chaos_soak;
mod connections;
mod edge;
mod encryption;
mod engine;
mod folder_cache;
mod folders;
mod foundation;
mod identities;
mod imports;
mod infisical_parity;
mod login_throttle;
mod memberships;
mod metrics;
mod node_sdk;
mod notifications;
mod notify_support;
mod oidc;
mod projects;
mod python_sdk;
mod references;
mod retention;
mod schema_fuzz;
mod secret_support;
mod secrets;
mod sync_runs;
mod sync_support;
mod syncs;
mod tags;
mod ui;
mod ui_notifications;
mod ui_pages;
mod ui_wizard;
