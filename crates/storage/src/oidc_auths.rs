//! OIDC auth of machine identities: one configuration per identity (discovery URL, bound
//! issuer, audiences, subject and claims, an optional CA certificate, token lifetimes).
//! Times are seconds, as Infisical's API has them; bound claims and trusted IPs are JSON text.

use crate::{Conn, Result, now_ms};
use sluice_domain::IdentityId;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OidcAuthRow {
    pub id: String,
    pub identity_id: IdentityId,
    pub oidc_discovery_url: String,
    pub bound_issuer: String,
    /// Comma-separated, as Infisical stores them.
    pub bound_audiences: String,
    /// A JSON object: claim name → pattern (comma-separated alternatives, globs allowed).
    pub bound_claims: String,
    pub bound_subject: String,
    /// PEM; empty for none.
    pub ca_cert: String,
    pub access_token_ttl: i64,
    pub access_token_max_ttl: i64,
    pub access_token_num_uses_limit: i64,
    pub access_token_trusted_ips: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert(conn: &mut Conn, row: &OidcAuthRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO oidc_auths (id, identity_id, oidc_discovery_url, bound_issuer, bound_audiences, bound_claims,
           bound_subject, ca_cert, access_token_ttl, access_token_max_ttl, access_token_num_uses_limit,
           access_token_trusted_ips, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&row.id)
    .bind(&row.identity_id)
    .bind(&row.oidc_discovery_url)
    .bind(&row.bound_issuer)
    .bind(&row.bound_audiences)
    .bind(&row.bound_claims)
    .bind(&row.bound_subject)
    .bind(&row.ca_cert)
    .bind(row.access_token_ttl)
    .bind(row.access_token_max_ttl)
    .bind(row.access_token_num_uses_limit)
    .bind(&row.access_token_trusted_ips)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes every setting of the row (by identity); `updated_at` becomes now.
pub async fn update(conn: &mut Conn, row: &OidcAuthRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE oidc_auths SET oidc_discovery_url = $1, bound_issuer = $2, bound_audiences = $3, bound_claims = $4,
           bound_subject = $5, ca_cert = $6, access_token_ttl = $7, access_token_max_ttl = $8,
           access_token_num_uses_limit = $9, access_token_trusted_ips = $10, updated_at = $11
         WHERE identity_id = $12",
    )
    .bind(&row.oidc_discovery_url)
    .bind(&row.bound_issuer)
    .bind(&row.bound_audiences)
    .bind(&row.bound_claims)
    .bind(&row.bound_subject)
    .bind(&row.ca_cert)
    .bind(row.access_token_ttl)
    .bind(row.access_token_max_ttl)
    .bind(row.access_token_num_uses_limit)
    .bind(&row.access_token_trusted_ips)
    .bind(now_ms())
    .bind(&row.identity_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn for_identity(conn: &mut Conn, identity: &IdentityId) -> Result<Option<OidcAuthRow>> {
    Ok(sqlx::query_as("SELECT * FROM oidc_auths WHERE identity_id = $1")
        .bind(identity.as_str())
        .fetch_optional(conn)
        .await?)
}

pub async fn delete(conn: &mut Conn, identity: &IdentityId) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM oidc_auths WHERE identity_id = $1").bind(identity.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
