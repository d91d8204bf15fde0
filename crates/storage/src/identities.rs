//! Machine identities, their universal-auth configuration and client secrets.

use crate::{Conn, Result, now_ms};
use sluice_domain::{ClientSecretId, IdentityId, OrgId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IdentityRow {
    pub id: IdentityId,
    pub org_id: OrgId,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert(conn: &mut Conn, row: &IdentityRow) -> Result<()> {
    sqlx::query("INSERT INTO identities (id, org_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&row.id)
        .bind(&row.org_id)
        .bind(&row.name)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &IdentityId) -> Result<Option<IdentityRow>> {
    Ok(sqlx::query_as("SELECT * FROM identities WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn list_for_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<IdentityRow>> {
    Ok(sqlx::query_as("SELECT * FROM identities WHERE org_id = $1 ORDER BY name")
        .bind(org.as_str())
        .fetch_all(conn)
        .await?)
}

pub async fn rename(conn: &mut Conn, id: &IdentityId, name: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE identities SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, id: &IdentityId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM identities WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Universal auth attached to an identity. Times are seconds, as Infisical's API has them;
/// trusted IP lists are JSON text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UniversalAuthRow {
    pub id: String,
    pub identity_id: IdentityId,
    pub client_id: String,
    pub access_token_ttl: i64,
    pub access_token_max_ttl: i64,
    pub access_token_num_uses_limit: i64,
    pub access_token_trusted_ips: String,
    pub client_secret_trusted_ips: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert_universal_auth(conn: &mut Conn, row: &UniversalAuthRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO universal_auths (id, identity_id, client_id, access_token_ttl, access_token_max_ttl,
           access_token_num_uses_limit, access_token_trusted_ips, client_secret_trusted_ips, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.identity_id)
    .bind(&row.client_id)
    .bind(row.access_token_ttl)
    .bind(row.access_token_max_ttl)
    .bind(row.access_token_num_uses_limit)
    .bind(&row.access_token_trusted_ips)
    .bind(&row.client_secret_trusted_ips)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_universal_auth(conn: &mut Conn, row: &UniversalAuthRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE universal_auths SET access_token_ttl = $1, access_token_max_ttl = $2, access_token_num_uses_limit = $3,
           access_token_trusted_ips = $4, client_secret_trusted_ips = $5, updated_at = $6 WHERE identity_id = $7",
    )
    .bind(row.access_token_ttl)
    .bind(row.access_token_max_ttl)
    .bind(row.access_token_num_uses_limit)
    .bind(&row.access_token_trusted_ips)
    .bind(&row.client_secret_trusted_ips)
    .bind(now_ms())
    .bind(&row.identity_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn universal_auth_for(conn: &mut Conn, identity: &IdentityId) -> Result<Option<UniversalAuthRow>> {
    Ok(sqlx::query_as("SELECT * FROM universal_auths WHERE identity_id = $1")
        .bind(identity.as_str())
        .fetch_optional(conn)
        .await?)
}

pub async fn universal_auth_by_client_id(conn: &mut Conn, client_id: &str) -> Result<Option<UniversalAuthRow>> {
    Ok(sqlx::query_as("SELECT * FROM universal_auths WHERE client_id = $1")
        .bind(client_id)
        .fetch_optional(conn)
        .await?)
}

pub async fn delete_universal_auth(conn: &mut Conn, identity: &IdentityId) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM universal_auths WHERE identity_id = $1").bind(identity.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// A client secret; only its Argon2id hash and first characters are stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClientSecretRow {
    pub id: ClientSecretId,
    pub identity_id: IdentityId,
    pub description: String,
    pub secret_prefix: String,
    pub secret_hash: String,
    pub ttl: i64,
    pub num_uses_limit: i64,
    pub num_uses: i64,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub is_revoked: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ClientSecretRow {
    /// Usable now: not revoked, not past its TTL, uses left.
    pub fn is_usable(&self, now: i64) -> bool {
        !self.is_revoked
            && (self.ttl == 0 || now < self.created_at + self.ttl * 1000)
            && (self.num_uses_limit == 0 || self.num_uses < self.num_uses_limit)
    }
}

/// Every client-secret column, with the flag readable on both backends (see [`crate::flag`]).
const SECRET_COLUMNS: &str = "id, identity_id, description, secret_prefix, secret_hash, ttl, num_uses_limit, num_uses, \
     (is_revoked = TRUE) AS is_revoked, created_at, updated_at";

pub async fn insert_client_secret(conn: &mut Conn, row: &ClientSecretRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO client_secrets (id, identity_id, description, secret_prefix, secret_hash, ttl, num_uses_limit,
           num_uses, is_revoked, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&row.id)
    .bind(&row.identity_id)
    .bind(&row.description)
    .bind(&row.secret_prefix)
    .bind(&row.secret_hash)
    .bind(row.ttl)
    .bind(row.num_uses_limit)
    .bind(row.num_uses)
    .bind(row.is_revoked)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn client_secrets_for(conn: &mut Conn, identity: &IdentityId) -> Result<Vec<ClientSecretRow>> {
    let sql = format!("SELECT {SECRET_COLUMNS} FROM client_secrets WHERE identity_id = $1 ORDER BY created_at, id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(identity.as_str()).fetch_all(conn).await?)
}

pub async fn client_secret(conn: &mut Conn, id: &ClientSecretId) -> Result<Option<ClientSecretRow>> {
    let sql = format!("SELECT {SECRET_COLUMNS} FROM client_secrets WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn revoke_client_secret(conn: &mut Conn, id: &ClientSecretId) -> Result<bool> {
    let done = sqlx::query("UPDATE client_secrets SET is_revoked = TRUE, updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one use of a client secret; false when its uses ran out meanwhile.
pub async fn use_client_secret(conn: &mut Conn, id: &ClientSecretId) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE client_secrets SET num_uses = num_uses + 1, updated_at = $1
         WHERE id = $2 AND is_revoked = FALSE AND (num_uses_limit = 0 OR num_uses < num_uses_limit)",
    )
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes every client secret of an identity (when its universal auth is removed, so a
/// later re-attachment starts without old secrets).
pub async fn delete_client_secrets_for(conn: &mut Conn, identity: &IdentityId) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM client_secrets WHERE identity_id = $1").bind(identity.as_str()).execute(conn).await?;
    Ok(done.rows_affected())
}
