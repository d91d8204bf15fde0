//! The `sluice` command line, driven as a person or a script would: the real binary
//! against a real server (started in this process, sync workers on) and the fake Railway;
//! [`cluster`]: `sluice server` processes killed mid-sync and sharing one PostgreSQL; and
//! [`crash_rounds`]: one process killed and restarted round after round under load (the
//! process helpers of both are in `nodes`).

mod backup;
mod cluster;
mod connections;
mod crash_rounds;
mod help;
mod login;
mod login_locks;
mod nodes;
mod notifications;
mod run_export;
mod secrets;
mod support;
mod syncs;
mod trust;
mod usage;
