//! An organization's admins see and clear the failed sign-ins of the organization's
//! accounts: its users (by email), its machine identities' universal-auth client ids and
//! its identities (OIDC login). Without this a locked account waited for its lock to end
//! (15 minutes at first, doubling to 4 hours), whoever caused it.
//!
//! Clearing is audited as `login-unlocked` in the organization. A client address's history
//! is not an organization's to clear (it stops sign-ins to all of them): instance admins
//! see and clear those ([`list_addresses`], [`clear_address`]), audited in every
//! organization, as the address's lock was.
//! A user's lock is seen and cleared only by someone who administers every organization
//! the user belongs to: anyone may create an organization and add an existing user to
//! it, and must not gain a way around that user's lock by doing so.

use super::throttle;
use crate::auth::{Actor, authz};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::auth::{LoginLockKind, LoginLockOut, LoginLockState, LoginLocksOut, LoginUnlockOut};
use sluice_api_types::iso;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::login_throttle::{Attempts, ThrottlePolicy, Verdict};
use sluice_domain::{OrgId, UserId};
use sluice_storage::memberships::Principal;
use sluice_storage::{Conn, StorageError, login_throttles, memberships, orgs, paces};

pub const UNLOCKED_ACTION: &str = "login-unlocked";

/// One of the organization's accounts.
struct Account {
    kind: LoginLockKind,
    name: String,
    /// For a user: whose organizations decide who may see and clear the lock.
    user: Option<UserId>,
}

/// `GET /api/v1/organization/{organizationId}/login-locks`: the organization's accounts
/// with failed sign-ins remembered, locked ones first.
pub async fn list(state: &AppState, actor: &Actor, raw_org: &str) -> ApiResult<LoginLocksOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    let mut conn = state.store.read().await?;
    authz::org_admin(&mut conn, actor, &org, "see the organization's sign-in locks").await?;
    let accounts = org_accounts(&mut conn, &org).await?;
    let keys: Vec<String> = accounts.iter().map(|a| throttle::account_key(a.kind.as_str(), &a.name)).collect();
    let stored = login_throttles::get_many(&mut conn, &keys.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let now = paces::now_ms(&mut conn, state.store.backend()).await?;
    let mut login_locks = Vec::new();
    for (account, key) in accounts.iter().zip(&keys) {
        let Some((_, attempts)) = stored.iter().find(|(k, _)| k == key) else { continue };
        let Some(lock) = seen(account.kind, &account.name, *attempts, &state.settings.login.account, now) else {
            continue;
        };
        if may_handle(&mut conn, actor, account).await? {
            login_locks.push(lock);
        }
    }
    login_locks.sort_by(|a, b| (a.state, a.kind, &a.account).cmp(&(b.state, b.kind, &b.account)));
    Ok(LoginLocksOut { login_locks, truncated: false })
}

/// `DELETE /api/v1/organization/{organizationId}/login-locks/{kind}/{account}`: forgets
/// the account's failed sign-ins, so it may sign in at once. 404 when the account is not
/// the organization's; `cleared: false` when there was nothing to forget.
pub async fn clear(
    state: &AppState,
    actor: &Actor,
    raw_org: &str,
    raw_kind: &str,
    raw_account: &str,
) -> ApiResult<LoginUnlockOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    let kind = LoginLockKind::parse(raw_kind).ok_or_else(|| {
        let kinds: Vec<&str> = LoginLockKind::ALL.iter().map(|k| k.as_str()).collect();
        ApiError::invalid("params.kind", format!("kind must be one of {} (got \"{raw_kind}\")", kinds.join(", ")))
    })?;
    // Sign-in keys a user by the email as looked up: trimmed and in lower case.
    let name = match kind {
        LoginLockKind::User => raw_account.trim().to_lowercase(),
        LoginLockKind::Client | LoginLockKind::Identity | LoginLockKind::Ip => raw_account.trim().to_string(),
    };
    let mut tx = state.store.write().await?;
    authz::org_admin(&mut tx, actor, &org, "clear the organization's sign-in locks").await?;
    let accounts = org_accounts(&mut tx, &org).await?;
    let Some(account) = accounts.iter().find(|a| a.kind == kind && a.name == name) else {
        return Err(ApiError::not_found(format!("No {} account '{name}' in this organization", kind.as_str())));
    };
    if !may_handle(&mut tx, actor, account).await? {
        return Err(ApiError::forbidden(
            "You are not allowed to clear this user's sign-in lock: it needs the admin role in every organization the user belongs to",
        ));
    }
    let key = throttle::account_key(kind.as_str(), &name);
    let stored = login_throttles::get_many(&mut tx, &[key.as_str()]).await?;
    let now = paces::now_ms(&mut tx, state.store.backend()).await?;
    let login_lock =
        stored.first().and_then(|(_, attempts)| seen(kind, &name, *attempts, &state.settings.login.account, now));
    if let Some(lock) = &login_lock {
        login_throttles::clear(&mut tx, &key).await?;
        audit::record(
            &mut tx,
            actor,
            AuditEvent::new(UNLOCKED_ACTION).org(&org).meta(json!({
                "kind": kind,
                "account": name,
                "state": lock.state,
                "failures": lock.failures,
                "retryAt": lock.retry_at,
            })),
        )
        .await?;
    }
    tx.commit().await.map_err(StorageError::from)?;
    Ok(LoginUnlockOut { cleared: login_lock.is_some(), login_lock })
}

