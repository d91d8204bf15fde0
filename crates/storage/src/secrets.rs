//! Secrets and their versions. Values and comments are stored only as ciphertext
//! (sealed by the server with the project's data key, bound to the row's identity);
//! this module never sees plaintext.
//!
//! Every change writes a [`VersionRow`] in the same transaction; versions are kept
//! after the secret is deleted, up to the project's `pit_version_limit` per secret
//! ([`prune_after_write`] runs with each new version, [`prune_project_versions`] when the
//! limit is lowered). A secret's versions are numbered 1, 2, 3, … without gaps, so its
//! newest N are those above `newest - N`.

use crate::{Conn, Result};
use sluice_domain::{ActorType, EnvironmentId, FolderId, ProjectId, SecretId, VersionAction};

/// The only secret type Sluice stores (Infisical's personal overrides are not supported).
pub const SHARED: &str = "shared";

#[derive(Clone, sqlx::FromRow)]
pub struct SecretRow {
    pub id: SecretId,
    pub project_id: ProjectId,
    pub environment_id: EnvironmentId,
    pub folder_id: FolderId,
    pub key: String,
    pub secret_type: String,
    pub version: i64,
    pub value_ct: Vec<u8>,
    pub comment_ct: Vec<u8>,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub skip_multiline_encoding: bool,
    pub reminder_note: Option<String>,
    pub reminder_repeat_days: Option<i64>,
    /// JSON array text (Infisical's `secretMetadata`: `[{key, value}]`).
    pub metadata: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for SecretRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretRow")
            .field("id", &self.id)
            .field("folder_id", &self.folder_id)
            .field("key", &self.key)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// One version of a secret: what it held after a change, and who changed it.
#[derive(Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub id: String,
    pub secret_id: SecretId,
    pub project_id: ProjectId,
    pub environment_id: EnvironmentId,
    pub folder_id: FolderId,
    pub key: String,
    pub version: i64,
    pub value_ct: Vec<u8>,
    pub comment_ct: Vec<u8>,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub skip_multiline_encoding: bool,
    /// `created`, `updated` or `deleted`.
    pub action: VersionAction,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    pub created_at: i64,
}

impl std::fmt::Debug for VersionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionRow")
            .field("secret_id", &self.secret_id)
            .field("key", &self.key)
            .field("version", &self.version)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

/// The shared secret `key` of a folder: one indexed lookup (`secrets_folder_key`).
pub async fn get(conn: &mut Conn, folder: &FolderId, key: &str) -> Result<Option<SecretRow>> {
    Ok(sqlx::query_as("SELECT * FROM secrets WHERE folder_id = $1 AND key = $2 AND secret_type = 'shared'")
        .bind(folder.as_str())
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

/// The shared secret `key` at `path` of the environment `env_slug` of `project`, with how
/// many tags it carries, in one query over three unique indexes (environment by slug,
/// folder by path, secret by key): the hot path of `GET /api/v3/secrets/raw/{name}`, which
/// skips the tags query for the many secrets that carry none.
pub async fn get_at_counting_tags(
    conn: &mut Conn,
    project: &ProjectId,
    env_slug: &str,
    path: &str,
    key: &str,
) -> Result<Option<(SecretRow, i64)>> {
    let found: Option<CountedTags> = sqlx::query_as(
        "SELECT s.*, (SELECT COUNT(*) FROM secret_tag_links l WHERE l.secret_id = s.id) AS tag_count
         FROM environments e
         JOIN folders f ON f.environment_id = e.id AND f.path = $3
         JOIN secrets s ON s.folder_id = f.id AND s.key = $4 AND s.secret_type = 'shared'
         WHERE e.project_id = $1 AND e.slug = $2",
    )
    .bind(project.as_str())
    .bind(env_slug)
    .bind(path)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|c| (c.row, c.tag_count)))
}

#[derive(sqlx::FromRow)]
struct CountedTags {
    #[sqlx(flatten)]
    row: SecretRow,
    tag_count: i64,
}

