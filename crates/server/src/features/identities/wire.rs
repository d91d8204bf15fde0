//! Stored identity rows to Infisical's wire shapes.

use crate::auth::trusted_ips::TrustedIps;
use sluice_api_types::identities::*;
use sluice_api_types::iso;
use sluice_api_types::oidc_auth::OidcAuthOut;
use sluice_domain::IdentityId;
use sluice_storage::identities::{ClientSecretRow, IdentityRow, UniversalAuthRow};
use sluice_storage::memberships::IdentityMemberRow;
use sluice_storage::oidc_auths::OidcAuthRow;

/// Infisical's name for the one auth method Sluice has.
pub const UNIVERSAL_AUTH: &str = "universal-auth";

fn auth_methods(has_universal_auth: bool) -> (Option<String>, Vec<String>) {
    if has_universal_auth {
        (Some(UNIVERSAL_AUTH.to_string()), vec![UNIVERSAL_AUTH.to_string()])
    } else {
        (None, Vec::new())
    }
}

pub fn identity_out(row: &IdentityRow, role: &str, has_universal_auth: bool) -> IdentityOut {
    let (auth_method, auth_methods) = auth_methods(has_universal_auth);
    IdentityOut {
        id: row.id.to_string(),
        name: row.name.clone(),
        org_id: row.org_id.to_string(),
        role: role.to_string(),
        auth_method,
        auth_methods,
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}

pub fn identity_brief(id: &IdentityId, name: &str, has_universal_auth: bool) -> IdentityBriefOut {
    let (auth_method, auth_methods) = auth_methods(has_universal_auth);
    IdentityBriefOut { id: id.to_string(), name: name.to_string(), auth_method, auth_methods }
}

pub fn org_membership_out(org_id: &str, m: &IdentityMemberRow) -> OrgIdentityMembershipOut {
    OrgIdentityMembershipOut {
        id: m.id.to_string(),
        role: m.role.clone(),
        role_id: None,
        org_id: org_id.to_string(),
        identity_id: m.identity_id.to_string(),
        created_at: iso(m.created_at),
        updated_at: iso(m.updated_at),
        identity: identity_brief(&m.identity_id, &m.name, m.client_id.is_some()),
    }
}

fn trusted_ips_out(json: &str) -> Vec<TrustedIpOut> {
    TrustedIps::from_json(json)
        .0
        .into_iter()
        .map(|t| {
            let s = t.to_stored();
            TrustedIpOut { ip_address: s.ip_address, kind: s.kind, prefix: s.prefix }
        })
        .collect()
}

pub fn universal_auth_out(ua: &UniversalAuthRow) -> UniversalAuthOut {
    UniversalAuthOut {
        id: ua.id.clone(),
        client_id: ua.client_id.clone(),
        identity_id: ua.identity_id.to_string(),
        access_token_ttl: ua.access_token_ttl,
        access_token_max_ttl: ua.access_token_max_ttl,
        access_token_num_uses_limit: ua.access_token_num_uses_limit,
        access_token_period: 0,
        client_secret_trusted_ips: trusted_ips_out(&ua.client_secret_trusted_ips),
        access_token_trusted_ips: trusted_ips_out(&ua.access_token_trusted_ips),
        created_at: iso(ua.created_at),
        updated_at: iso(ua.updated_at),
    }
}

pub fn client_secret_out(row: &ClientSecretRow, universal_auth_id: &str) -> ClientSecretOut {
    ClientSecretOut {
        id: row.id.to_string(),
        description: row.description.clone(),
        client_secret_prefix: row.secret_prefix.clone(),
        client_secret_num_uses: row.num_uses,
        client_secret_num_uses_limit: row.num_uses_limit,
        client_secret_ttl: row.ttl,
        identity_ua_id: universal_auth_id.to_string(),
        identity_id: row.identity_id.to_string(),
        is_client_secret_revoked: row.is_revoked,
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}

pub fn oidc_auth_out(row: &OidcAuthRow) -> OidcAuthOut {
    let bound_claims = match serde_json::from_str(&row.bound_claims) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    OidcAuthOut {
        id: row.id.clone(),
        identity_id: row.identity_id.to_string(),
        oidc_discovery_url: row.oidc_discovery_url.clone(),
        bound_issuer: row.bound_issuer.clone(),
        bound_audiences: row.bound_audiences.clone(),
        bound_claims,
        bound_subject: row.bound_subject.clone(),
        ca_cert: row.ca_cert.clone(),
        access_token_ttl: row.access_token_ttl,
        access_token_max_ttl: row.access_token_max_ttl,
        access_token_num_uses_limit: row.access_token_num_uses_limit,
        access_token_trusted_ips: trusted_ips_out(&row.access_token_trusted_ips),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
    }
}
