//! Organizations and their users, in the shapes of Infisical's `/api/v1/organization` and
//! `/api/v2/organizations`.

use serde::{Deserialize, Serialize};
use sluice_domain::SecretToken;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrgOut {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub created_at: String,
    pub updated_at: String,
    /// The caller's role in it (`admin` or `member`).
    pub user_role: String,
}

/// `{organization: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgEnvelope {
    pub organization: OrgOut,
}

/// `{organizations: [...]}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgsOut {
    pub organizations: Vec<OrgOut>,
}

/// `POST /api/v2/organizations`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgIn {
    pub name: String,
}

/// `POST /api/v1/organization/{organizationId}/users`: adds a user to the organization
/// without email. A new user needs `password` (their first password); an existing user is
/// added as is and `password` must be left out.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrgUserIn {
    pub email: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub password: Option<SecretToken>,
    /// `admin` or `member` (default).
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// The user inside membership objects.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MemberUserOut {
    pub id: String,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub public_key: Option<String>,
}

/// A user's organization membership.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrgUserMembershipOut {
    /// The membership id.
    pub id: String,
    pub org_id: String,
    pub role: String,
    /// Always `accepted` (there are no email invitations).
    pub status: String,
    pub is_active: bool,
    pub user_id: String,
    pub user: MemberUserOut,
}

/// `{users: [...]}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgUsersOut {
    pub users: Vec<OrgUserMembershipOut>,
}

/// `{membership: ...}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgUserEnvelope {
    pub membership: OrgUserMembershipOut,
}

/// `PATCH /api/v2/organizations/{organizationId}/memberships/{membershipId}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgMembershipPatch {
    pub role: String,
}
