//! App connections (Railway tokens). Credentials are stored sealed with a per-connection
//! data key wrapped by the root key; `credentials_hash` lets clients see that they changed.

use crate::{Conn, Result, now_ms};
use sluice_domain::{App, ConnectionId, OrgId, ProjectId};

#[derive(Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: ConnectionId,
    pub org_id: OrgId,
    pub project_id: Option<ProjectId>,
    pub app: App,
    pub method: String,
    pub name: String,
    pub description: Option<String>,
    pub data_key_wrapped: Vec<u8>,
    pub credentials_ct: Vec<u8>,
    pub credentials_hash: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Most syncs of this connection running at once across the cluster (`None`: the
    /// server's default).
    #[sqlx(default)]
    pub sync_concurrency: Option<i64>,
}

impl std::fmt::Debug for ConnectionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

pub async fn insert(conn: &mut Conn, row: &ConnectionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_connections (id, org_id, project_id, app, method, name, description, data_key_wrapped,
           credentials_ct, credentials_hash, version, created_at, updated_at, sync_concurrency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&row.id)
    .bind(&row.org_id)
    .bind(&row.project_id)
    .bind(&row.app)
    .bind(&row.method)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.data_key_wrapped)
    .bind(&row.credentials_ct)
    .bind(&row.credentials_hash)
    .bind(row.version)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(row.sync_concurrency)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets (or clears, with `None`) how many of the connection's syncs may run at once.
pub async fn set_sync_concurrency(conn: &mut Conn, id: &ConnectionId, n: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE app_connections SET sync_concurrency = $1 WHERE id = $2")
        .bind(n)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &ConnectionId) -> Result<Option<ConnectionRow>> {
    Ok(sqlx::query_as("SELECT * FROM app_connections WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn get_by_name(conn: &mut Conn, org: &OrgId, name: &str) -> Result<Option<ConnectionRow>> {
    Ok(sqlx::query_as("SELECT * FROM app_connections WHERE org_id = $1 AND name = $2")
        .bind(org.as_str())
        .bind(name)
        .fetch_optional(conn)
        .await?)
}

/// Connections of an organization, optionally only those of one app.
pub async fn list(conn: &mut Conn, org: &OrgId, app: Option<&App>) -> Result<Vec<ConnectionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM app_connections WHERE org_id = $1 AND ($2 IS NULL OR app = $2) ORDER BY LOWER(name), id",
    )
    .bind(org.as_str())
    .bind(app)
    .fetch_all(conn)
    .await?)
}

/// Updates name, description and (when given) the sealed credentials.
pub async fn update(
    conn: &mut Conn,
    id: &ConnectionId,
    name: &str,
    description: Option<&str>,
    credentials: Option<(&[u8], &str)>,
) -> Result<bool> {
    let now = now_ms();
    let done =
        match credentials {
            Some((ct, hash)) => sqlx::query(
                "UPDATE app_connections SET name = $1, description = $2, credentials_ct = $3, credentials_hash = $4,
               version = version + 1, updated_at = $5 WHERE id = $6",
            )
            .bind(name)
            .bind(description)
            .bind(ct)
            .bind(hash)
            .bind(now)
            .bind(id.as_str())
            .execute(conn)
            .await?,
            None => {
                sqlx::query("UPDATE app_connections SET name = $1, description = $2, updated_at = $3 WHERE id = $4")
                    .bind(name)
                    .bind(description)
                    .bind(now)
                    .bind(id.as_str())
                    .execute(conn)
                    .await?
            }
        };
    Ok(done.rows_affected() == 1)
}

/// Number of syncs that use a connection.
pub async fn sync_count(conn: &mut Conn, id: &ConnectionId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM secret_syncs WHERE connection_id = $1")
        .bind(id.as_str())
        .fetch_one(conn)
        .await?)
}

/// A sync that uses a connection: its id, name and project, by name (at most `limit`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SyncUsingRow {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub project_name: String,
}

/// The syncs that use a connection, by project and name (at most `limit`).
pub async fn syncs_using(conn: &mut Conn, id: &ConnectionId, limit: i64) -> Result<Vec<SyncUsingRow>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.name, s.project_id, p.name AS project_name FROM secret_syncs s
           JOIN projects p ON p.id = s.project_id
         WHERE s.connection_id = $1 ORDER BY p.name, s.name LIMIT $2",
    )
    .bind(id.as_str())
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn delete(conn: &mut Conn, id: &ConnectionId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM app_connections WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the sealed credentials (a fresh data key with them) and bumps the version.
pub async fn set_credentials(
    conn: &mut Conn,
    id: &ConnectionId,
    data_key_wrapped: &[u8],
    ct: &[u8],
    hash: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE app_connections SET data_key_wrapped = $1, credentials_ct = $2, credentials_hash = $3,
           version = version + 1, updated_at = $4 WHERE id = $5",
    )
    .bind(data_key_wrapped)
    .bind(ct)
    .bind(hash)
    .bind(now_ms())
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
