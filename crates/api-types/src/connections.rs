//! App connections (`/api/v1/app-connections`): the Railway tokens syncs write with.
//!
//! Requests carry a token (`credentials.apiToken`), so their `Debug` redacts it; responses
//! never carry it — only `credentialsHash`, which changes when the credentials change.

use serde::{Deserialize, Deserializer, Serialize};
use sluice_domain::SecretToken;

/// One app Sluice can connect to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionOptionOut {
    pub name: String,
    pub app: String,
    /// Credential methods (`account-token`, `project-token`, `team-token`).
    pub methods: Vec<String>,
}

/// `GET /api/v1/app-connections/options`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionOptionsOut {
    pub app_connection_options: Vec<AppConnectionOptionOut>,
}

/// `credentials` of a Railway connection.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayCredentialsIn {
    /// The Railway token (account, workspace or project token, as `method` says).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub api_token: Option<SecretToken>,
}

/// `POST /api/v1/app-connections/railway`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayConnectionIn {
    /// Slug: lowercase letters, digits and hyphens, at most 64 characters; unique in the organization.
    pub name: Option<String>,
    pub description: Option<String>,
    /// `account-token`, `team-token` or `project-token`.
    pub method: Option<String>,
    pub credentials: Option<RailwayCredentialsIn>,
    /// The organization that owns the connection (a user in several organizations names one).
    pub organization_id: Option<String>,
    /// Picks the organization through one of its projects.
    pub project_id: Option<String>,
    /// Must be absent or false: Railway connections use the token given.
    pub is_platform_managed_credentials: Option<bool>,
    /// Must be absent or null: Railway is reached directly.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub gateway_id: Option<serde_json::Value>,
    /// Most syncs of this connection running at once across the cluster (1–50); absent
    /// means the server's default (`--sync-concurrency`, 5).
    pub sync_concurrency: Option<i64>,
}

/// `PATCH /api/v1/app-connections/railway/{connectionId}`. The method cannot change.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayConnectionPatch {
    pub name: Option<String>,
    /// `null` clears it; absent keeps it.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    /// New credentials: checked against Railway before they are stored.
    pub credentials: Option<RailwayCredentialsIn>,
    pub is_platform_managed_credentials: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub gateway_id: Option<serde_json::Value>,
    /// 1–50; `null` returns to the server's default; absent keeps it.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub sync_concurrency: Option<Option<i64>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A connection as returned ("sanitised": no credentials).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionOut {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub version: i64,
    pub org_id: String,
    pub project_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Always false for Railway.
    pub is_platform_managed_credentials: bool,
    /// Always null for Railway.
    pub gateway_id: Option<String>,
    /// SHA-256 of the sealed credentials: changes exactly when the credentials change.
    pub credentials_hash: String,
    /// `railway`.
    pub app: String,
    pub method: String,
    /// Always `{}`: credentials are never returned.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credentials: serde_json::Value,
    /// Most syncs of this connection running at once across the cluster; null: the
    /// server's default (`--sync-concurrency`, 5).
    #[serde(default)]
    pub sync_concurrency: Option<i64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionResponse {
    pub app_connection: AppConnectionOut,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionsResponse {
    pub app_connections: Vec<AppConnectionOut>,
}

/// A connection the caller may use in a sync.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AvailableConnectionOut {
    pub app: String,
    pub name: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub org_id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AvailableConnectionsResponse {
    pub app_connections: Vec<AvailableConnectionOut>,
}

/// `?organizationId=&projectId=`: which organization's connections (see the service docs).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionScopeQuery {
    pub organization_id: Option<String>,
    pub project_id: Option<String>,
}

/// An id and a display name.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedOut {
    pub id: String,
    pub name: String,
}

/// One Railway project in the destination picker.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RailwayProjectOut {
    pub id: String,
    pub name: String,
    pub services: Vec<NamedOut>,
    /// Environments the token can write to (a project token: only its own).
    pub environments: Vec<RailwayEnvironmentOut>,
}

/// One Railway environment in the destination picker.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RailwayEnvironmentOut {
    pub id: String,
    pub name: String,
    /// The project's services that have an instance in this environment.
    #[serde(default)]
    pub service_ids: Vec<String>,
}

/// `GET /api/v1/app-connections/railway/{connectionId}/projects`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RailwayProjectsOut {
    pub projects: Vec<RailwayProjectOut>,
}
