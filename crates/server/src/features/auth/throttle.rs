//! Login throttling around every sign-in path (user login and sessions, the UI's form,
//! universal-auth and OIDC login): per account and per client IP, with the rules of
//! `sluice_domain::login_throttle` and the thresholds of [`crate::config_login`].
//!
//! A login path calls [`check`] before it looks at the credentials: a throttled or locked
//! account or address answers 429 with `Retry-After` at once, so no password is checked
//! (the right one included) and no Argon2 time is spent. A refused credential calls
//! [`record_failure`] inside the transaction that audits the failure; a success calls
//! [`forget_account`], which writes only when the account had a history. Histories live
//! in the database (`login_throttles`), so they hold across nodes and restarts; times come
//! from the database's clock. Every lock is audited as `login-locked`.
//!
//! The per-account lock only stops that account's sign-in: tokens and sessions already
//! issued keep working. Someone who knows an account's email can keep it locked by
//! failing on purpose; that is the price of stopping guessing, as with Vault's and
//! Keycloak's lockouts (the README's configuration section says how to tune or turn it off).

use crate::auth::RequestMeta;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_domain::login_throttle::{Attempts, ThrottlePolicy, wait_in_words};
use sluice_domain::{IdentityId, OrgId, UserId};
use sluice_storage::memberships::Principal;
use sluice_storage::{Conn, login_throttles, orgs, paces};

pub const LOCKED_ACTION: &str = "login-locked";

/// One sign-in attempt: the account it claims and the client IP it comes from.
#[derive(Clone, Debug)]
pub struct LoginAttempt {
    /// `user:EMAIL`, `client:CLIENT_ID` or `identity:ID`.
    account_key: String,
    /// What the caller claimed (an email, a client id, an identity id), for audit entries.
    claimed: String,
    meta: RequestMeta,
}

impl LoginAttempt {
    /// A user's email and password (the email as normalised for the lookup).
    pub fn user(email: &str, meta: &RequestMeta) -> Self {
        Self::new("user", email, 254, meta)
    }

    /// A universal-auth client id and secret.
    pub fn client(client_id: &str, meta: &RequestMeta) -> Self {
        Self::new("client", client_id, 64, meta)
    }

    /// An identity id and an OIDC token.
    pub fn identity(identity_id: &str, meta: &RequestMeta) -> Self {
        Self::new("identity", identity_id, 64, meta)
    }

    fn new(kind: &str, claimed: &str, max: usize, meta: &RequestMeta) -> Self {
        let claimed: String = claimed.trim().chars().take(max).collect();
        Self { account_key: account_key(kind, &claimed), claimed, meta: meta.clone() }
    }

    fn ip_key(&self) -> Option<String> {
        self.meta.ip.as_deref().map(|ip| format!("{IP_PREFIX}{ip}"))
    }

    /// The scopes this attempt counts against, with their policies (scopes whose
    /// throttling is off are left out: nothing is read or written for them).
    fn scopes(&self, state: &AppState) -> Vec<(Scope, String, ThrottlePolicy)> {
        let login = &state.settings.login;
        let mut scopes = vec![(Scope::Account, self.account_key.clone(), login.account)];
        if let Some(ip) = self.ip_key() {
            scopes.push((Scope::Ip, ip, login.ip));
        }
        scopes.retain(|(_, _, policy)| policy.enabled());
        scopes
    }
}

/// Where a client address's history is kept: `ip:ADDRESS`.
pub const IP_PREFIX: &str = "ip:";

/// Where an account's history is kept: `user:EMAIL`, `client:CLIENT_ID`, `identity:ID`.
pub fn account_key(kind: &str, account: &str) -> String {
    format!("{kind}:{account}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Account,
    Ip,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Ip => "ip",
        }
    }

    fn whose(self) -> &'static str {
        match self {
            Scope::Account => "for this account",
            Scope::Ip => "from this IP address",
        }
    }
}

/// Who owns the account an attempt claimed, so that its locks are audited in the right
/// organizations.
#[derive(Clone, Debug)]
pub enum AccountOwner {
    /// A user: locks are audited in each organization the user belongs to.
    User(UserId),
    /// A machine identity: locks are audited in its organization.
    Identity { id: IdentityId, org: OrgId },
    /// No such account: the lock is audited with no organization.
    Unknown,
}

/// What [`check`] found, for [`forget_account`].
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct Cleared {
    account_history: bool,
}

