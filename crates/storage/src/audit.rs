//! The audit log: who did what to which target, when and from where. Never values.

use crate::{Conn, Result};
use sluice_domain::{ActorType, AuditId, OrgId, ProjectId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: AuditId,
    pub org_id: Option<OrgId>,
    pub project_id: Option<ProjectId>,
    pub actor_type: ActorType,
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
    .bind(row.actor_type)
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
    /// Any of these actions (all when empty).
    pub actions: Vec<String>,
    pub actor_type: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub offset: i64,
    /// At most this many (100 when 0).
    pub limit: i64,
}

pub async fn list_for_project(conn: &mut Conn, project: &ProjectId, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    list(conn, "project_id", project.as_str(), q).await
}

pub async fn list_for_org(conn: &mut Conn, org: &OrgId, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    list(conn, "org_id", org.as_str(), q).await
}

/// Builds the query from the filters that are set, so no parameter is ever an untyped
/// NULL (PostgreSQL cannot infer the type of `$n IS NULL`).
async fn list(conn: &mut Conn, col: &str, id: &str, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    let mut sql = format!("SELECT * FROM audit_log WHERE {col} = $1");
    let mut texts: Vec<&str> = Vec::new();
    let mut next = 2;
    if !q.actions.is_empty() {
        let marks: Vec<String> = (0..q.actions.len()).map(|i| format!("${}", next + i)).collect();
        sql.push_str(&format!(" AND action IN ({})", marks.join(", ")));
        next += q.actions.len();
        texts.extend(q.actions.iter().map(String::as_str));
    }
    for (column, value) in [("actor_type", &q.actor_type), ("actor_id", &q.actor_id), ("target_id", &q.target_id)] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND {column} = ${next}"));
            next += 1;
            texts.push(v);
        }
    }
    let mut times = Vec::new();
    for (op, value) in [(">=", q.start_ms), ("<=", q.end_ms)] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND created_at {op} ${next}"));
            next += 1;
            times.push(v);
        }
    }
    sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}", next, next + 1));
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id);
    for t in texts {
        query = query.bind(t);
    }
    for t in times {
        query = query.bind(t);
    }
    Ok(query.bind(if q.limit <= 0 { 100 } else { q.limit }).bind(q.offset.max(0)).fetch_all(conn).await?)
}

/// Deletes audit entries older than `older_than_ms`. Returns how many went.
pub async fn prune(conn: &mut Conn, older_than_ms: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM audit_log WHERE created_at < $1")
        .bind(crate::now_ms() - older_than_ms)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
