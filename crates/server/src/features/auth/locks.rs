//! An organization's admins see and clear the failed sign-ins of the organization's
//! accounts: its users (by email), its machine identities' universal-auth client ids and
//! its identities (OIDC login). Without this a locked account waited for its lock to end
//! (15 minutes at first, doubling to 4 hours), whoever caused it.
//!
//! Clearing is audited as `login-unlocked` in the organization. A client IP's history is
//! not an organization's to clear (it stops sign-ins to all of them) and is not listed.
//! A user who belongs to several organizations can be cleared by the admins of any.

use super::throttle;
use crate::auth::{Actor, authz};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::auth::{LoginLockOut, LoginLocksOut, LoginUnlockOut};
use sluice_api_types::iso;
use sluice_core::audit::{self, AuditEvent};
use sluice_domain::OrgId;
use sluice_domain::login_throttle::{Attempts, ThrottlePolicy, Verdict};
use sluice_storage::{Conn, StorageError, login_throttles, memberships, paces};

pub const UNLOCKED_ACTION: &str = "login-unlocked";

/// The kinds of account a sign-in claims, as [`throttle::LoginAttempt`] keys them.
const KINDS: [&str; 3] = ["user", "client", "identity"];

/// `GET /api/v1/organization/{organizationId}/login-locks`: the organization's accounts
/// with failed sign-ins remembered, locked ones first.
pub async fn list(state: &AppState, actor: &Actor, raw_org: &str) -> ApiResult<LoginLocksOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    let mut conn = state.store.read().await?;
    authz::org_admin(&mut conn, actor, &org, "see the organization's sign-in locks").await?;
    let accounts = org_accounts(&mut conn, &org).await?;
    let keys: Vec<String> = accounts.iter().map(|(kind, account)| throttle::account_key(kind, account)).collect();
    let stored = login_throttles::get_many(&mut conn, &keys.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let now = paces::now_ms(&mut conn, state.store.backend()).await?;
    let mut login_locks: Vec<LoginLockOut> = accounts
        .iter()
        .zip(&keys)
        .filter_map(|((kind, account), key)| {
            let (_, attempts) = stored.iter().find(|(k, _)| k == key)?;
            seen(kind, account, *attempts, &state.settings.login.account, now)
        })
        .collect();
    login_locks.sort_by(|a, b| (rank(&a.state), &a.kind, &a.account).cmp(&(rank(&b.state), &b.kind, &b.account)));
    Ok(LoginLocksOut { login_locks })
}

/// `DELETE /api/v1/organization/{organizationId}/login-locks/{kind}/{account}`: forgets
/// the account's failed sign-ins, so it may sign in at once. 404 when the account is not
/// the organization's; `cleared: false` when there was nothing to forget.
pub async fn clear(
    state: &AppState,
    actor: &Actor,
    raw_org: &str,
    kind: &str,
    account: &str,
) -> ApiResult<LoginUnlockOut> {
    let org = parse_id(raw_org, "params.organizationId", OrgId::parse)?;
    if !KINDS.contains(&kind) {
        return Err(ApiError::invalid(
            "params.kind",
            format!("kind must be one of {} (got \"{kind}\")", KINDS.join(", ")),
        ));
    }
    let mut tx = state.store.write().await?;
    authz::org_admin(&mut tx, actor, &org, "clear the organization's sign-in locks").await?;
    let accounts = org_accounts(&mut tx, &org).await?;
    if !accounts.iter().any(|(k, a)| *k == kind && a == account) {
        return Err(ApiError::not_found(format!("No {kind} account '{account}' in this organization")));
    }
    let key = throttle::account_key(kind, account);
    let stored = login_throttles::get_many(&mut tx, &[key.as_str()]).await?;
    let now = paces::now_ms(&mut tx, state.store.backend()).await?;
    let login_lock =
        stored.first().and_then(|(_, attempts)| seen(kind, account, *attempts, &state.settings.login.account, now));
    if let Some(lock) = &login_lock {
        login_throttles::clear(&mut tx, &key).await?;
        audit::record(
            &mut tx,
            actor,
            AuditEvent::new(UNLOCKED_ACTION).org(&org).meta(json!({
                "kind": kind,
                "account": account,
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

/// The organization's accounts, as (kind, account): its users' emails, its identities'
/// ids and their universal-auth client ids.
async fn org_accounts(conn: &mut Conn, org: &OrgId) -> ApiResult<Vec<(&'static str, String)>> {
    let mut accounts = Vec::new();
    for user in memberships::list_org_users(conn, org).await? {
        accounts.push(("user", user.email));
    }
    for identity in memberships::list_org_identities(conn, org).await? {
        if let Some(client_id) = identity.client_id {
            accounts.push(("client", client_id));
        }
        accounts.push(("identity", identity.identity_id.to_string()));
    }
    Ok(accounts)
}

/// How an admin sees a stored history at `now`: none once it is forgotten (a quiet
/// window passed) or never counted a failure.
fn seen(kind: &str, account: &str, stored: Attempts, policy: &ThrottlePolicy, now: i64) -> Option<LoginLockOut> {
    let current = policy.current(stored, now);
    if current.failures == 0 && current.locked_until <= now {
        return None;
    }
    let (state, retry_at) = match policy.verdict(stored, now) {
        Verdict::Locked { until } => ("locked", Some(iso(until))),
        Verdict::Wait { until } => ("waiting", Some(iso(until))),
        Verdict::Allow => ("counting", None),
    };
    Some(LoginLockOut {
        kind: kind.to_string(),
        account: account.to_string(),
        state: state.to_string(),
        failures: current.failures,
        locks: current.locks,
        last_failure_at: iso(current.last_failure_at),
        retry_at,
    })
}

fn rank(state: &str) -> u8 {
    match state {
        "locked" => 0,
        "waiting" => 1,
        _ => 2,
    }
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
            (at(6, now - 1_000, now + 600_000, 1), Some(("locked", 6))),
            (at(3, now - 500, 0, 0), Some(("waiting", 3))),
            (at(1, now - 5_000, 0, 0), Some(("counting", 1))),
            (at(3, now - 5_000, 0, 0), Some(("counting", 3))),
            // Quiet for a whole window: forgotten, as sign-in forgets it.
            (at(4, now - 900_000, 0, 0), None),
            (at(6, now - 2_000_000, now - 1_000_000, 1), None),
            (Attempts::default(), None),
        ];
        for (stored, want) in cases {
            let got = seen("user", "a@example.com", stored, &policy, now);
            assert_eq!(got.as_ref().map(|l| (l.state.as_str(), l.failures)), want, "{stored:?}");
            if let Some(l) = got {
                assert_eq!(l.retry_at.is_some(), l.state != "counting", "{stored:?}");
            }
        }
    }
}
