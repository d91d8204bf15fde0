//! OIDC auth of an identity through the API: attach, read, update, remove its
//! configuration (`/api/v1/auth/oidc-auth/identities/{identityId}`). Organization admins
//! only, as universal auth.
//!
//! Checked when saved: the discovery URL is HTTPS (plain HTTP only on a loopback address),
//! a bound issuer is given, bound claims map names to strings, a CA certificate parses;
//! TTLs, use limits and trusted IPs follow universal auth's limits. Removing OIDC auth
//! revokes every token of the identity.

use super::manage::administered_identity;
use super::service::{DEFAULT_TOKEN_TTL_SECS, DEFAULT_TRUSTED_IPS};
use super::universal_auth::{non_negative, trusted_ips, ttl};
use super::wire::oidc_auth_out;
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::features::auth::service::forget_tokens_of;
use crate::state::AppState;
use serde_json::{Value, json};
use sluice_api_types::oidc_auth::{OidcAuthIn, OidcAuthOut, OidcAuthPatch};
use sluice_core::audit::{self, AuditEvent};
use sluice_core::oidc::{check_ca_cert, check_fetch_url};
use sluice_storage::identities::IdentityRow;
use sluice_storage::memberships::Principal;
use sluice_storage::oidc_auths::{self, OidcAuthRow};
use sluice_storage::{Conn, StorageError, now_ms, tokens};

fn required(value: &str, field: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    Ok(())
}

/// Applies a request body onto a row (all fields optional), checking each field given.
fn apply(mut row: OidcAuthRow, input: &OidcAuthIn) -> ApiResult<OidcAuthRow> {
    if let Some(url) = &input.oidc_discovery_url {
        check_fetch_url(url).map_err(|e| ApiError::invalid("body.oidcDiscoveryUrl", e))?;
        row.oidc_discovery_url = url.trim().trim_end_matches('/').to_string();
    }
    if let Some(v) = &input.bound_issuer {
        row.bound_issuer = v.trim().to_string();
    }
    if let Some(pem) = &input.ca_cert {
        let pem = pem.trim();
        if !pem.is_empty() {
            check_ca_cert(pem).map_err(|e| ApiError::invalid("body.caCert", e))?;
        }
        row.ca_cert = pem.to_string();
    }
    if let Some(v) = &input.bound_audiences {
        let list: Vec<&str> = v.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
        row.bound_audiences = list.join(", ");
    }
    if let Some(claims) = &input.bound_claims {
        for (name, value) in claims {
            if name.trim().is_empty() || !value.is_string() {
                return Err(ApiError::invalid(
                    format!("body.boundClaims.{name}"),
                    "each bound claim maps a claim name to a string of comma-separated patterns",
                ));
            }
        }
        row.bound_claims = Value::Object(claims.clone()).to_string();
    }
    if let Some(v) = &input.bound_subject {
        row.bound_subject = v.trim().to_string();
    }
    if let Some(v) = input.access_token_ttl {
        row.access_token_ttl = ttl(v, "body.accessTokenTTL")?;
    }
    if let Some(v) = input.access_token_max_ttl {
        row.access_token_max_ttl = ttl(v, "body.accessTokenMaxTTL")?;
    }
    if let Some(v) = input.access_token_num_uses_limit {
        row.access_token_num_uses_limit = non_negative(v, "body.accessTokenNumUsesLimit")?;
    }
    if let Some(list) = &input.access_token_trusted_ips {
        row.access_token_trusted_ips = trusted_ips(list, "body.accessTokenTrustedIps")?;
    }
    required(&row.oidc_discovery_url, "body.oidcDiscoveryUrl")?;
    required(&row.bound_issuer, "body.boundIssuer")?;
    if row.access_token_max_ttl > 0 && row.access_token_ttl > row.access_token_max_ttl {
        let field = if input.access_token_ttl.is_some() { "body.accessTokenTTL" } else { "body.accessTokenMaxTTL" };
        return Err(ApiError::invalid(
            field,
            format!(
                "accessTokenTTL ({}) cannot be greater than accessTokenMaxTTL ({})",
                row.access_token_ttl, row.access_token_max_ttl
            ),
        ));
    }
    Ok(row)
}

fn audit_meta(row: &OidcAuthRow) -> Value {
    let out = oidc_auth_out(row);
    json!({
        "identityId": row.identity_id,
        "oidcDiscoveryUrl": out.oidc_discovery_url,
        "boundIssuer": out.bound_issuer,
        "boundAudiences": out.bound_audiences,
        "boundSubject": out.bound_subject,
        "boundClaims": out.bound_claims,
        "accessTokenTTL": row.access_token_ttl,
        "accessTokenMaxTTL": row.access_token_max_ttl,
        "accessTokenNumUsesLimit": row.access_token_num_uses_limit,
        "accessTokenTrustedIps": out.access_token_trusted_ips,
    })
}

