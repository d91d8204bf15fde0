//! Universal-auth login: a client id and a client secret in, an access token out.
//!
//! Order of checks: the client id names a universal-auth configuration; the secret must
//! match (Argon2id) one of the identity's usable client secrets (not revoked, within its
//! TTL and use limit); then the caller's IP must be in `clientSecretTrustedIps`. A wrong
//! client id and a wrong secret answer the same 401, and cost the same time. Every attempt
//! is audited as `login-identity-universal-auth`, never with the secret. Wrong secrets count
//! against the client id and the caller's IP ([`super::throttle`]); too many answer 429
//! before any secret is checked.

use super::service::{TokenLifetime, issue_token_with_id, verify_any};
use super::throttle::{self, AccountOwner, LoginAttempt};
use crate::auth::trusted_ips::TrustedIps;
use crate::auth::{RequestMeta, untrusted_ip};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::auth::{AccessTokenOut, UniversalAuthLoginIn};
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_domain::ActorType;
use sluice_storage::identities::{self, IdentityRow, UniversalAuthRow};
use sluice_storage::memberships::Principal;
use sluice_storage::{StorageError, now_ms};

pub const LOGIN_ACTION: &str = "login-identity-universal-auth";

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("Invalid credentials")
}

/// Logs an identity in. See the module documentation for the rules.
pub async fn login(state: &AppState, input: &UniversalAuthLoginIn, meta: RequestMeta) -> ApiResult<AccessTokenOut> {
    let client_id = input.client_id.trim();
    let secret = input.client_secret.expose().trim();
    let attempt = LoginAttempt::client(client_id, &meta);
    let cleared = throttle::check(state, &attempt).await?;
    let mut conn = state.store.read().await?;
    let found = match identities::universal_auth_by_client_id(&mut conn, client_id).await? {
        Some(ua) => {
            let identity = identities::get(&mut conn, &ua.identity_id).await?;
            identity.map(|i| (ua, i))
        }
        None => None,
    };
    let Some((ua, identity)) = found else {
        drop(conn);
        verify_any(state, secret, Vec::new()).await?;
        let counted = (&attempt, &AccountOwner::Unknown);
        record_failure(state, client_id, None, "unknown client id", meta, Some(counted)).await?;
        return Err(invalid_credentials());
    };
    let now = now_ms();
    let candidates: Vec<_> = identities::client_secrets_for(&mut conn, &identity.id)
        .await?
        .into_iter()
        .filter(|s| s.is_usable(now) && secret.starts_with(&s.secret_prefix))
        .collect();
    drop(conn);

    let matched = verify_any(state, secret, candidates.iter().map(|c| c.secret_hash.clone()).collect()).await?;
    let Some(client_secret) = matched.map(|i| &candidates[i]) else {
        let owner = AccountOwner::Identity { id: identity.id.clone(), org: identity.org_id.clone() };
        let reason = "wrong, revoked, expired or used-up client secret";
        record_failure(state, client_id, Some(&identity), reason, meta, Some((&attempt, &owner))).await?;
        return Err(invalid_credentials());
    };
    if !TrustedIps::from_json(&ua.client_secret_trusted_ips).allows(meta.ip.as_deref()) {
        record_failure(state, client_id, Some(&identity), "IP address not in clientSecretTrustedIps", meta, None)
            .await?;
        return Err(untrusted_ip());
    }

    let mut tx = state.store.write().await?;
    if !identities::use_client_secret(&mut tx, &client_secret.id).await? {
        drop(tx);
        let reason = "client secret used up or revoked meanwhile";
        record_failure(state, client_id, Some(&identity), reason, meta, None).await?;
        return Err(invalid_credentials());
    }
    let (token, token_id) =
        issue_token_with_id(&mut tx, &Principal::Identity(identity.id.clone()), Some(&client_secret.id), lifetime(&ua))
            .await?;
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
            "clientId": client_id,
            "clientSecretId": client_secret.id,
            "identityId": identity.id,
            "identityUniversalAuthId": ua.id,
            "identityAccessTokenId": token_id,
        })),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    throttle::forget_account(state, &attempt, cleared).await?;
    Ok(token)
}

fn lifetime(ua: &UniversalAuthRow) -> TokenLifetime {
    TokenLifetime {
        ttl: ua.access_token_ttl,
        max_ttl: ua.access_token_max_ttl,
        num_uses_limit: ua.access_token_num_uses_limit,
    }
}

/// Audits a refused login in its own transaction, counting it against the account and
/// address when `counted` says whose (a wrong secret; not a refused IP: the secret was right).
async fn record_failure(
    state: &AppState,
    client_id: &str,
    identity: Option<&IdentityRow>,
    reason: &str,
    meta: RequestMeta,
    counted: Option<(&LoginAttempt, &AccountOwner)>,
) -> ApiResult<()> {
    // The claimed client id is whatever the caller sent: keep it short.
    let client_id: String = client_id.chars().take(64).collect();
    let mut event = AuditEvent::new(LOGIN_ACTION).meta(json!({
        "success": false,
        "clientId": client_id,
        "reason": reason,
        "identityId": identity.map(|i| i.id.clone()),
    }));
    if let Some(i) = identity {
        event = event.org(&i.org_id).target("identity", &i.id);
    }
    let mut tx = state.store.write().await?;
    audit::record(&mut tx, AuditActor::anonymous(Some(client_id), meta.into()), event).await?;
    if let Some((attempt, owner)) = counted {
        throttle::record_failure(&mut tx, state, attempt, owner).await?;
    }
    tx.commit().await.map_err(StorageError::from)?;
    Ok(())
}
