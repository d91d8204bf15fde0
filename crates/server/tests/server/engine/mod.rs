//! The sync engine end to end: a real server, a real database (SQLite, or PostgreSQL
//! with `SLUICE_TEST_DATABASE_URL`), the real Railway client, and the fake Railway.
//! Jobs are drained by the tests (no background workers, no sleeping).

pub(crate) mod support;

mod broken;
mod deploys;
mod faults;
mod fencing;
mod flow;
mod lock_order;
mod notifications;
mod pacing;
mod reconcile;
mod schemas;
mod tags;
mod triggers;
mod trust;
