//! Backups of a SQLite database: a consistent online copy (`VACUUM INTO`, while a server
//! writes), what a backup file holds (so a restore can check it is a Sluice database and
//! which root key it needs), and whether a server has the database open.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump`, `pg_restore`); nothing here
//! applies to it. Values stay encrypted in a copy: it is unreadable without the root key.

use crate::StorageError;
use sqlx::{Connection, Executor, SqliteConnection};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file of a `sqlite://PATH[?options]` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

async fn open(path: &Path, read_only: bool) -> Result<SqliteConnection, StorageError> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(5));
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| StorageError::Config(format!("cannot open {} as a SQLite database: {e}", path.display())))
}

/// Writes a consistent copy of the database at `source` to `dest` (which must not exist)
/// with `VACUUM INTO`: one read transaction, so a running server keeps writing meanwhile
/// and the copy is as of one moment. Returns the copy's size in bytes.
pub async fn vacuum_into(source: &Path, dest: &Path) -> Result<u64, StorageError> {
    if !source.exists() {
        return Err(StorageError::Config(format!("no database at {}", source.display())));
    }
    let mut conn = open(source, true).await?;
    let dest_text = dest.to_str().ok_or_else(|| StorageError::Config(format!("{} is not UTF-8", dest.display())))?;
    sqlx::query("VACUUM INTO ?").bind(dest_text).execute(&mut conn).await?;
    conn.close().await?;
    let size = std::fs::metadata(dest).map(|m| m.len()).map_err(|e| StorageError::Config(e.to_string()))?;
    Ok(size)
}

/// What a database file holds, as far as a restore needs to know.
#[derive(Clone, Debug)]
pub struct Contents {
    /// The root key's check value (see `sluice_crypto::RootKey::verify_check_value`).
    pub root_key_check: Vec<u8>,
    /// The newest migration applied.
    pub schema_version: i64,
    pub projects: i64,
    pub secrets: i64,
}

/// Reads `path` as a Sluice database; an error says why it is not one.
pub async fn inspect(path: &Path) -> Result<Contents, StorageError> {
    let not_sluice = |why: &str| StorageError::Config(format!("{} is not a Sluice database: {why}", path.display()));
    let mut conn = open(path, true).await?;
    let ok: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| not_sluice("not a SQLite file"))?;
    if ok != "ok" {
        return Err(not_sluice(&format!("SQLite's check fails ({ok})")));
    }
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(&mut conn).await?;
    for needed in ["_sqlx_migrations", "meta", "projects", "secrets"] {
        if !tables.iter().any(|t| t == needed) {
            return Err(not_sluice(&format!("it has no {needed} table")));
        }
    }
    let check: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'root_key_check'").fetch_optional(&mut conn).await?;
    let root_key_check = check.ok_or_else(|| not_sluice("it was never started with a root key"))?;
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations").fetch_one(&mut conn).await?;
    let projects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects").fetch_one(&mut conn).await?;
    let secrets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM secrets").fetch_one(&mut conn).await?;
    conn.close().await?;
    Ok(Contents { root_key_check, schema_version, projects, secrets })
}

/// Whether another process (a running server) has the database at `path` open. A server
/// keeps a connection open for its lifetime, which in WAL mode holds a shared lock on the
/// file; an exclusive lock taken here without waiting fails while it does.
pub async fn in_use(path: &Path) -> Result<bool, StorageError> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::ZERO)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| StorageError::Config(format!("cannot open {}: {e}", path.display())))?;
    let locked = conn.execute("BEGIN EXCLUSIVE").await;
    let busy = match locked {
        Ok(_) => {
            conn.execute("ROLLBACK").await?;
            false
        }
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") || e.message().contains("busy") => true,
        Err(e) => return Err(e.into()),
    };
    conn.close().await?;
    Ok(busy)
}
