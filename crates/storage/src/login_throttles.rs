//! Failed sign-ins per scope (an account or a client IP), shared by every node (migration
//! `0019_login_throttles`). The rules live in `sluice_domain::login_throttle`; this module
//! reads histories, loads one locked for a change, writes it back and prunes stale rows.

use crate::db::Backend;
use crate::{Conn, Result, dialect};
use sluice_domain::login_throttle::Attempts;

#[derive(sqlx::FromRow)]
struct Row {
    scope_key: String,
    failures: i64,
    last_failure_at: i64,
    locked_until: i64,
    locks: i64,
}

impl From<Row> for (String, Attempts) {
    fn from(r: Row) -> Self {
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let attempts = Attempts {
            failures: count(r.failures),
            last_failure_at: r.last_failure_at,
            locked_until: r.locked_until,
            locks: count(r.locks),
        };
        (r.scope_key, attempts)
    }
}

const COLUMNS: &str = "scope_key, failures, last_failure_at, locked_until, locks";

/// The histories of the given scopes that have one (no lock taken).
pub async fn get_many(conn: &mut Conn, keys: &[&str]) -> Result<Vec<(String, Attempts)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT {COLUMNS} FROM login_throttles WHERE scope_key IN ({})", marks.join(", "));
    let mut q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
    for k in keys {
        q = q.bind(*k);
    }
    Ok(q.fetch_all(conn).await?.into_iter().map(Into::into).collect())
}

/// The histories whose scope key starts with `prefix` (`ip:` for client addresses) that
/// still matter at `now` (not expired), the longest locks first, then the most recent
/// failures, at most `limit` (no lock taken).
///
/// The prefix is compared as it is (`substr`), not as a range of keys: under a linguistic
/// collation (PostgreSQL's `en_US.UTF-8`) `ip:…` does not sort between `ip:` and `ip;`. It
/// reads the whole table, which holds only the histories of the last quiet window.
pub async fn list_prefixed(conn: &mut Conn, prefix: &str, now: i64, limit: i64) -> Result<Vec<(String, Attempts)>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM login_throttles WHERE substr(scope_key, 1, CAST($1 AS INTEGER)) = $2 AND expires_at >= $3
         ORDER BY locked_until DESC, last_failure_at DESC, scope_key LIMIT $4"
    );
    let rows = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
        .bind(i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX))
        .bind(prefix)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A scope's history, its row created if missing and locked until the transaction ends
/// (so that concurrent failures on several nodes all count).
pub async fn lock(conn: &mut Conn, backend: Backend, key: &str) -> Result<Attempts> {
    sqlx::query("INSERT INTO login_throttles (scope_key) VALUES ($1) ON CONFLICT (scope_key) DO NOTHING")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    let sql = format!("SELECT {COLUMNS} FROM login_throttles WHERE scope_key = $1{}", dialect::for_update(backend));
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key).fetch_one(&mut *conn).await?;
    Ok(<(String, Attempts)>::from(row).1)
}

/// Writes a scope's history back; `expires_at` is when it stops mattering.
pub async fn save(conn: &mut Conn, key: &str, a: &Attempts, expires_at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE login_throttles SET failures = $1, last_failure_at = $2, locked_until = $3, locks = $4, expires_at = $5
         WHERE scope_key = $6",
    )
    .bind(i64::from(a.failures))
    .bind(a.last_failure_at)
    .bind(a.locked_until)
    .bind(i64::from(a.locks))
    .bind(expires_at)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets a scope's history (after a successful sign-in).
pub async fn clear(conn: &mut Conn, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttles WHERE scope_key = $1").bind(key).execute(conn).await?;
    Ok(())
}

/// Deletes histories that stopped mattering before `now`; returns how many.
pub async fn prune(conn: &mut Conn, now: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM login_throttles WHERE expires_at < $1").bind(now).execute(conn).await?;
    Ok(done.rows_affected())
}
