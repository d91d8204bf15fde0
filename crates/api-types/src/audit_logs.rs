//! Reading the audit log: `GET /api/v1/projects/{projectId}/audit-logs` and Infisical's
//! `GET /api/v1/organization/audit-logs`.

use serde::{Deserialize, Serialize};

/// Filters; dates are ISO 8601 (`2025-04-23T19:46:34.831Z`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditLogQuery {
    /// One action or several separated by commas (`create-secret,update-secret`).
    #[serde(default)]
    pub event_type: Option<String>,
    /// The actor's id (user or identity).
    #[serde(default)]
    pub actor: Option<String>,
    /// `user`, `identity`, `platform` or `anonymous`.
    #[serde(default)]
    pub actor_type: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub offset: Option<i64>,
    /// 1–1000, default 20.
    #[serde(default)]
    pub limit: Option<i64>,
    /// Organization reader only: the project to read.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Organization reader only: the organization, for users in several.
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// Who did it: `type` plus ids and names in `metadata`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditActorOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub metadata: serde_json::Value,
}

/// What happened: the action and its metadata (names and counts, never values).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub metadata: serde_json::Value,
}

/// What it happened to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditTargetOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditLogOut {
    pub id: String,
    pub actor: AuditActorOut,
    pub event: AuditEventOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<AuditTargetOut>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub user_agent_type: String,
    pub org_id: Option<String>,
    pub project_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `{auditLogs: [...]}`, newest first.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditLogsOut {
    pub audit_logs: Vec<AuditLogOut>,
}
