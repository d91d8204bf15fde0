//! Universal auth of an identity through the API: attach, read, update, remove, and its
//! client secrets (create — shown once —, list, read, revoke). Organization admins only.
//!
//! Limits follow Infisical: TTLs 0–315360000 s (0 = no limit), `accessTokenTTL` ≤
//! `accessTokenMaxTTL`, use limits ≥ 0 (0 = unlimited), trusted IP lists of at least one
//! address or CIDR block. Removing universal auth deletes the client secrets and revokes
//! every token of the identity.

use super::manage::administered_identity;
use super::service::{UniversalAuthSettings, attach_universal_auth, mint_client_secret, store_client_secret};
use super::wire::{client_secret_out, universal_auth_out};
use crate::auth::Actor;
use crate::auth::trusted_ips::{INVALID_IP, TrustedIp, TrustedIps};
use crate::error::{ApiError, ApiResult};
use crate::features::auth::service::forget_tokens_of;
use crate::state::AppState;
use serde_json::{Value, json};
use sluice_api_types::identities::*;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::ClientSecretId;
use sluice_storage::identities::{self, ClientSecretRow, IdentityRow, UniversalAuthRow};
use sluice_storage::memberships::Principal;
use sluice_storage::{Conn, StorageError, tokens};

/// Infisical's ceiling for every TTL: ten years.
pub const MAX_TTL_SECS: i64 = 315_360_000;

pub(super) fn ttl(value: i64, field: &str) -> ApiResult<i64> {
    if !(0..=MAX_TTL_SECS).contains(&value) {
        return Err(ApiError::invalid(field, format!("must be between 0 and {MAX_TTL_SECS} seconds (got {value})")));
    }
    Ok(value)
}

pub(super) fn non_negative(value: i64, field: &str) -> ApiResult<i64> {
    if value < 0 {
        return Err(ApiError::invalid(field, format!("must be 0 (unlimited) or more (got {value})")));
    }
    Ok(value)
}