/// Like [`get`], locking the row until the transaction ends (PostgreSQL; SQLite's write
/// transaction already excludes other writers).
pub async fn get_for_update(conn: &mut Conn, folder: &FolderId, key: &str) -> Result<Option<SecretRow>> {
    let lock = if conn.backend_name() == "PostgreSQL" { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT * FROM secrets WHERE folder_id = $1 AND key = $2 AND secret_type = 'shared'{lock}");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(folder.as_str()).bind(key).fetch_optional(conn).await?)
}

/// Every secret of a folder, by key.
pub async fn list(conn: &mut Conn, folder: &FolderId) -> Result<Vec<SecretRow>> {
    Ok(sqlx::query_as("SELECT * FROM secrets WHERE folder_id = $1 ORDER BY key")
        .bind(folder.as_str())
        .fetch_all(conn)
        .await?)
}

pub async fn insert(conn: &mut Conn, row: &SecretRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO secrets (id, project_id, environment_id, folder_id, key, secret_type, version, value_ct, comment_ct,
           skip_multiline_encoding, reminder_note, reminder_repeat_days, metadata, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&row.id)
    .bind(&row.project_id)
    .bind(&row.environment_id)
    .bind(&row.folder_id)
    .bind(&row.key)
    .bind(&row.secret_type)
    .bind(row.version)
    .bind(&row.value_ct)
    .bind(&row.comment_ct)
    .bind(row.skip_multiline_encoding)
    .bind(&row.reminder_note)
    .bind(row.reminder_repeat_days)
    .bind(&row.metadata)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes every mutable column of an existing secret (found by id).
pub async fn update(conn: &mut Conn, row: &SecretRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE secrets SET key = $1, version = $2, value_ct = $3, comment_ct = $4, skip_multiline_encoding = $5,
           reminder_note = $6, reminder_repeat_days = $7, metadata = $8, updated_at = $9
         WHERE id = $10",
    )
    .bind(&row.key)
    .bind(row.version)
    .bind(&row.value_ct)
    .bind(&row.comment_ct)
    .bind(row.skip_multiline_encoding)
    .bind(&row.reminder_note)
    .bind(row.reminder_repeat_days)
    .bind(&row.metadata)
    .bind(row.updated_at)
    .bind(&row.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, id: &SecretId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM secrets WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_version(conn: &mut Conn, row: &VersionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO secret_versions (id, secret_id, project_id, environment_id, folder_id, key, version, value_ct,
           comment_ct, skip_multiline_encoding, action, actor_type, actor_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&row.id)
    .bind(&row.secret_id)
    .bind(&row.project_id)
    .bind(&row.environment_id)
    .bind(&row.folder_id)
    .bind(&row.key)
    .bind(row.version)
    .bind(&row.value_ct)
    .bind(&row.comment_ct)
    .bind(row.skip_multiline_encoding)
    .bind(row.action)
    .bind(row.actor_type)
    .bind(&row.actor_id)
    .bind(row.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every version of a secret, oldest first.
pub async fn versions(conn: &mut Conn, secret: &SecretId) -> Result<Vec<VersionRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_versions WHERE secret_id = $1 ORDER BY version")
        .bind(secret.as_str())
        .fetch_all(conn)
        .await?)
}

/// Version `version` of a secret, found by id.
pub async fn version_of(conn: &mut Conn, secret: &SecretId, version: i64) -> Result<Option<VersionRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_versions WHERE secret_id = $1 AND version = $2")
        .bind(secret.as_str())
        .bind(version)
        .fetch_optional(conn)
        .await?)
}

/// Version `version` of whichever secret was called `key` in a folder when that version
/// was written (a deleted secret's history stays reachable by name); the newest such.
pub async fn version_by_key(conn: &mut Conn, folder: &FolderId, key: &str, version: i64) -> Result<Option<VersionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM secret_versions WHERE folder_id = $1 AND key = $2 AND version = $3
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(folder.as_str())
    .bind(key)
    .bind(version)
    .fetch_optional(conn)
    .await?)
}

/// Deletes the versions of `secret` beyond its project's `pit_version_limit`, `newest`
/// being the version just written: one statement, one range delete on
/// `secret_versions_secret (secret_id, version)`. Returns how many went.
pub async fn prune_after_write(conn: &mut Conn, secret: &SecretId, project: &ProjectId, newest: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM secret_versions WHERE secret_id = $1
           AND version <= $2 - (SELECT pit_version_limit FROM projects WHERE id = $3)",
    )
    .bind(secret.as_str())
    .bind(newest)
    .bind(project.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes the versions of `secret` older than its newest `keep` (the newest being
/// `newest`), as its project's limit says; returns how many went. One range delete on
/// `secret_versions_secret (secret_id, version)`.
pub async fn prune_versions(conn: &mut Conn, secret: &SecretId, newest: i64, keep: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM secret_versions WHERE secret_id = $1 AND version <= $2")
        .bind(secret.as_str())
        .bind(newest - keep.max(1))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes, for every secret of `project` (deleted secrets' histories included), the
/// versions older than its newest `keep`; returns how many went. For a lowered limit.
pub async fn prune_project_versions(conn: &mut Conn, project: &ProjectId, keep: i64) -> Result<u64> {
    let over: Vec<(SecretId, i64)> = sqlx::query_as(
        "SELECT secret_id, MAX(version) FROM secret_versions WHERE project_id = $1
         GROUP BY secret_id HAVING COUNT(*) > $2",
    )
    .bind(project.as_str())
    .bind(keep)
    .fetch_all(&mut *conn)
    .await?;
    let mut pruned = 0;
    for (secret, newest) in over {
        pruned += prune_versions(conn, &secret, newest, keep).await?;
    }
    Ok(pruned)
}
