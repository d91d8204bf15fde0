//! Projects, environments and project memberships, in the shapes of Infisical's
//! `/api/v1/projects` (and its older `/api/v1|v2/workspace` paths).

use crate::identities::IdentityBriefOut;
use crate::orgs::MemberUserOut;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/projects`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectIn {
    pub project_name: String,
    #[serde(default)]
    pub project_description: Option<String>,
    /// Made from the name when left out.
    #[serde(default)]
    pub slug: Option<String>,
    /// Only `secret-manager`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The organization, for users who belong to several (identities belong to one).
    #[serde(default, alias = "orgId")]
    pub organization_id: Option<String>,
}

/// `PATCH /api/v1/projects/{projectId}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    /// How many versions each secret keeps, 1 to 100 (a JSON number; checked by the server).
    #[serde(default, rename = "pitVersionLimit", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub pit_version_limit: Option<serde_json::Value>,
}

/// `PUT /api/v1/workspace/{workspaceId}/version-limit` (also under `/api/v1/projects`):
/// how many versions each secret of the project keeps, 1 to 100.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VersionLimitIn {
    /// A JSON number (checked by the server, so a wrong type is reported like a wrong value).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub pit_version_limit: serde_json::Value,
}

/// `{message, project}`: the answer of a project setting's own endpoint.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectMessageOut {
    pub message: String,
    pub project: ProjectOut,
}

/// `{message, workspace}`: the same at Infisical's older `/api/v1/workspace` paths.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceMessageOut {
    pub message: String,
    pub workspace: ProjectOut,
}

/// An environment inside a project object.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectEnvOut {
    pub id: String,
    pub name: String,
    pub slug: String,
}

/// A project with Infisical's fields.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectOut {
    pub id: String,
    #[serde(rename = "_id")]
    pub legacy_id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub org_id: String,
    /// The organization id again, under the older `workspace` name.
    pub organization: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub default_product: String,
    pub version: i64,
    pub upgrade_status: Option<String>,
    pub auto_capitalization: bool,
    pub pit_version_limit: i64,
    pub kms_certificate_key_id: Option<String>,
    pub audit_logs_retention_days: Option<i64>,
    pub has_delete_protection: bool,
    pub secret_sharing: bool,
    pub show_snapshots_legacy: bool,
    pub secret_detection_ignore_values: Vec<String>,
    pub environments: Vec<ProjectEnvOut>,
    pub created_at: String,
    pub updated_at: String,
}

/// `{project: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectEnvelope {
    pub project: ProjectOut,
}

/// `{projects: [...]}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectsOut {
    pub projects: Vec<ProjectOut>,
}

/// `{workspace: ...}` (older paths).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceEnvelope {
    pub workspace: ProjectOut,
}

/// `{workspaces: [...]}` (older paths).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspacesOut {
    pub workspaces: Vec<ProjectOut>,
}

/// `POST /api/v1/projects/{projectId}/environments`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentIn {
    pub name: String,
    pub slug: String,
    /// 1-based place in the project's order; last when left out.
    #[serde(default)]
    pub position: Option<i64>,
}

/// `PATCH /api/v1/projects/{projectId}/environments/{id}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentOut {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub position: i64,
    pub project_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `{environment: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentEnvelope {
    pub environment: EnvironmentOut,
}

/// Create, update and delete answers: `{message, projectId, environment}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentChangedOut {
    pub message: String,
    pub project_id: String,
    pub environment: EnvironmentOut,
}

/// One role of a membership: Infisical's `{role, isTemporary}` (only permanent roles here).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoleIn {
    pub role: String,
    #[serde(default)]
    pub is_temporary: bool,
}

/// Body of identity membership create/update: `{role}` or `{roles: [{role}]}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipRolesIn {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub roles: Option<Vec<RoleIn>>,
}

/// A membership's role, in Infisical's `roles` entries.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MembershipRoleOut {
    pub id: String,
    pub role: String,
    pub custom_role_id: Option<String>,
    pub custom_role_name: Option<String>,
    pub custom_role_slug: Option<String>,
    pub is_temporary: bool,
    pub temporary_mode: Option<String>,
    pub temporary_range: Option<String>,
    pub temporary_access_start_time: Option<String>,
    pub temporary_access_end_time: Option<String>,
    pub project_membership_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `{roles: [...]}` (answer of membership updates).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipRolesOut {
    pub roles: Vec<MembershipRoleOut>,
}

/// The bare membership row.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityMembershipRowOut {
    pub id: String,
    pub project_id: String,
    pub identity_id: String,
    pub role: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `{identityMembership: ...}` (create and delete).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityMembershipRowEnvelope {
    pub identity_membership: IdentityMembershipRowOut,
}

/// An identity's project membership with its roles and the identity.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityMembershipOut {
    pub id: String,
    pub identity_id: String,
    pub project_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub roles: Vec<MembershipRoleOut>,
    pub identity: IdentityBriefOut,
}

/// `{identityMembership: ...}` (get).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityMembershipEnvelope {
    pub identity_membership: IdentityMembershipOut,
}

/// `{identityMemberships: [...]}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityMembershipsOut {
    pub identity_memberships: Vec<IdentityMembershipOut>,
}

/// `POST /api/v1/projects/{projectId}/memberships`: users by email or username (the same
/// thing here), all given the roles in `roleSlugs` (default `member`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserMembershipsIn {
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub usernames: Vec<String>,
    #[serde(default)]
    pub role_slugs: Option<Vec<String>>,
}

/// `DELETE /api/v1/projects/{projectId}/memberships`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserMembershipsDeleteIn {
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub usernames: Vec<String>,
}

/// `PATCH /api/v1/projects/{projectId}/memberships/{membershipId}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserMembershipPatch {
    pub roles: Vec<RoleIn>,
}

/// The bare user membership row.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserMembershipRowOut {
    pub id: String,
    pub user_id: String,
    pub project_id: String,
    pub role: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `{memberships: [...]}` (create and bulk delete).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserMembershipRowsOut {
    pub memberships: Vec<UserMembershipRowOut>,
}

/// `{membership: ...}` (delete by id).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserMembershipRowEnvelope {
    pub membership: UserMembershipRowOut,
}

/// A user's project membership with its roles and the user.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserMembershipOut {
    pub id: String,
    pub user_id: String,
    pub project_id: String,
    pub created_at: String,
    pub user: MemberUserOut,
    pub roles: Vec<MembershipRoleOut>,
}

/// `{memberships: [...]}` (list).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserMembershipsOut {
    pub memberships: Vec<UserMembershipOut>,
}

/// `{membership: ...}` (get).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserMembershipEnvelope {
    pub membership: UserMembershipOut,
}