pub(super) fn trusted_ips(list: &[TrustedIpIn], field: &str) -> ApiResult<String> {
    if list.is_empty() {
        return Err(ApiError::invalid(
            field,
            "give at least one IP address or CIDR block (0.0.0.0/0 and ::/0 allow all)",
        ));
    }
    let parsed = list
        .iter()
        .enumerate()
        .map(|(i, ip)| {
            TrustedIp::parse(&ip.ip_address)
                .ok_or_else(|| ApiError::invalid(format!("{field}[{i}].ipAddress"), INVALID_IP))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(TrustedIps(parsed).to_json())
}

/// Applies a request body onto settings (all fields optional), checking each field and the
/// TTL order (an error names the TTL field the body gave).
fn apply(mut s: UniversalAuthSettings, input: &UniversalAuthIn) -> ApiResult<UniversalAuthSettings> {
    if let Some(v) = input.access_token_ttl {
        s.access_token_ttl = ttl(v, "body.accessTokenTTL")?;
    }
    if let Some(v) = input.access_token_max_ttl {
        s.access_token_max_ttl = ttl(v, "body.accessTokenMaxTTL")?;
    }
    if let Some(v) = input.access_token_num_uses_limit {
        s.access_token_num_uses_limit = non_negative(v, "body.accessTokenNumUsesLimit")?;
    }
    if let Some(list) = &input.access_token_trusted_ips {
        s.access_token_trusted_ips = trusted_ips(list, "body.accessTokenTrustedIps")?;
    }
    if let Some(list) = &input.client_secret_trusted_ips {
        s.client_secret_trusted_ips = trusted_ips(list, "body.clientSecretTrustedIps")?;
    }
    if s.access_token_max_ttl > 0 && s.access_token_ttl > s.access_token_max_ttl {
        let field = if input.access_token_ttl.is_some() { "body.accessTokenTTL" } else { "body.accessTokenMaxTTL" };
        return Err(ApiError::invalid(
            field,
            format!(
                "accessTokenTTL ({}) cannot be greater than accessTokenMaxTTL ({})",
                s.access_token_ttl, s.access_token_max_ttl
            ),
        ));
    }
    Ok(s)
}

fn settings_of(ua: &UniversalAuthRow) -> UniversalAuthSettings {
    UniversalAuthSettings {
        access_token_ttl: ua.access_token_ttl,
        access_token_max_ttl: ua.access_token_max_ttl,
        access_token_num_uses_limit: ua.access_token_num_uses_limit,
        access_token_trusted_ips: ua.access_token_trusted_ips.clone(),
        client_secret_trusted_ips: ua.client_secret_trusted_ips.clone(),
    }
}

fn audit_meta(ua: &UniversalAuthRow) -> Value {
    let out = universal_auth_out(ua);
    json!({
        "identityId": ua.identity_id,
        "accessTokenTTL": ua.access_token_ttl,
        "accessTokenMaxTTL": ua.access_token_max_ttl,
        "accessTokenNumUsesLimit": ua.access_token_num_uses_limit,
        "accessTokenTrustedIps": out.access_token_trusted_ips,
        "clientSecretTrustedIps": out.client_secret_trusted_ips,
    })
}

async fn universal_auth_of(conn: &mut Conn, identity: &IdentityRow) -> ApiResult<UniversalAuthRow> {
    identities::universal_auth_for(conn, &identity.id).await?.ok_or_else(|| {
        ApiError::not_found(format!("Universal auth is not configured for identity with ID '{}'", identity.id))
    })
}

/// `POST /api/v1/auth/universal-auth/identities/{identityId}`.
pub async fn attach(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    input: &UniversalAuthIn,
) -> ApiResult<UniversalAuthOut> {
    let settings = apply(UniversalAuthSettings::default(), input)?;
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "configure identity authentication").await?;
    if identities::universal_auth_for(&mut tx, &identity.id).await?.is_some() {
        return Err(ApiError::bad_request(format!(
            "Universal auth is already configured for identity with ID '{}'; update it with PATCH",
            identity.id
        )));
    }
    let ua = attach_universal_auth(&mut tx, &identity.id, &settings).await?;
    let event =
        AuditEvent::new("add-identity-universal-auth").org(&identity.org_id).target("identity", identity.id.clone());
    audit::record(&mut tx, actor, event.meta(audit_meta(&ua))).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(universal_auth_out(&ua))
}

/// `GET /api/v1/auth/universal-auth/identities/{identityId}`.
pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<UniversalAuthOut> {
    let mut conn = state.store.read().await?;
    let identity = administered_identity(&mut conn, actor, raw_id, "read identity authentication").await?;
    Ok(universal_auth_out(&universal_auth_of(&mut conn, &identity).await?))
}

/// `PATCH /api/v1/auth/universal-auth/identities/{identityId}`: only given fields change.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    input: &UniversalAuthPatch,
) -> ApiResult<UniversalAuthOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "configure identity authentication").await?;
    let current = universal_auth_of(&mut tx, &identity).await?;
    let s = apply(settings_of(&current), input)?;
    let next = UniversalAuthRow {
        access_token_ttl: s.access_token_ttl,
        access_token_max_ttl: s.access_token_max_ttl,
        access_token_num_uses_limit: s.access_token_num_uses_limit,
        access_token_trusted_ips: s.access_token_trusted_ips,
        client_secret_trusted_ips: s.client_secret_trusted_ips,
        ..current
    };
    identities::update_universal_auth(&mut tx, &next).await?;
    let updated = universal_auth_of(&mut tx, &identity).await?;
    let event =
        AuditEvent::new("update-identity-universal-auth").org(&identity.org_id).target("identity", identity.id.clone());
    audit::record(&mut tx, actor, event.meta(audit_meta(&updated))).await?;
    tx.commit().await.map_err(StorageError::from)?;
    // Cached tokens carry the old trusted IPs.
    forget_tokens_of(state, &Principal::Identity(identity.id.clone()));
    Ok(universal_auth_out(&updated))
}

/// `DELETE /api/v1/auth/universal-auth/identities/{identityId}`: removes universal auth,
/// its client secrets, and revokes every token of the identity.
pub async fn remove(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<UniversalAuthOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "configure identity authentication").await?;
    let ua = universal_auth_of(&mut tx, &identity).await?;
    identities::delete_universal_auth(&mut tx, &identity.id).await?;
    let secrets = identities::delete_client_secrets_for(&mut tx, &identity.id).await?;
    let revoked = tokens::revoke_all_for_identity(&mut tx, &identity.id).await?;
    let event =
        AuditEvent::new("revoke-identity-universal-auth").org(&identity.org_id).target("identity", identity.id.clone());
    let meta = json!({ "identityId": identity.id, "clientSecretsDeleted": secrets, "accessTokensRevoked": revoked });
    audit::record(&mut tx, actor, event.meta(meta)).await?;
    tx.commit().await.map_err(StorageError::from)?;
    forget_tokens_of(state, &Principal::Identity(identity.id.clone()));
    Ok(universal_auth_out(&ua))
}

