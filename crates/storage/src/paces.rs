//! Pacing state of Railway tokens, shared by every node (migration `0013_railway_paces`).
//! The rules live with the Railway client (`sluice_destinations::railway::pacing`); this
//! module loads a token's row locked for the change and writes it back.

use crate::db::Backend;
use crate::{Conn, Result, StorageError, dialect};

/// One token's pacing state (milliseconds since the epoch).
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct PaceRow {
    /// The latest slots, comma-separated, oldest first.
    pub recent: String,
    pub paused_until: i64,
    pub remaining: Option<i64>,
    pub reset_at: Option<i64>,
    pub strikes: i64,
}

/// The token's row, created if missing, locked until the transaction ends, and the
/// time to decide at ([`now_ms`]), read in the same round trip on PostgreSQL.
pub async fn lock(conn: &mut Conn, backend: Backend, token_key: &str) -> Result<(PaceRow, i64)> {
    if let Some(found) = select_with_now(conn, backend, token_key, true).await? {
        return Ok(found);
    }
    create(conn, token_key).await?;
    select_with_now(conn, backend, token_key, true)
        .await?
        .ok_or_else(|| StorageError::Corrupt(format!("the pacing row {token_key} was not created")))
}

/// The token's row (locked until the transaction ends when `lock`) and the time to decide
/// at: the database's clock on PostgreSQL, shared by every node; this process's on SQLite.
async fn select_with_now(
    conn: &mut Conn,
    backend: Backend,
    token_key: &str,
    lock: bool,
) -> Result<Option<(PaceRow, i64)>> {
    let now = match backend {
        Backend::Postgres => "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
        Backend::Sqlite => "0",
    };
    let sql = format!(
        "SELECT recent, paused_until, remaining, reset_at, strikes, {now} AS now FROM railway_paces
         WHERE token_key = $1{}",
        if lock { dialect::for_update(backend) } else { "" }
    );
    let found: Option<WithNow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_key).fetch_optional(&mut *conn).await?;
    Ok(found.map(|WithNow { recent, paused_until, remaining, reset_at, strikes, now }| {
        let now = if backend == Backend::Sqlite { crate::now_ms() } else { now };
        (PaceRow { recent, paused_until, remaining, reset_at, strikes }, now)
    }))
}

#[derive(sqlx::FromRow)]
struct WithNow {
    recent: String,
    paused_until: i64,
    remaining: Option<i64>,
    reset_at: Option<i64>,
    strikes: i64,
    now: i64,
}

/// The token's row as it stands, if it has one (no lock).
pub async fn get(conn: &mut Conn, token_key: &str) -> Result<Option<PaceRow>> {
    Ok(sqlx::query_as(
        "SELECT recent, paused_until, remaining, reset_at, strikes FROM railway_paces WHERE token_key = $1",
    )
    .bind(token_key)
    .fetch_optional(conn)
    .await?)
}

/// The part of the token's row a restart keeps (SQLite keeps the rest in the process):
/// (paused until, remaining, reset at, strikes).
pub async fn get_durable(conn: &mut Conn, token_key: &str) -> Result<Option<(i64, Option<i64>, Option<i64>, i64)>> {
    Ok(sqlx::query_as("SELECT paused_until, remaining, reset_at, strikes FROM railway_paces WHERE token_key = $1")
        .bind(token_key)
        .fetch_optional(conn)
        .await?)
}

/// The token's row as it stands and the time to decide at ([`now_ms`]), in one round trip
/// and without a lock (see [`compare_and_save`]); `None` when the token has no row yet.
pub async fn read(conn: &mut Conn, backend: Backend, token_key: &str) -> Result<Option<(PaceRow, i64)>> {
    select_with_now(conn, backend, token_key, false).await
}

/// Creates the token's row unless it exists.
pub async fn create(conn: &mut Conn, token_key: &str) -> Result<()> {
    sqlx::query("INSERT INTO railway_paces (token_key) VALUES ($1) ON CONFLICT (token_key) DO NOTHING")
        .bind(token_key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes `new` over the token's row if the row is still `old` (nobody changed it since
/// it was read); false when someone did, and the change must be decided again. One short
/// statement: no lock is held while the change is decided.
pub async fn compare_and_save(conn: &mut Conn, token_key: &str, old: &PaceRow, new: &PaceRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE railway_paces SET recent = $1, paused_until = $2, remaining = $3, reset_at = $4, strikes = $5
         WHERE token_key = $6 AND recent = $7 AND paused_until = $8 AND remaining IS NOT DISTINCT FROM $9
           AND reset_at IS NOT DISTINCT FROM $10 AND strikes = $11",
    )
    .bind(&new.recent)
    .bind(new.paused_until)
    .bind(new.remaining)
    .bind(new.reset_at)
    .bind(new.strikes)
    .bind(token_key)
    .bind(&old.recent)
    .bind(old.paused_until)
    .bind(old.remaining)
    .bind(old.reset_at)
    .bind(old.strikes)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn save(conn: &mut Conn, token_key: &str, row: &PaceRow) -> Result<()> {
    sqlx::query(
        "UPDATE railway_paces SET recent = $1, paused_until = $2, remaining = $3, reset_at = $4, strikes = $5
         WHERE token_key = $6",
    )
    .bind(&row.recent)
    .bind(row.paused_until)
    .bind(row.remaining)
    .bind(row.reset_at)
    .bind(row.strikes)
    .bind(token_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// The database's clock in milliseconds since the epoch (PostgreSQL, shared by every
/// node), or this process's (SQLite: one node).
pub async fn now_ms(conn: &mut Conn, backend: Backend) -> Result<i64> {
    match backend {
        Backend::Postgres => Ok(sqlx::query_scalar("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT")
            .fetch_one(conn)
            .await?),
        Backend::Sqlite => Ok(crate::now_ms()),
    }
}
