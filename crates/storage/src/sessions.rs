//! Browser sessions of users: the cookie value is stored as its SHA-256 digest, next to
//! the session's CSRF token.

use crate::{Conn, Result};
use sluice_domain::{SessionId, UserId};

#[derive(Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: SessionId,
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow").field("id", &self.id).field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

pub async fn insert(conn: &mut Conn, row: &SessionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.id)
    .bind(&row.token_hash)
    .bind(&row.user_id)
    .bind(&row.csrf_token)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as("SELECT * FROM sessions WHERE token_hash = $1").bind(token_hash).fetch_optional(conn).await?)
}

pub async fn delete_by_hash(conn: &mut Conn, token_hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes sessions that expired. Returns how many went.
pub async fn prune_expired(conn: &mut Conn) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(crate::now_ms()).execute(conn).await?;
    Ok(done.rows_affected())
}
