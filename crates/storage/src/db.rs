//! Opening the database: backend choice, pools, per-connection setup, migrations.

use crate::change_counters::Known;
use crate::writer::{Turn, WriterQueue};
use crate::{StorageError, dialect};
use sluice_domain::{ProjectId, SyncId};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Connection, Executor};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A connection; repository functions take `&mut Conn` so they run inside a transaction
/// or on a pooled connection alike.
pub type Conn = sqlx::AnyConnection;

/// A write transaction; deref it (`&mut *tx`) to pass it to repository functions.
///
/// It also carries the project change counters raised in it
/// ([`crate::change_counters::raise`]): [`Tx::commit`] tells the store of them once they
/// are committed, so a store that is its database's only server knows every counter
/// without reading it.
#[derive(Debug)]
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    pub(crate) raised: Vec<(ProjectId, i64)>,
    known: Arc<Known>,
    /// SQLite: the writer's turn, passed on once the transaction is dropped.
    _turn: Option<Turn>,
}

/// Marks the counters of a commit doubtful unless it is settled: dropped while the commit
/// was awaited (a request stopped, a client gone) or after it failed.
struct Unsure<'a> {
    known: &'a Known,
    raised: &'a [(ProjectId, i64)],
    settled: bool,
}

impl Drop for Unsure<'_> {
    fn drop(&mut self) {
        if !self.settled {
            for (project, _) in self.raised {
                self.known.doubtful(project);
            }
        }
    }
}

/// The writer's connection for one statement ([`Store::write_one`]); deref it to pass it
/// to repository functions.
#[derive(Debug)]
pub struct WriteOne {
    // The pool of one connection still keeps writers apart: the next turn's holder may
    // wait a moment for this connection's return, which sqlx makes on a task of its own.
    conn: sqlx::pool::PoolConnection<Any>,
    _turn: Option<Turn>,
}

impl std::ops::Deref for WriteOne {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for WriteOne {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

impl Tx {
    /// Commits, then makes the counters raised in the transaction known. When the outcome
    /// is not known (the commit failed, or the caller stopped waiting for it: SQLite may
    /// still have committed), those counters are read from the database until a later
    /// commit raises them again.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Tx { inner, raised, known, _turn } = self;
        let mut unsure = Unsure { known: &known, raised: &raised, settled: false };
        inner.commit().await?;
        unsure.settled = true;
        for (project, version) in &raised {
            known.committed(project, *version);
        }
        Ok(())
    }

    /// Rolls back (as dropping it does, but waiting for the database).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }

    /// Marks a point (`SAVEPOINT`) that [`Tx::back_to`] returns to, keeping what the
    /// transaction wrote before it: for a step that must not take the rest down when it
    /// fails. The commit keeps what was written after the mark as well.
    pub async fn mark(&mut self, name: &'static str) -> Result<(), sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!("SAVEPOINT {name}"))).execute(&mut *self.inner).await?;
        Ok(())
    }

    /// Undoes what was written since the mark `name` ([`Tx::mark`]); on PostgreSQL this also
    /// ends the aborted state a failed statement left the transaction in.
    pub async fn back_to(&mut self, name: &'static str) -> Result<(), sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!("ROLLBACK TO SAVEPOINT {name}"))).execute(&mut *self.inner).await?;
        Ok(())
    }
}

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

/// What a [`Store::checkpoint`] found: the frames in the write-ahead log, and how many of
/// them are now in the database file (all, unless readers still use older ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub log_frames: i64,
    pub copied_frames: i64,
}

