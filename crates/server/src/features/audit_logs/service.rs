//! Reading the audit log, per project (project admins) or per organization (organization
//! admins), newest first, in Infisical's entry shape.

use crate::auth::Actor;
use crate::auth::authz::{self, Need};
use crate::error::{ApiError, ApiResult};
use crate::features::orgs::service::resolve_org;
use crate::features::projects::manage::{access, project_id};
use crate::state::AppState;
use serde_json::{Value, json};
use sluice_api_types::audit_logs::*;
use sluice_api_types::iso;
use sluice_domain::OrgRole;
use sluice_storage::audit::{self, AuditQuery, AuditRow};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 1000;
const ACTOR_TYPES: [&str; 4] = ["user", "identity", "platform", "anonymous"];

fn date_ms(raw: &str, field: &str) -> ApiResult<i64> {
    let t = OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| {
        ApiError::invalid(field, format!("\"{raw}\" is not an ISO 8601 date-time such as 2025-04-23T19:46:34.831Z"))
    })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Checks the filters and turns them into a storage query.
pub fn parse_query(q: &AuditLogQuery) -> ApiResult<AuditQuery> {
    let start_ms =
        q.start_date.as_deref().filter(|s| !s.is_empty()).map(|s| date_ms(s, "query.startDate")).transpose()?;
    let end_ms = q.end_date.as_deref().filter(|s| !s.is_empty()).map(|s| date_ms(s, "query.endDate")).transpose()?;
    if let (Some(s), Some(e)) = (start_ms, end_ms)
        && e < s
    {
        return Err(ApiError::invalid("query.endDate", "End date cannot be before start date"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("query.limit", format!("limit must be between 1 and {MAX_LIMIT} (got {limit})")));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("query.offset", format!("offset must be 0 or more (got {offset})")));
    }
    let actor_type = q.actor_type.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(t) = actor_type.filter(|t| !ACTOR_TYPES.contains(t)) {
        return Err(ApiError::invalid(
            "query.actorType",
            format!("unknown actor type \"{t}\"; expected one of {}", ACTOR_TYPES.join(", ")),
        ));
    }
    Ok(AuditQuery {
        actions: q
            .event_type
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        actor_type: actor_type.map(str::to_string),
        actor_id: q.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string),
        target_id: None,
        start_ms,
        end_ms,
        offset,
        limit,
    })
}

fn user_agent_type(ua: Option<&str>) -> &'static str {
    match ua.unwrap_or("") {
        u if u.contains("InfisicalPythonSDK") => "InfisicalPythonSDK",
        u if u.contains("InfisicalNodeSDK") => "InfisicalNodeSDK",
        u if u.to_ascii_lowercase().contains("cli") => "cli",
        u if u.starts_with("Mozilla/") => "web",
        _ => "other",
    }
}

fn actor_meta(row: &AuditRow) -> Value {
    match row.actor_type.as_str() {
        "user" => {
            json!({ "userId": row.actor_id, "email": row.actor_name, "username": row.actor_name })
        }
        "identity" => json!({ "identityId": row.actor_id, "name": row.actor_name }),
        "anonymous" => json!({ "claimed": row.actor_name }),
        _ => json!({ "name": row.actor_name }),
    }
}

pub fn entry_out(row: &AuditRow) -> AuditLogOut {
    AuditLogOut {
        id: row.id.to_string(),
        actor: AuditActorOut { kind: row.actor_type.to_string(), metadata: actor_meta(row) },
        event: AuditEventOut {
            kind: row.action.clone(),
            metadata: serde_json::from_str(&row.metadata).unwrap_or_else(|_| json!({})),
        },
        target: match (&row.target_type, &row.target_id) {
            (Some(kind), Some(id)) => Some(AuditTargetOut { kind: kind.clone(), id: id.clone() }),
            _ => None,
        },
        ip_address: row.ip.clone(),
        user_agent: row.user_agent.clone(),
        user_agent_type: user_agent_type(row.user_agent.as_deref()).to_string(),
        org_id: row.org_id.as_ref().map(ToString::to_string),
        project_id: row.project_id.as_ref().map(ToString::to_string),
        created_at: iso(row.created_at),
        updated_at: iso(row.created_at),
    }
}

/// `GET /api/v1/projects/{projectId}/audit-logs` (project admins).
pub async fn list_project(
    state: &AppState,
    actor: &Actor,
    raw_project: &str,
    q: &AuditLogQuery,
) -> ApiResult<Vec<AuditLogOut>> {
    let pid = project_id(raw_project, "params.projectId")?;
    let query = parse_query(q)?;
    let mut conn = state.store.read().await?;
    access(state, &mut conn, actor, &pid, Need::Admin, "read", "the audit log").await?;
    let rows = audit::list_for_project(&mut conn, &pid, &query).await?;
    Ok(rows.iter().map(entry_out).collect())
}

/// `GET /api/v1/organization/audit-logs`: with `projectId`, that project's log (project
/// admins); without, the organization's whole log (organization admins).
pub async fn list_org(state: &AppState, actor: &Actor, q: &AuditLogQuery) -> ApiResult<Vec<AuditLogOut>> {
    if let Some(raw) = q.project_id.as_deref().filter(|s| !s.trim().is_empty()) {
        let pid = project_id(raw, "query.projectId")?;
        let query = parse_query(q)?;
        let mut conn = state.store.read().await?;
        access(state, &mut conn, actor, &pid, Need::Admin, "read", "the audit log").await?;
        let rows = audit::list_for_project(&mut conn, &pid, &query).await?;
        return Ok(rows.iter().map(entry_out).collect());
    }
    let query = parse_query(q)?;
    let mut conn = state.store.read().await?;
    let (org, role) = resolve_org(&mut conn, actor, q.organization_id.as_deref(), "query.organizationId").await?;
    if role != OrgRole::Admin {
        authz::org_admin(&mut conn, actor, &org, "read the organization's audit log").await?;
    }
    let rows = audit::list_for_org(&mut conn, &org, &query).await?;
    Ok(rows.iter().map(entry_out).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_named() {
        let q = AuditLogQuery { event_type: Some("create-secret, update-secret,".into()), ..Default::default() };
        let parsed = parse_query(&q).expect("ok");
        assert_eq!(parsed.actions, vec!["create-secret", "update-secret"]);
        assert_eq!(parsed.limit, DEFAULT_LIMIT);
        let bad = |q: AuditLogQuery| match parse_query(&q) {
            Err(ApiError::Validation { details, .. }) => details[0].path.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            bad(AuditLogQuery { start_date: Some("yesterday".into()), ..Default::default() }),
            "query.startDate"
        );
        assert_eq!(bad(AuditLogQuery { limit: Some(0), ..Default::default() }), "query.limit");
        assert_eq!(bad(AuditLogQuery { offset: Some(-1), ..Default::default() }), "query.offset");
        assert_eq!(bad(AuditLogQuery { actor_type: Some("robot".into()), ..Default::default() }), "query.actorType");
        let backwards = AuditLogQuery {
            start_date: Some("2025-04-23T19:46:34.831Z".into()),
            end_date: Some("2025-04-22T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(bad(backwards), "query.endDate");
        let window = AuditLogQuery { start_date: Some("2025-04-23T19:46:34.831Z".into()), ..Default::default() };
        assert_eq!(parse_query(&window).expect("ok").start_ms, Some(1_745_437_594_831));
    }
}
