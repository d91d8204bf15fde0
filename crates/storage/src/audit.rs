//! The audit log: who did what to which target, when and from where. Never values.

use crate::{Conn, Result};
use sluice_domain::{OrgId, ProjectId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub org_id: Option<String>,
    pub project_id: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// JSON object text.
    pub metadata: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
}

pub async fn insert(conn: &mut Conn, row: &AuditRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, org_id, project_id, actor_type, actor_id, actor_name, action, target_type, target_id,
           metadata, ip, user_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&row.id)
    .bind(&row.org_id)
    .bind(&row.project_id)
    .bind(&row.actor_type)
    .bind(&row.actor_id)
    .bind(&row.actor_name)
    .bind(&row.action)
    .bind(&row.target_type)
    .bind(&row.target_id)
    .bind(&row.metadata)
    .bind(&row.ip)
    .bind(&row.user_agent)
    .bind(row.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Filters for reading the log; newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

pub async fn list_for_project(conn: &mut Conn, project: &ProjectId, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    list(conn, "project_id", project.as_str(), q).await
}

pub async fn list_for_org(conn: &mut Conn, org: &OrgId, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    list(conn, "org_id", org.as_str(), q).await
}

async fn list(conn: &mut Conn, col: &str, id: &str, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    let sql = format!(
        "SELECT * FROM audit_log WHERE {col} = $1
           AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR target_id = $4)
           AND ($5 IS NULL OR created_at >= $5) AND ($6 IS NULL OR created_at <= $6)
         ORDER BY created_at DESC, id DESC LIMIT $7 OFFSET $8"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(&q.action)
        .bind(&q.actor_id)
        .bind(&q.target_id)
        .bind(q.start_ms)
        .bind(q.end_ms)
        .bind(if q.limit <= 0 { 100 } else { q.limit })
        .bind(q.offset.max(0))
        .fetch_all(conn)
        .await?)
}