#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub url: String,
    /// Connections for reads (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    pub busy_timeout: Duration,
    /// Serve a SQLite file alone (what a server does): a second store asking the same is
    /// refused while this one is open, and this one keeps the project change counters in
    /// memory instead of reading them for each cached read. No effect on PostgreSQL, which
    /// several nodes share.
    pub sole_server: bool,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 8, busy_timeout: Duration::from_secs(5), sole_server: false }
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
    /// SQLite: the order in which writers get the writer ([`crate::writer`]).
    turns: Option<Arc<WriterQueue>>,
    backend: Backend,
    url: String,
    known: Arc<Known>,
    /// The lock on the SQLite file's claim, held until [`Store::close`].
    claim: Arc<Mutex<Option<File>>>,
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
        let claim = match (backend, config.sole_server) {
            (Backend::Sqlite, true) => claim(&config.url)?,
            _ => None,
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                // The writer stays connected for the store's lifetime: its shared lock on
                // the file is how `sluice restore` knows a server has the database open.
                let write = pool(backend, &config.url, (1, 1), config.busy_timeout, true).await?;
                let mut conn = write.acquire().await?;
                for stmt in dialect::database_setup(backend) {
                    conn.execute(stmt).await?;
                }
                drop(conn);
                let read =
                    pool(backend, &config.url, (0, config.max_connections.max(1)), config.busy_timeout, false).await?;
                (read, write)
            }
            Backend::Postgres => {
                let p =
                    pool(backend, &config.url, (0, config.max_connections.max(2)), config.busy_timeout, true).await?;
                (p.clone(), p)
            }
        };
        let known = Arc::new(Known::new(claim.is_some()));
        let turns = (backend == Backend::Sqlite).then(Arc::default);
        let store =
            Self { read, write, turns, backend, url: config.url.clone(), known, claim: Arc::new(Mutex::new(claim)) };
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

    /// The writer's connection, for one write that is a single statement: it commits by
    /// itself, without the `BEGIN` and `COMMIT` round trips of [`write`](Self::write) (on
    /// SQLite, the single writer is held for the statement alone). Several statements that
    /// must land together go in a transaction. Never hold it across network I/O. On
    /// SQLite it gets the writer before the transactions waiting for it ([`crate::writer`]).
    pub async fn write_one(&self) -> Result<WriteOne, StorageError> {
        let deadline = tokio::time::Instant::now() + ACQUIRE_TIMEOUT;
        let turn = self.turn(true, deadline).await?;
        let conn = within(deadline, self.write.acquire()).await?;
        Ok(WriteOne { conn, _turn: turn })
    }

    /// A write transaction (`BEGIN IMMEDIATE` on SQLite). Never hold one across network I/O.
    pub async fn write(&self) -> Result<Tx, StorageError> {
        let deadline = tokio::time::Instant::now() + ACQUIRE_TIMEOUT;
        let turn = self.turn(false, deadline).await?;
        let inner = within(deadline, self.write.begin_with(dialect::begin_write(self.backend))).await?;
        Ok(Tx { inner, raised: Vec::new(), known: self.known.clone(), _turn: turn })
    }

    /// SQLite: waits for the writer's turn, until `deadline` (the turn and the connection
    /// are waited for as long as the pool alone waited before).
    async fn turn(&self, single: bool, deadline: tokio::time::Instant) -> Result<Option<Turn>, StorageError> {
        let Some(queue) = &self.turns else { return Ok(None) };
        Ok(Some(within(deadline, async { Ok::<_, sqlx::Error>(queue.enter(single).await) }).await?))
    }

    /// `project`'s change counter ([`crate::change_counters`]): from memory when this store
    /// is its SQLite file's only server and has seen it, else read on `conn` (a pooled
    /// connection: never inside a write transaction, whose own raise is not committed).
    pub async fn change_counter(&self, conn: &mut Conn, project: &ProjectId) -> Result<i64, StorageError> {
        if let Some(v) = self.known.get(project) {
            return Ok(v);
        }
        let v = crate::change_counters::current(conn, project).await?;
        self.known.read(project, v);
        Ok(v)
    }

    /// A sync run's [`crate::run_state::RunState`], in one statement on `conn` (a pooled
    /// connection, as for [`Store::change_counter`]), its counter from memory when this
    /// store knows it.
    pub async fn run_state(
        &self,
        conn: &mut Conn,
        sync: &SyncId,
        project: &ProjectId,
    ) -> Result<crate::run_state::RunState, StorageError> {
        let mut state = crate::run_state::read(conn, sync, project).await?;
        match self.known.get(project) {
            Some(v) => state.counter = v,
            None => self.known.read(project, state.counter),
        }
        Ok(state)
    }

    /// Gives the free pages of a SQLite file back to the file system (`PRAGMA
    /// incremental_vacuum`, with `auto_vacuum = INCREMENTAL`), so the file shrinks after
    /// deletions; returns the pages freed. PostgreSQL's autovacuum does this by itself: 0.
    pub async fn reclaim_free_pages(&self) -> Result<i64, StorageError> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        // Waits for its turn like any transaction (it is the writer for a while).
        let deadline = tokio::time::Instant::now() + ACQUIRE_TIMEOUT;
        let _turn = self.turn(false, deadline).await?;
        let mut conn = within(deadline, self.write.acquire()).await?;
        let free: i64 = sqlx::query_scalar("PRAGMA freelist_count").fetch_one(&mut *conn).await?;
        if free > 0 {
            // The pragma frees pages one step per row it returns: read them all.
            sqlx::query("PRAGMA incremental_vacuum").fetch_all(&mut *conn).await?;
            // In WAL mode the file is cut only when the log is copied back into it.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&mut *conn).await?;
        }
        Ok(free)
    }

    /// SQLite: copies the write-ahead log back into the database file (`PRAGMA
    /// wal_checkpoint(PASSIVE)`) on a reader's connection, so the writer is not the one
    /// to stop and do it ([`dialect::WRITER_CHECKPOINT_PAGES`]); the writer goes on
    /// appending meanwhile. A write that finds all of the log copied starts it over; under a
    /// steady stream of writes that moment may not come, and the writer's mark then copies
    /// what is left (the frames since the last checkpoint) every 10,000 pages. `None` on
    /// PostgreSQL, which checkpoints by itself.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, StorageError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mut conn = self.read.acquire().await?;
        let (_busy, log, copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
        Ok(Some(Checkpoint { log_frames: log, copied_frames: copied }))
    }

    /// The read pool, for one-off queries.
    pub fn read_pool(&self) -> &AnyPool {
        &self.read
    }

    /// SQLite: has every connection not in use give back its page cache (`PRAGMA
    /// shrink_memory`), as after start, when creating the schema and the first records
    /// filled it with pages an idle server does not read again. Nothing on PostgreSQL.
    pub async fn release_memory(&self) -> Result<(), StorageError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut idle = Vec::new();
        for pool in [&self.write, &self.read] {
            while let Some(conn) = pool.try_acquire() {
                idle.push(conn);
            }
        }
        for conn in &mut idle {
            conn.execute("PRAGMA shrink_memory").await?;
        }
        Ok(())
    }

    /// Closes the pools, then gives up the claim on the SQLite file.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
        self.claim.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The file whose lock says a server has the SQLite database at `url`: beside it, named
