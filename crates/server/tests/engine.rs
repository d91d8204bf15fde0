//! The sync engine end to end: a real server, a real database (SQLite, or PostgreSQL
//! with `SLUICE_TEST_DATABASE_URL`), the real Railway client, and the fake Railway.
//! Jobs are drained by the tests (no background workers, no sleeping).

#[path = "engine/support.rs"]
mod support;

#[path = "engine/faults.rs"]
mod faults;
#[path = "engine/flow.rs"]
mod flow;
#[path = "engine/schemas.rs"]
mod schemas;
#[path = "engine/triggers.rs"]
mod triggers;
