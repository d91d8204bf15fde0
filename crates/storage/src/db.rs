//! Opening the database: backend choice, pools, per-connection setup, migrations.

use crate::{StorageError, dialect};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor};
use std::path::Path;
use std::time::Duration;

/// A connection; repository functions take `&mut Conn` so they run inside a transaction
/// or on a pooled connection alike.
pub type Conn = sqlx::AnyConnection;
/// A transaction; deref it (`&mut *tx`) to pass it to repository functions.
pub type Tx = sqlx::Transaction<'static, Any>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StorageError::Config(format!(
                "unsupported database URL \"{}\": use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &creds[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub url: String,
    /// Connections for reads (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    pub busy_timeout: Duration,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 8, busy_timeout: Duration::from_secs(5) }
    }

    /// The URL of a SQLite database file, created when missing.
    pub fn sqlite_file(path: &Path) -> Self {
        Self::new(format!("sqlite://{}?mode=rwc", path.display()))
    }
}

/// The database. Cheap to clone.
///
/// On SQLite writes go through a pool of one connection: SQLite has one writer at a time
/// anyway, and queueing writers in-process avoids lock-upgrade failures. Reads use a pool
/// of several connections, which WAL lets run beside the writer.
#[derive(Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    url: String,
}

/// Shows the backend and the URL without its password.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("url", &redact_url(&self.url)).finish()
    }
}

impl Store {
    /// Opens the database and brings its schema up to date.
    pub async fn open(config: &StoreConfig) -> Result<Self, StorageError> {
        install_default_drivers();
        let backend = Backend::from_url(&config.url)?;
        let (read, write) = match backend {
            Backend::Sqlite => {
                // The writer stays connected for the store's lifetime: its shared lock on
                // the file is how `sluice restore` knows a server has the database open.
                let write = pool(backend, &config.url, 1, 1, config.busy_timeout).await?;
                let mut conn = write.acquire().await?;
                for stmt in dialect::database_setup(backend) {
                    conn.execute(stmt).await?;
                }
                drop(conn);
                let read = pool(backend, &config.url, 0, config.max_connections.max(1), config.busy_timeout).await?;
                (read, write)
            }
            Backend::Postgres => {
                let p = pool(backend, &config.url, 0, config.max_connections.max(2), config.busy_timeout).await?;
                (p.clone(), p)
            }
        };
        let store = Self { read, write, backend, url: config.url.clone() };
        store.migrate().await?;
        if backend == Backend::Sqlite {
            // After the migrations, so that what they deleted is not copied.
            incremental_vacuum_once(&mut *store.write.acquire().await?).await?;
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.write).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&self.write).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the store was opened with (it may hold a password: never log it as is).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pooled connection for reads.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Any>, StorageError> {
        Ok(self.read.acquire().await?)
    }

    /// A write transaction (`BEGIN IMMEDIATE` on SQLite). Never hold one across network I/O.
    pub async fn write(&self) -> Result<Tx, StorageError> {
        Ok(self.write.begin_with(dialect::begin_write(self.backend)).await?)
    }

    /// Gives the free pages of a SQLite file back to the file system (`PRAGMA
    /// incremental_vacuum`, with `auto_vacuum = INCREMENTAL`), so the file shrinks after
    /// deletions; returns the pages freed. PostgreSQL's autovacuum does this by itself: 0.
    pub async fn reclaim_free_pages(&self) -> Result<i64, StorageError> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let mut conn = self.write.acquire().await?;
        let free: i64 = sqlx::query_scalar("PRAGMA freelist_count").fetch_one(&mut *conn).await?;
        if free > 0 {
            // The pragma frees pages one step per row it returns: read them all.
            sqlx::query("PRAGMA incremental_vacuum").fetch_all(&mut *conn).await?;
            // In WAL mode the file is cut only when the log is copied back into it.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&mut *conn).await?;
        }
        Ok(free)
    }

    /// The read pool, for one-off queries.
    pub fn read_pool(&self) -> &AnyPool {
        &self.read
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Turns on `auto_vacuum = INCREMENTAL` in a database made before Sluice set it (a new
/// file gets it from `database_setup`, before its first table). SQLite applies the mode
/// to an existing file only through one `VACUUM`, which rewrites the file: it runs once,
/// at the first start of a version that has this, before anything is served; after it,
/// [`Store::reclaim_free_pages`] can shrink the file. Without it the file would never
/// give back the space of pruned versions.
async fn incremental_vacuum_once(conn: &mut sqlx::AnyConnection) -> Result<(), StorageError> {
    const INCREMENTAL: i64 = 2;
    let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(&mut *conn).await?;
    if mode != INCREMENTAL {
        tracing::info!(
            "converting the SQLite database to auto_vacuum = INCREMENTAL (one VACUUM; it rewrites the file)"
        );
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL").await?;
        conn.execute("VACUUM").await?;
    }
    Ok(())
}

async fn pool(backend: Backend, url: &str, min: u32, max: u32, busy: Duration) -> Result<AnyPool, StorageError> {
    let setup = dialect::connection_setup(backend, busy.as_millis() as u64);
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(min)
        .acquire_timeout(Duration::from_secs(30))
        // sqlx pings a pooled connection before lending it, by default: on SQLite one more
        // round trip to the connection's thread for every query and transaction, for a
        // connection to a local file that cannot have gone away. On PostgreSQL the ping
        // stays: after a database restart it finds the dead connections before a request
        // does (without it the three-node fan-out bench moved within its noise).
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _meta| {
            let setup = setup.clone();
            Box::pin(async move {
                for stmt in setup {
                    conn.execute(sqlx::AssertSqlSafe(stmt)).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(|e| StorageError::Config(format!("cannot open database {}: {e}", redact_url(url))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_backends_and_hide_passwords() {
        assert_eq!(Backend::from_url("sqlite:///tmp/x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db").ok(), Some(Backend::Postgres));
        assert!(Backend::from_url("mysql://x").is_err());
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