/// after it (`sluice.db` → `sluice.db-sluice.lock`).
pub fn claim_file(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push("-sluice.lock");
    db.with_file_name(name)
}

/// Takes the claim on the SQLite file of `url` for a server, or says which server has
/// it. `None`: no claim (an in-memory database, or a file system without locks), and the
/// store reads every change counter from the database, as on PostgreSQL.
fn claim(url: &str) -> Result<Option<File>, StorageError> {
    let Some(db) = crate::backup::sqlite_path(url) else {
        return Ok(None);
    };
    match try_claim(&db) {
        Claim::Ours(file) => Ok(Some(file)),
        Claim::Theirs(lock) => Err(StorageError::Config(format!(
            "the SQLite database {} is in use by another Sluice server, or a restore (it holds the lock on {}): \
             one server per SQLite file; several nodes share a PostgreSQL database instead",
            db.display(),
            lock.display()
        ))),
        Claim::Unlockable(why) => {
            tracing::warn!(
                "{why}: serving without the claim on the SQLite file (a second server on it is not refused, \
                 and kept reads check the database on each request)"
            );
            Ok(None)
        }
    }
}

/// The outcome of [`try_claim`].
#[derive(Debug)]
pub enum Claim {
    /// This process has it while the file stays open.
    Ours(File),
    /// Another holder has the lock on this file.
    Theirs(PathBuf),
    /// The lock cannot be taken here (no permission, a file system without `flock`).
    Unlockable(String),
}

/// Claims the SQLite file `db` for this process: an exclusive `flock` on [`claim_file`]
/// beside the file's real path (symbolic links resolved, so two paths to one database take
/// the same lock), held while the returned file is open and released however the process
/// ends. Not a lock of SQLite's own (closing a second descriptor of the database file would
/// drop SQLite's locks on it). A lock file made by another user is opened read-only: a
/// shared or exclusive `flock` does not need write access.
pub fn try_claim(db: &Path) -> Claim {
    let real = std::fs::canonicalize(db)
        .or_else(|_| {
            let dir = db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            std::fs::canonicalize(dir).map(|d| d.join(db.file_name().unwrap_or_default()))
        })
        .unwrap_or_else(|_| db.to_path_buf());
    let path = claim_file(&real);
    let opened = File::options()
        .read(true)
        .open(&path)
        .or_else(|_| File::options().create(true).truncate(false).write(true).open(&path));
    let file = match opened {
        Ok(file) => file,
        Err(e) => return Claim::Unlockable(format!("cannot open {}: {e}", path.display())),
    };
    match file.try_lock() {
        Ok(()) => Claim::Ours(file),
        Err(std::fs::TryLockError::WouldBlock) => Claim::Theirs(path),
        Err(std::fs::TryLockError::Error(e)) => Claim::Unlockable(format!("cannot lock {}: {e}", path.display())),
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

/// How long a caller waits for a connection (on SQLite, for the writer's turn too).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// `wait` (for the writer's turn or a connection), given up at `deadline` as the pool gives
/// up an acquire.
async fn within<T>(
    deadline: tokio::time::Instant,
    wait: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, StorageError> {
    match tokio::time::timeout_at(deadline, wait).await {
        Ok(got) => Ok(got?),
        Err(_) => Err(sqlx::Error::PoolTimedOut.into()),
    }
}

/// How long a pooled PostgreSQL connection may sit idle before it is pinged when lent.
const PING_IDLE: Duration = Duration::from_secs(1);

async fn pool(
    backend: Backend,
    url: &str,
    (min, max): (u32, u32),
    busy: Duration,
    writer: bool,
) -> Result<AnyPool, StorageError> {
    let setup = dialect::connection_setup(backend, busy.as_millis() as u64, writer);
    let mut options = AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(min)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx pings every pooled connection before lending it, by default. On SQLite that is
        // one more round trip to the connection's thread for every query and transaction,
        // for a connection to a local file that cannot have gone away: no ping there. On
        // PostgreSQL a connection that sat idle is pinged, so that after a database restart
        // the dead ones are found before a request uses them; one lent again within
        // PING_IDLE was just used. Pinging each was a round trip to the server for every
        // read and transaction, some fifteen per sync run.
        .test_before_acquire(false);
    if backend == Backend::Postgres {
        options = options.before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        });
    }
    options
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