/// `POST .../client-secrets`: the plain secret is in this answer only.
pub async fn create_secret(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    input: &ClientSecretIn,
) -> ApiResult<ClientSecretCreatedOut> {
    let description = crate::extract::free_text(input.description.as_deref().unwrap_or(""), "body.description", 256)?;
    let ttl_secs = ttl(input.ttl.unwrap_or(0), "body.ttl")?;
    let limit = non_negative(input.num_uses_limit.unwrap_or(0), "body.numUsesLimit")?;
    {
        // Check access before the (slow) hashing, then again inside the transaction.
        let mut conn = state.store.read().await?;
        let identity = administered_identity(&mut conn, actor, raw_id, "create client secrets").await?;
        universal_auth_of(&mut conn, &identity).await?;
    }
    let minted = state.hashing.run(mint_client_secret).await?;
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "create client secrets").await?;
    let ua = universal_auth_of(&mut tx, &identity).await?;
    let row = store_client_secret(&mut tx, &identity.id, &description, ttl_secs, limit, &minted).await?;
    let event = AuditEvent::new("create-identity-universal-auth-client-secret")
        .org(&identity.org_id)
        .target("client-secret", row.id.clone())
        .meta(json!({ "identityId": identity.id, "clientSecretId": row.id, "ttl": ttl_secs, "numUsesLimit": limit }));
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(ClientSecretCreatedOut { client_secret: minted.plain, client_secret_data: client_secret_out(&row, &ua.id) })
}

/// `GET .../client-secrets`: the identity's client secrets that are not revoked.
pub async fn list_secrets(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<Vec<ClientSecretOut>> {
    let mut conn = state.store.read().await?;
    let identity = administered_identity(&mut conn, actor, raw_id, "read client secrets").await?;
    let ua = universal_auth_of(&mut conn, &identity).await?;
    let rows = identities::client_secrets_for(&mut conn, &identity.id).await?;
    Ok(rows.iter().filter(|r| !r.is_revoked).map(|r| client_secret_out(r, &ua.id)).collect())
}

async fn secret_of(conn: &mut Conn, identity: &IdentityRow, raw_secret: &str) -> ApiResult<ClientSecretRow> {
    let not_found = || ApiError::not_found(format!("Client secret with ID '{raw_secret}' not found"));
    let id = ClientSecretId::parse(raw_secret).ok_or_else(not_found)?;
    identities::client_secret(conn, &id).await?.filter(|r| r.identity_id == identity.id).ok_or_else(not_found)
}

/// `GET .../client-secrets/{clientSecretId}`.
pub async fn get_secret(state: &AppState, actor: &Actor, raw_id: &str, raw_secret: &str) -> ApiResult<ClientSecretOut> {
    let mut conn = state.store.read().await?;
    let identity = administered_identity(&mut conn, actor, raw_id, "read client secrets").await?;
    let ua = universal_auth_of(&mut conn, &identity).await?;
    Ok(client_secret_out(&secret_of(&mut conn, &identity, raw_secret).await?, &ua.id))
}

/// `POST .../client-secrets/{clientSecretId}/revoke`: the secret can no longer log in
/// (tokens it already gave keep their own lifetimes, as in Infisical).
pub async fn revoke_secret(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    raw_secret: &str,
) -> ApiResult<ClientSecretOut> {
    let mut tx = state.store.write().await?;
    let identity = administered_identity(&mut tx, actor, raw_id, "revoke client secrets").await?;
    let ua = universal_auth_of(&mut tx, &identity).await?;
    let row = secret_of(&mut tx, &identity, raw_secret).await?;
    identities::revoke_client_secret(&mut tx, &row.id).await?;
    let updated = secret_of(&mut tx, &identity, raw_secret).await?;
    let event = AuditEvent::new("revoke-identity-universal-auth-client-secret")
        .org(&identity.org_id)
        .target("client-secret", row.id.clone())
        .meta(json!({ "identityId": identity.id, "clientSecretId": row.id }));
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(client_secret_out(&updated, &ua.id))
}
