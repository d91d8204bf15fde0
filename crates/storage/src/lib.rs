//! Sluice's storage: one [`Store`] over SQLite (embedded, the default) or PostgreSQL
//! (several nodes sharing the work), chosen by the database URL at start.
//!
//! Both backends run the same SQL through sqlx's `Any` driver (`$1` placeholders, ids as
//! UUID text, times as unix milliseconds, JSON as text, ciphertexts as bytes). What differs
//! between them lives in [`dialect`] and in the two migration folders
//! (`migrations/sqlite`, `migrations/postgres`); nothing else knows which backend runs.
//!
//! Each aggregate has one module of plain async functions over a connection
//! (`&mut Conn`), so callers compose them inside one transaction. Start with [`db`].

#![warn(missing_debug_implementations)]

pub mod audit;
pub mod backup;
pub mod change_counters;
pub mod changes;
pub mod connections;
pub mod db;
pub mod deploys;
pub mod dialect;
pub mod dispatch;
pub mod drift;
pub mod environments;
pub mod error;
pub mod flag;
pub mod folders;
pub mod identities;
pub mod imports;
pub mod jobs;
pub mod ledger;
pub mod login_throttles;
pub mod memberships;
pub mod meta;
pub mod notifications;
pub mod oidc_auths;
pub mod orgs;
pub mod paces;
pub mod projects;
pub mod run_state;
pub mod runs;
pub mod secrets;
pub mod sessions;
pub mod stats;
pub mod syncs;
pub mod tags;
pub mod tokens;
pub mod users;
mod writer;

pub use db::{Backend, Checkpoint, Conn, Store, StoreConfig, Tx, WriteOne};
pub use error::StorageError;

/// Milliseconds since the Unix epoch: how every time is stored.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Result of storage calls.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
