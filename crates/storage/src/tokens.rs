//! Access tokens of identities and users, looked up by their SHA-256 digest.

use crate::{Conn, Result, now_ms};
use sluice_domain::{AccessTokenId, ClientSecretId, IdentityId, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccessTokenRow {
    pub id: AccessTokenId,
    pub token_hash: String,
    pub identity_id: Option<IdentityId>,
    pub user_id: Option<UserId>,
    pub client_secret_id: Option<ClientSecretId>,
    /// Seconds.
    pub ttl: i64,
    /// Seconds.
    pub max_ttl: i64,
    pub num_uses: i64,
    pub num_uses_limit: i64,
    pub expires_at: i64,
    pub max_expires_at: i64,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub revoked: bool,
    pub created_at: i64,
    pub renewed_at: i64,
    /// The login method that issued it when not universal auth (`oidc-auth`); `None` for
    /// universal auth and users.
    pub auth_method: Option<String>,
}

impl AccessTokenRow {
    pub fn is_live(&self, now: i64) -> bool {
        !self.revoked
            && now < self.expires_at
            && now < self.max_expires_at
            && (self.num_uses_limit == 0 || self.num_uses < self.num_uses_limit)
    }
}

/// Every column, with the flag readable on both backends (see [`crate::flag`]).
const COLUMNS: &str = "id, token_hash, identity_id, user_id, client_secret_id, ttl, max_ttl, num_uses, num_uses_limit, \
     expires_at, max_expires_at, (revoked = TRUE) AS revoked, created_at, renewed_at, auth_method";

pub async fn insert(conn: &mut Conn, row: &AccessTokenRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO access_tokens (id, token_hash, identity_id, user_id, client_secret_id, ttl, max_ttl, num_uses,
           num_uses_limit, expires_at, max_expires_at, revoked, created_at, renewed_at, auth_method)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&row.id)
    .bind(&row.token_hash)
    .bind(&row.identity_id)
    .bind(&row.user_id)
    .bind(&row.client_secret_id)
    .bind(row.ttl)
    .bind(row.max_ttl)
    .bind(row.num_uses)
    .bind(row.num_uses_limit)
    .bind(row.expires_at)
    .bind(row.max_expires_at)
    .bind(row.revoked)
    .bind(row.created_at)
    .bind(row.renewed_at)
    .bind(&row.auth_method)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<AccessTokenRow>> {
    let sql = format!("SELECT {COLUMNS} FROM access_tokens WHERE token_hash = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(conn).await?)
}

/// Counts one use of a token with a use limit; false when none are left.
pub async fn use_once(conn: &mut Conn, id: &AccessTokenId) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE access_tokens SET num_uses = num_uses + 1
         WHERE id = $1 AND revoked = FALSE AND (num_uses_limit = 0 OR num_uses < num_uses_limit)",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Extends a token's expiry (never past its maximum lifetime).
pub async fn renew(conn: &mut Conn, id: &AccessTokenId, expires_at: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE access_tokens SET expires_at = $1, renewed_at = $2 WHERE id = $3 AND revoked = FALSE")
            .bind(expires_at)
            .bind(now_ms())
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke(conn: &mut Conn, id: &AccessTokenId) -> Result<bool> {
    let done = sqlx::query("UPDATE access_tokens SET revoked = TRUE WHERE id = $1").bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token an identity holds (used when its universal auth is removed).
pub async fn revoke_all_for_identity(conn: &mut Conn, identity_id: &IdentityId) -> Result<u64> {
    let done = sqlx::query("UPDATE access_tokens SET revoked = TRUE WHERE identity_id = $1")
        .bind(identity_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes tokens that can no longer be used.
pub async fn prune(conn: &mut Conn) -> Result<u64> {
    let now = now_ms();
    let done =
        sqlx::query("DELETE FROM access_tokens WHERE max_expires_at < $1 OR (revoked = TRUE AND renewed_at < $2)")
            .bind(now)
            .bind(now - 86_400_000)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}