/// The identity's OIDC configuration, or 404 saying it has none.
pub async fn oidc_auth_of(conn: &mut Conn, identity: &IdentityRow) -> ApiResult<OidcAuthRow> {
    oidc_auths::for_identity(conn, &identity.id).await?.ok_or_else(|| {
        ApiError::not_found(format!("OIDC auth is not configured for identity with ID '{}'", identity.id))
    })
}

/// `POST /api/v1/auth/oidc-auth/identities/{identityId}`.
pub async fn attach(state: &AppState, actor: &Actor, raw_id: &str, input: &OidcAuthIn) -> ApiResult<OidcAuthOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "configure identity authentication").await?;
    let now = now_ms();
    let blank = OidcAuthRow {
        id: uuid::Uuid::now_v7().to_string(),
        identity_id: identity.id.clone(),
        oidc_discovery_url: String::new(),
        bound_issuer: String::new(),
        bound_audiences: String::new(),
        bound_claims: "{}".to_string(),
        bound_subject: String::new(),
        ca_cert: String::new(),
        access_token_ttl: DEFAULT_TOKEN_TTL_SECS,
        access_token_max_ttl: DEFAULT_TOKEN_TTL_SECS,
        access_token_num_uses_limit: 0,
        access_token_trusted_ips: DEFAULT_TRUSTED_IPS.to_string(),
        created_at: now,
        updated_at: now,
    };
    let row = apply(blank, input)?;
    if oidc_auths::for_identity(&mut tx, &identity.id).await?.is_some() {
        return Err(ApiError::bad_request(format!(
            "OIDC auth is already configured for identity with ID '{}'; update it with PATCH",
            identity.id
        )));
    }
    oidc_auths::insert(&mut tx, &row).await?;
    let event = AuditEvent::new("add-identity-oidc-auth").org(&identity.org_id).target("identity", identity.id.clone());
    audit::record(&mut tx, actor, event.meta(audit_meta(&row))).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(oidc_auth_out(&row))
}

/// `GET /api/v1/auth/oidc-auth/identities/{identityId}`.
pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<OidcAuthOut> {
    let mut conn = state.store.read().await?;
    let identity = administered_identity(&mut conn, actor, raw_id, "read identity authentication").await?;
    Ok(oidc_auth_out(&oidc_auth_of(&mut conn, &identity).await?))
}

/// `PATCH /api/v1/auth/oidc-auth/identities/{identityId}`: only given fields change.
pub async fn update(state: &AppState, actor: &Actor, raw_id: &str, input: &OidcAuthPatch) -> ApiResult<OidcAuthOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "configure identity authentication").await?;
    let next = apply(oidc_auth_of(&mut tx, &identity).await?, input)?;
    oidc_auths::update(&mut tx, &next).await?;
    let updated = oidc_auth_of(&mut tx, &identity).await?;
    let event =
        AuditEvent::new("update-identity-oidc-auth").org(&identity.org_id).target("identity", identity.id.clone());
    audit::record(&mut tx, actor, event.meta(audit_meta(&updated))).await?;
    tx.commit().await.map_err(StorageError::from)?;
    // Cached tokens carry the old trusted IPs.
    forget_tokens_of(state, &Principal::Identity(identity.id.clone()));
    Ok(oidc_auth_out(&updated))
}

/// `DELETE /api/v1/auth/oidc-auth/identities/{identityId}`: removes OIDC auth and revokes
/// every token of the identity.
pub async fn remove(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<OidcAuthOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "configure identity authentication").await?;
    let row = oidc_auth_of(&mut tx, &identity).await?;
    oidc_auths::delete(&mut tx, &identity.id).await?;
    let revoked = tokens::revoke_all_for_identity(&mut tx, &identity.id).await?;
    let event =
        AuditEvent::new("revoke-identity-oidc-auth").org(&identity.org_id).target("identity", identity.id.clone());
    let meta = json!({ "identityId": identity.id, "accessTokensRevoked": revoked });
    audit::record(&mut tx, actor, event.meta(meta)).await?;
    tx.commit().await.map_err(StorageError::from)?;
    forget_tokens_of(state, &Principal::Identity(identity.id.clone()));
    Ok(oidc_auth_out(&row))
}
