//! Stored project, environment and membership rows to Infisical's wire shapes.

use sluice_api_types::iso;
use sluice_api_types::orgs::MemberUserOut;
use sluice_api_types::projects::*;
use sluice_domain::MembershipId;
use sluice_storage::environments::EnvironmentRow;
use sluice_storage::memberships::{MembershipRow, UserMemberRow};
use sluice_storage::projects::ProjectRow;

/// The only project type Sluice has.
pub const SECRET_MANAGER: &str = "secret-manager";

pub fn project_out(p: &ProjectRow, envs: &[EnvironmentRow]) -> ProjectOut {
    ProjectOut {
        id: p.id.to_string(),
        legacy_id: p.id.to_string(),
        name: p.name.clone(),
        slug: p.slug.clone(),
        description: p.description.clone(),
        org_id: p.org_id.to_string(),
        organization: p.org_id.to_string(),
        kind: SECRET_MANAGER.to_string(),
        default_product: SECRET_MANAGER.to_string(),
        version: 3,
        upgrade_status: None,
        auto_capitalization: false,
        pit_version_limit: p.pit_version_limit,
        kms_certificate_key_id: None,
        audit_logs_retention_days: None,
        has_delete_protection: false,
        secret_sharing: true,
        show_snapshots_legacy: false,
        secret_detection_ignore_values: Vec::new(),
        environments: envs
            .iter()
            .map(|e| ProjectEnvOut { id: e.id.to_string(), name: e.name.clone(), slug: e.slug.clone() })
            .collect(),
        created_at: iso(p.created_at),
        updated_at: iso(p.updated_at),
    }
}

pub fn environment_out(e: &EnvironmentRow) -> EnvironmentOut {
    EnvironmentOut {
        id: e.id.to_string(),
        name: e.name.clone(),
        slug: e.slug.clone(),
        position: e.position,
        project_id: e.project_id.to_string(),
        created_at: iso(e.created_at),
        updated_at: iso(e.updated_at),
    }
}

/// A membership's single role in Infisical's `roles` list shape.
pub fn role_out(membership_id: &MembershipId, role: &str, created_at: i64, updated_at: i64) -> MembershipRoleOut {
    MembershipRoleOut {
        id: membership_id.to_string(),
        role: role.to_string(),
        custom_role_id: None,
        custom_role_name: None,
        custom_role_slug: None,
        is_temporary: false,
        temporary_mode: None,
        temporary_range: None,
        temporary_access_start_time: None,
        temporary_access_end_time: None,
        project_membership_id: membership_id.to_string(),
        created_at: iso(created_at),
        updated_at: iso(updated_at),
    }
}

pub fn identity_row_out(project_id: &str, m: &MembershipRow) -> IdentityMembershipRowOut {
    IdentityMembershipRowOut {
        id: m.id.to_string(),
        project_id: project_id.to_string(),
        identity_id: m.identity_id.as_ref().map(ToString::to_string).unwrap_or_default(),
        role: m.role.clone(),
        created_at: iso(m.created_at),
        updated_at: iso(m.updated_at),
    }
}

pub fn user_row_out(project_id: &str, m: &MembershipRow) -> UserMembershipRowOut {
    UserMembershipRowOut {
        id: m.id.to_string(),
        user_id: m.user_id.as_ref().map(ToString::to_string).unwrap_or_default(),
        project_id: project_id.to_string(),
        role: m.role.clone(),
        created_at: iso(m.created_at),
        updated_at: iso(m.updated_at),
    }
}

pub fn user_membership_out(project_id: &str, m: &UserMemberRow) -> UserMembershipOut {
    UserMembershipOut {
        id: m.id.to_string(),
        user_id: m.user_id.to_string(),
        project_id: project_id.to_string(),
        created_at: iso(m.created_at),
        user: MemberUserOut {
            id: m.user_id.to_string(),
            email: m.email.clone(),
            username: m.username.clone(),
            first_name: m.first_name.clone(),
            last_name: m.last_name.clone(),
            public_key: None,
        },
        roles: vec![role_out(&m.id, &m.role, m.created_at, m.updated_at)],
    }
}
