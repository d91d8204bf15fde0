//! Everything that differs between SQLite and PostgreSQL, in one place.
//!
//! - DDL lives in `migrations/sqlite` and `migrations/postgres`.
//! - SQLite allows one writer at a time, so write transactions start with
//!   `BEGIN IMMEDIATE` (taking the write lock up front instead of failing to upgrade a read
//!   lock later); PostgreSQL uses plain `BEGIN`.
//! - Row claiming: PostgreSQL adds `FOR UPDATE SKIP LOCKED` so concurrent nodes skip rows
//!   another node is claiming; SQLite needs nothing, its write lock already serialises.
//! - Wake-ups across nodes: PostgreSQL `NOTIFY`/`LISTEN`; SQLite runs in one process,
//!   where an in-process signal is enough.
//! - Connection setup: SQLite gets WAL, a busy timeout and foreign keys per connection.

use crate::db::Backend;

/// Statement that starts a write transaction.
pub fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// Suffix for a `SELECT` that claims rows for this node.
pub fn skip_locked(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    }
}

/// Suffix for a `SELECT` that locks the rows it reads until the transaction ends, to
/// serialise writers of those rows without changing their keys. Unlike `FOR UPDATE` it
/// does not block the foreign-key checks of other transactions (`FOR KEY SHARE`) that
/// insert or update rows referring to them: the writes of a run's outcome do not wait for
/// a claim holding its connection's row (only the next claim chained to the outcome waits
/// for it, after them).
pub fn for_no_key_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR NO KEY UPDATE",
    }
}

/// Suffix for a `SELECT` that locks the rows it reads until the transaction ends.
pub fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}

/// The pages a SQLite write-ahead log may grow to before the writer copies it back into
/// the database file itself, in the commit that crossed the mark (SQLite's default is
/// 1,000). That copy and its two `fsync`s held up every write queued behind it: in a
/// fan-out, by estimate from the pages a run writes, a stall several times a second. The
/// engine's checkpointer makes the copy every second beside the writer
/// ([`crate::Store::checkpoint`]); this mark bounds the log (about 40 MiB) when none runs,
/// on a node without workers, and under a steady stream of writes.
pub const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// The bytes a SQLite write-ahead log file is cut back to when it starts over.
pub const WAL_SIZE_LIMIT: u64 = 16 << 20;

/// Per-connection setup statements; `writer` for the connection that writes (SQLite).
pub fn connection_setup(backend: Backend, busy_timeout_ms: u64, writer: bool) -> Vec<String> {
    match backend {
        Backend::Sqlite => {
            let mut setup = vec![
                format!("PRAGMA busy_timeout = {busy_timeout_ms}"),
                "PRAGMA foreign_keys = ON".to_string(),
                "PRAGMA synchronous = NORMAL".to_string(),
            ];
            if writer {
                setup.push(format!("PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}"));
                setup.push(format!("PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}"));
            }
            setup
        }
        Backend::Postgres => vec![],
    }
}

/// Statements run once when the database is opened.
pub fn database_setup(backend: Backend) -> Vec<&'static str> {
    match backend {
        // auto_vacuum first: it only takes on a new file before its first table.
        Backend::Sqlite => vec!["PRAGMA auto_vacuum = INCREMENTAL", "PRAGMA journal_mode = WAL"],
        Backend::Postgres => vec![],
    }
}

/// The channel name used for cross-node wake-ups.
pub const NOTIFY_CHANNEL: &str = "sluice_events";

/// SQL that wakes other nodes listening on [`NOTIFY_CHANNEL`]; `None` on SQLite.
pub fn notify_sql(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("SELECT pg_notify('sluice_events', $1)"),
    }
}

/// `n` numbered placeholders from `$first`, comma-separated: the list of an `IN (...)` or of
/// a row of a multi-row `VALUES`, whose values are all bound.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