/// The most client addresses [`list_addresses`] answers with (the most recent failures).
pub const ADDRESSES_LISTED: i64 = 1_000;

/// `GET /api/v1/admin/login-locks`: the client addresses with failed sign-ins remembered,
/// locked ones first (instance admins).
pub async fn list_addresses(state: &AppState, actor: &Actor) -> ApiResult<LoginLocksOut> {
    let mut conn = state.store.read().await?;
    authz::instance_admin(&mut conn, actor, "see the client addresses' sign-in locks").await?;
    let now = paces::now_ms(&mut conn, state.store.backend()).await?;
    // One more than listed, to tell whether there are more.
    let mut stored = login_throttles::list_prefixed(&mut conn, throttle::IP_PREFIX, now, ADDRESSES_LISTED + 1).await?;
    let truncated = stored.len() as i64 > ADDRESSES_LISTED;
    stored.truncate(ADDRESSES_LISTED as usize);
    let mut login_locks: Vec<LoginLockOut> = stored
        .into_iter()
        .filter_map(|(key, attempts)| {
            let address = key.strip_prefix(throttle::IP_PREFIX)?;
            seen(LoginLockKind::Ip, address, attempts, &state.settings.login.ip, now)
        })
        .collect();
    login_locks.sort_by(|a, b| (a.state, &a.account).cmp(&(b.state, &b.account)));
    Ok(LoginLocksOut { login_locks, truncated })
}

/// `DELETE /api/v1/admin/login-locks/ip/{address}`: forgets a client address's failed
/// sign-ins (instance admins); `cleared: false` when there was nothing to forget.
pub async fn clear_address(state: &AppState, actor: &Actor, raw_address: &str) -> ApiResult<LoginUnlockOut> {
    let address: std::net::IpAddr = raw_address.trim().parse().map_err(|_| {
        ApiError::invalid("params.address", format!("\"{raw_address}\" is not an IPv4 or IPv6 address"))
    })?;
    // As sign-in records it ([`crate::auth::RequestMeta`]): `::ffff:a.b.c.d` is `a.b.c.d`.
    let address = address.to_canonical().to_string();
    let mut tx = state.store.write().await?;
    authz::instance_admin(&mut tx, actor, "clear a client address's sign-in lock").await?;
    let key = format!("{}{address}", throttle::IP_PREFIX);
    let stored = login_throttles::get_many(&mut tx, &[key.as_str()]).await?;
    let now = paces::now_ms(&mut tx, state.store.backend()).await?;
    let login_lock = stored
        .first()
        .and_then(|(_, attempts)| seen(LoginLockKind::Ip, &address, *attempts, &state.settings.login.ip, now));
    if let Some(lock) = &login_lock {
        login_throttles::clear(&mut tx, &key).await?;
        let event = AuditEvent::new(UNLOCKED_ACTION).meta(json!({
            "kind": LoginLockKind::Ip,
            "account": address,
            "state": lock.state,
            "failures": lock.failures,
            "retryAt": lock.retry_at,
        }));
        for org in orgs::all_ids(&mut tx).await? {
            audit::record(&mut tx, actor, event.clone().org(&org)).await?;
        }
    }
    tx.commit().await.map_err(StorageError::from)?;
    Ok(LoginUnlockOut { cleared: login_lock.is_some(), login_lock })
}

