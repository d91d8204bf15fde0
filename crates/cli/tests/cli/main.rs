//! The `sluice` command line, driven as a person or a script would: the real binary
//! against a real server (started in this process, sync workers on) and the fake Railway;
//! and [`cluster`]: `sluice server` processes killed mid-sync and sharing one PostgreSQL.

mod backup;
mod cluster;
mod connections;
mod help;
mod login;
mod nodes;
mod notifications;
mod run_export;
mod secrets;
mod support;
mod syncs;
mod trust;
mod usage;