/// Refuses an attempt whose account or client IP must wait or is locked: 429 with the
/// time left in words and in `Retry-After`. Call it before checking any credential.
pub async fn check(state: &AppState, attempt: &LoginAttempt) -> ApiResult<Cleared> {
    let scopes = attempt.scopes(state);
    if scopes.is_empty() {
        return Ok(Cleared { account_history: false });
    }
    let mut conn = state.store.read().await?;
    let keys: Vec<&str> = scopes.iter().map(|(_, k, _)| k.as_str()).collect();
    let stored = login_throttles::get_many(&mut conn, &keys).await?;
    if stored.is_empty() {
        return Ok(Cleared { account_history: false });
    }
    let now = paces::now_ms(&mut conn, state.store.backend()).await?;
    drop(conn);
    // The scope refusing longest speaks (its wait is the one that matters).
    let mut refusal: Option<(Scope, i64)> = None;
    for (scope, key, policy) in &scopes {
        let Some((_, attempts)) = stored.iter().find(|(k, _)| k == key) else { continue };
        if let Some(until) = policy.verdict(*attempts, now).until()
            && refusal.is_none_or(|(_, longest)| until > longest)
        {
            refusal = Some((*scope, until));
        }
    }
    match refusal {
        Some((scope, until)) => Err(too_many(scope, until - now)),
        None => Ok(Cleared { account_history: stored.iter().any(|(k, _)| *k == attempt.account_key) }),
    }
}

fn too_many(scope: Scope, wait_ms: i64) -> ApiError {
    ApiError::TooManyRequests {
        message: format!("Too many failed sign-in attempts {}; try again in {}", scope.whose(), wait_in_words(wait_ms)),
        retry_after_secs: u64::try_from((wait_ms.max(1) + 999) / 1000).unwrap_or(1),
    }
}

/// Counts a refused credential against the attempt's account and client IP, inside the
/// caller's write transaction (the one auditing the failure), and audits any lock it
/// starts. Prunes histories that no longer matter, so the table stays small.
pub async fn record_failure(
    tx: &mut Conn,
    state: &AppState,
    attempt: &LoginAttempt,
    owner: &AccountOwner,
) -> ApiResult<()> {
    let scopes = attempt.scopes(state);
    if scopes.is_empty() {
        return Ok(());
    }
    let backend = state.store.backend();
    let now = paces::now_ms(tx, backend).await?;
    for (scope, key, policy) in scopes {
        let before = login_throttles::lock(tx, backend, &key).await?;
        let (after, lock) = policy.after_failure(before, now);
        login_throttles::save(tx, &key, &after, policy.expires_at(&after)).await?;
        if let Some(until) = lock {
            audit_lock(tx, attempt, owner, scope, &after, until, now).await?;
        }
    }
    login_throttles::prune(tx, now).await?;
    Ok(())
}

/// Forgets the account's failures after a successful sign-in (the client IP's stay: one
/// good password must not clear a spraying address). Writes only when there were some.
pub async fn forget_account(state: &AppState, attempt: &LoginAttempt, cleared: Cleared) -> ApiResult<()> {
    if cleared.account_history {
        let mut tx = state.store.write().await?;
        login_throttles::clear(&mut tx, &attempt.account_key).await?;
        tx.commit().await.map_err(sluice_storage::StorageError::from)?;
    }
    Ok(())
}

/// A `login-locked` entry: an account's lock in its owner's organizations; a client IP's
/// in every organization (it stops sign-ins to all of them), without the account claimed.
async fn audit_lock(
    tx: &mut Conn,
    attempt: &LoginAttempt,
    owner: &AccountOwner,
    scope: Scope,
    after: &Attempts,
    until: i64,
    now: i64,
) -> ApiResult<()> {
    let mut metadata = json!({
        "scope": scope.name(),
        "ip": attempt.meta.ip,
        "lockedUntil": sluice_api_types::iso(until),
        "lockSeconds": (until - now) / 1000,
        "failures": after.failures,
        "lockNumber": after.locks,
    });
    let (orgs, target) = match scope {
        Scope::Account => {
            metadata["account"] = json!(attempt.claimed);
            match owner {
                AccountOwner::User(id) => {
                    let orgs = orgs::list_for_member(tx, &Principal::User(id.clone())).await?;
                    (orgs.into_iter().map(|o| o.id).collect(), Some(("user", id.to_string())))
                }
                AccountOwner::Identity { id, org } => (vec![org.clone()], Some(("identity", id.to_string()))),
                AccountOwner::Unknown => (Vec::new(), None),
            }
        }
        Scope::Ip => (orgs::all_ids(tx).await?, None),
    };
    let claimed = match scope {
        Scope::Account => Some(attempt.claimed.clone()),
        Scope::Ip => attempt.meta.ip.clone(),
    };
    let mut event = AuditEvent::new(LOCKED_ACTION).meta(metadata);
    if let Some((kind, id)) = target {
        event = event.target(kind, id);
    }
    let actor = AuditActor::anonymous(claimed, attempt.meta.clone().into());
    if orgs.is_empty() {
        audit::record(tx, actor, event).await?;
        return Ok(());
    }
    for org in &orgs {
        audit::record(tx, actor.clone(), event.clone().org(org)).await?;
    }
    Ok(())
}