/// The organization's accounts: its users' emails, its identities' ids and their
/// universal-auth client ids.
async fn org_accounts(conn: &mut Conn, org: &OrgId) -> ApiResult<Vec<Account>> {
    let mut accounts = Vec::new();
    for user in memberships::list_org_users(conn, org).await? {
        accounts.push(Account { kind: LoginLockKind::User, name: user.email, user: Some(user.user_id) });
    }
    for identity in memberships::list_org_identities(conn, org).await? {
        if let Some(client_id) = identity.client_id {
            accounts.push(Account { kind: LoginLockKind::Client, name: client_id, user: None });
        }
        accounts.push(Account { kind: LoginLockKind::Identity, name: identity.identity_id.to_string(), user: None });
    }
    Ok(accounts)
}

/// Whether `actor` may see and clear `account`'s lock beyond being an admin of one of its
/// organizations: an identity belongs to one organization; a user's lock needs the admin
/// role in every organization the user belongs to.
async fn may_handle(conn: &mut Conn, actor: &Actor, account: &Account) -> ApiResult<bool> {
    let Some(user) = &account.user else { return Ok(true) };
    for org in orgs::list_for_member(conn, &Principal::User(user.clone())).await? {
        if authz::org_admin(conn, actor, &org.id, "clear sign-in locks").await.is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// How an admin sees a stored history at `now`: none once it is forgotten (a quiet
/// window passed) or never counted a failure.
fn seen(
    kind: LoginLockKind,
    account: &str,
    stored: Attempts,
    policy: &ThrottlePolicy,
    now: i64,
) -> Option<LoginLockOut> {
    let current = policy.current(stored, now);
    if current.failures == 0 && current.locked_until <= now {
        return None;
    }
    let (state, retry_at) = match policy.verdict(stored, now) {
        Verdict::Locked { until } => (LoginLockState::Locked, Some(iso(until))),
        Verdict::Wait { until } => (LoginLockState::Waiting, Some(iso(until))),
        Verdict::Allow => (LoginLockState::Counting, None),
    };
    Some(LoginLockOut {
        kind,
        account: account.to_string(),
        state,
        failures: current.failures,
        locks: current.locks,
        last_failure_at: iso(current.last_failure_at),
        retry_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_is_seen_as_locked_waiting_counting_or_not_at_all() {
        let policy = ThrottlePolicy {
            free_failures: 2,
            lock_after: 5,
            base_delay_ms: 1_000,
            max_delay_ms: 60_000,
            lock_ms: 900_000,
            max_lock_ms: 14_400_000,
            window_ms: 900_000,
        };
        let now = 10_000_000;
        let at = |failures, last_failure_at, locked_until, locks| Attempts {
            failures,
            last_failure_at,
            locked_until,
            locks,
        };
        let cases = [
            (at(6, now - 1_000, now + 600_000, 1), Some((LoginLockState::Locked, 6))),
            (at(3, now - 500, 0, 0), Some((LoginLockState::Waiting, 3))),
            (at(1, now - 5_000, 0, 0), Some((LoginLockState::Counting, 1))),
            (at(3, now - 5_000, 0, 0), Some((LoginLockState::Counting, 3))),
            // Quiet for a whole window: forgotten, as sign-in forgets it.
            (at(4, now - 900_000, 0, 0), None),
            (at(6, now - 2_000_000, now - 1_000_000, 1), None),
            (Attempts::default(), None),
        ];
        for (stored, want) in cases {
            let got = seen(LoginLockKind::User, "a@example.com", stored, &policy, now);
            assert_eq!(got.as_ref().map(|l| (l.state, l.failures)), want, "{stored:?}");
            if let Some(l) = got {
                assert_eq!(l.retry_at.is_some(), l.state != LoginLockState::Counting, "{stored:?}");
            }
        }
    }
}
