//! OIDC login of machine identities: an identity id and a JWT its issuer signed in, an
//! access token out, in universal-auth login's shape.
//!
//! Order of checks: the identity exists and has OIDC auth (else 401 naming what is
//! missing, as Infisical); the caller's IP is in `accessTokenTrustedIps` (403); the token
//! verifies against the issuer's keys and the identity's bounds (`sluice_core::oidc`; 401
//! with the reason). An issuer that cannot give its keys is the configuration's fault: 400
//! saying so. Every attempt is audited as `login-identity-oidc-auth`, never with the token.
//! Refused tokens (and unknown identities) count against the identity id and the caller's
//! IP ([`super::throttle`]); too many answer 429 before any token is verified. A refused IP
//! or an issuer that cannot be reached is not the caller guessing and does not count.

use super::service::{TokenLifetime, issue_token_via};
use super::throttle::{self, AccountOwner, LoginAttempt};
use crate::auth::trusted_ips::TrustedIps;
use crate::auth::{OIDC_AUTH, RequestMeta, untrusted_ip};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::{Value, json};
use sluice_api_types::auth::AccessTokenOut;
use sluice_api_types::oidc_auth::OidcAuthLoginIn;
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_core::oidc::{OidcError, OidcPolicy};
use sluice_domain::{ActorType, IdentityId};
use sluice_storage::StorageError;
use sluice_storage::identities::{self, IdentityRow};
use sluice_storage::memberships::Principal;
use sluice_storage::oidc_auths::{self, OidcAuthRow};
use std::collections::BTreeMap;

pub const LOGIN_ACTION: &str = "login-identity-oidc-auth";

/// What the identity's configuration demands of a token.
pub fn policy_of(row: &OidcAuthRow) -> OidcPolicy {
    let bound_claims = match serde_json::from_str::<Value>(&row.bound_claims) {
        Ok(Value::Object(map)) => map.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect(),
        _ => BTreeMap::new(),
    };
    OidcPolicy {
        discovery_url: row.oidc_discovery_url.clone(),
        ca_cert: Some(row.ca_cert.clone()).filter(|c| !c.trim().is_empty()),
        bound_issuer: row.bound_issuer.clone(),
        bound_audiences: row
            .bound_audiences
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        bound_subject: row.bound_subject.clone(),
        bound_claims,
    }
}

/// Logs an identity in with an OIDC token. See the module documentation for the rules.
pub async fn login(state: &AppState, input: &OidcAuthLoginIn, meta: RequestMeta) -> ApiResult<AccessTokenOut> {
    let raw_id = input.identity_id.trim();
    let attempt = LoginAttempt::identity(raw_id, &meta);
    let cleared = throttle::check(state, &attempt).await?;
    let mut conn = state.store.read().await?;
    let identity = match IdentityId::parse(raw_id) {
        Some(id) => identities::get(&mut conn, &id).await?,
        None => None,
    };
    let Some(identity) = identity else {
        drop(conn);
        let counted = (&attempt, &AccountOwner::Unknown);
        record_failure(state, raw_id, None, "unknown identity", meta, Some(counted)).await?;
        return Err(ApiError::unauthorized(format!("Identity with ID '{}' not found", short(raw_id))));
    };
    let config = oidc_auths::for_identity(&mut conn, &identity.id).await?;
    drop(conn);
    let owner = AccountOwner::Identity { id: identity.id.clone(), org: identity.org_id.clone() };
    let counted = Some((&attempt, &owner));
    let Some(config) = config else {
        record_failure(state, raw_id, Some(&identity), "OIDC auth not configured", meta, counted).await?;
        return Err(ApiError::unauthorized(format!(
            "OIDC auth is not configured for identity with ID '{}'",
            identity.id
        )));
    };
    if !TrustedIps::from_json(&config.access_token_trusted_ips).allows(meta.ip.as_deref()) {
        let reason = "IP address not in accessTokenTrustedIps";
        record_failure(state, raw_id, Some(&identity), reason, meta, None).await?;
        return Err(untrusted_ip());
    }
    let verified = match state.oidc.verify(&policy_of(&config), input.jwt.expose()).await {
        Ok(v) => v,
        Err(OidcError::Rejected(reason)) => {
            record_failure(state, raw_id, Some(&identity), &reason, meta, counted).await?;
            return Err(ApiError::unauthorized(format!("Invalid OIDC token: {reason}")));
        }
        Err(OidcError::Issuer(reason)) => {
            record_failure(state, raw_id, Some(&identity), &reason, meta, None).await?;
            return Err(ApiError::bad_request(format!(
                "OIDC auth of identity with ID '{}' is misconfigured: {reason}",
                identity.id
            )));
        }
    };

    let mut tx = state.store.write().await?;
    let life = TokenLifetime {
        ttl: config.access_token_ttl,
        max_ttl: config.access_token_max_ttl,
        num_uses_limit: config.access_token_num_uses_limit,
    };
    let principal = Principal::Identity(identity.id.clone());
    let (token, token_id) = issue_token_via(&mut tx, &principal, None, Some(OIDC_AUTH), life).await?;
    audit::record(
        &mut tx,
        AuditActor {
            kind: ActorType::Identity,
            id: Some(identity.id.to_string()),
            name: Some(identity.name.clone()),
            origin: meta.into(),
        },
        AuditEvent::new(LOGIN_ACTION).org(&identity.org_id).target("identity", identity.id.clone()).meta(json!({
            "success": true,
            "identityId": identity.id,
            "identityOidcAuthId": config.id,
            "identityAccessTokenId": token_id,
            "subject": verified.subject,
            "issuer": verified.issuer,
        })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    throttle::forget_account(state, &attempt, cleared).await?;
    Ok(token)
}

fn short(value: &str) -> String {
    value.chars().take(64).collect()
}

/// Audits a refused login in its own transaction, counting it against the identity and
/// address when `counted` says whose.
async fn record_failure(
    state: &AppState,
    raw_id: &str,
    identity: Option<&IdentityRow>,
    reason: &str,
    meta: RequestMeta,
    counted: Option<(&LoginAttempt, &AccountOwner)>,
) -> ApiResult<()> {
    let claimed = short(raw_id);
    let mut event = AuditEvent::new(LOGIN_ACTION).meta(json!({
        "success": false,
        "identityId": claimed,
        "reason": reason,
    }));
    if let Some(i) = identity {
        event = event.org(&i.org_id).target("identity", &i.id);
    }
    let mut tx = state.store.write().await?;
    audit::record(&mut tx, AuditActor::anonymous(Some(claimed), meta.into()), event).await?;
    if let Some((attempt, owner)) = counted {
        throttle::record_failure(&mut tx, state, attempt, owner).await?;
    }
    tx.commit().await.map_err(StorageError::from)?;
    Ok(())
}
