//! Project tags (Infisical's secret tags) and which secrets carry them. A tag belongs to
//! one project; its slug is unique there. Links go when the tag or the secret goes
//! (`ON DELETE CASCADE`), so callers never clean them up by hand.

use crate::{Conn, Result, now_ms};
use sluice_domain::{ProjectId, SecretId, TagId};
use std::collections::HashMap;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TagRow {
    pub id: TagId,
    pub project_id: ProjectId,
    pub slug: String,
    pub color: Option<String>,
    pub created_by: Option<String>,
    pub created_by_actor_type: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert(conn: &mut Conn, row: &TagRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO secret_tags (id, project_id, slug, color, created_by, created_by_actor_type, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&row.project_id)
    .bind(&row.slug)
    .bind(&row.color)
    .bind(&row.created_by)
    .bind(&row.created_by_actor_type)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &TagId) -> Result<Option<TagRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_tags WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?)
}

pub async fn get_by_slug(conn: &mut Conn, project: &ProjectId, slug: &str) -> Result<Option<TagRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_tags WHERE project_id = $1 AND slug = $2")
        .bind(project.as_str())
        .bind(slug)
        .fetch_optional(conn)
        .await?)
}

/// A project's tags by slug.
pub async fn list(conn: &mut Conn, project: &ProjectId) -> Result<Vec<TagRow>> {
    Ok(sqlx::query_as("SELECT * FROM secret_tags WHERE project_id = $1 ORDER BY slug")
        .bind(project.as_str())
        .fetch_all(conn)
        .await?)
}

pub async fn update(conn: &mut Conn, id: &TagId, slug: &str, color: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE secret_tags SET slug = $1, color = $2, updated_at = $3 WHERE id = $4")
        .bind(slug)
        .bind(color)
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a tag; its links go with it.
pub async fn delete(conn: &mut Conn, id: &TagId) -> Result<()> {
    sqlx::query("DELETE FROM secret_tags WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// Replaces the tags of a secret with `tags`.
pub async fn set_for_secret(conn: &mut Conn, secret: &SecretId, tags: &[TagId]) -> Result<()> {
    sqlx::query("DELETE FROM secret_tag_links WHERE secret_id = $1").bind(secret.as_str()).execute(&mut *conn).await?;
    for tag in tags {
        sqlx::query("INSERT INTO secret_tag_links (secret_id, tag_id) VALUES ($1, $2)")
            .bind(secret.as_str())
            .bind(tag.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// How many ids go in one `IN (…)` list (well under SQLite's parameter limit).
const CHUNK: usize = 500;

/// The tags of each of `secrets` (secrets without tags are absent), each list by slug.
pub async fn of_secrets(conn: &mut Conn, secrets: &[SecretId]) -> Result<HashMap<SecretId, Vec<TagRow>>> {
    let mut out: HashMap<SecretId, Vec<TagRow>> = HashMap::new();
    for chunk in secrets.chunks(CHUNK) {
        let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT l.secret_id AS link_secret_id, t.* FROM secret_tag_links l JOIN secret_tags t ON t.id = l.tag_id
             WHERE l.secret_id IN ({marks}) ORDER BY t.slug"
        );
        // Only numbered placeholders are formatted in; every value is bound.
        let mut q = sqlx::query_as::<_, LinkedTag>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for linked in q.fetch_all(&mut *conn).await? {
            out.entry(linked.link_secret_id).or_default().push(linked.tag);
        }
    }
    Ok(out)
}

/// The tags of each secret of `folder` (secrets without tags are absent), each list by
/// slug: one query however many secrets the folder holds.
pub async fn of_folder(conn: &mut Conn, folder: &sluice_domain::FolderId) -> Result<HashMap<SecretId, Vec<TagRow>>> {
    let mut out: HashMap<SecretId, Vec<TagRow>> = HashMap::new();
    let linked: Vec<LinkedTag> = sqlx::query_as(
        "SELECT l.secret_id AS link_secret_id, t.* FROM secrets s
         JOIN secret_tag_links l ON l.secret_id = s.id JOIN secret_tags t ON t.id = l.tag_id
         WHERE s.folder_id = $1 ORDER BY t.slug",
    )
    .bind(folder.as_str())
    .fetch_all(conn)
    .await?;
    for linked in linked {
        out.entry(linked.link_secret_id).or_default().push(linked.tag);
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct LinkedTag {
    link_secret_id: SecretId,
    #[sqlx(flatten)]
    tag: TagRow,
}

/// The keys of `folder`'s secrets that carry any of the tags `slugs`.
pub async fn tagged_keys(
    conn: &mut Conn,
    folder: &sluice_domain::FolderId,
    slugs: &[String],
) -> Result<std::collections::BTreeSet<String>> {
    if slugs.is_empty() {
        return Ok(Default::default());
    }
    let marks = (2..slugs.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT DISTINCT s.key FROM secrets s
           JOIN secret_tag_links l ON l.secret_id = s.id
           JOIN secret_tags t ON t.id = l.tag_id
         WHERE s.folder_id = $1 AND t.slug IN ({marks})"
    );
    // Only numbered placeholders are formatted in; every value is bound.
    let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(folder.as_str());
    for slug in slugs {
        q = q.bind(slug.as_str());
    }
    Ok(q.fetch_all(conn).await?.into_iter().collect())
}
