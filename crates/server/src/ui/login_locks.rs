//! Organization → Sign-in locks: the organization's accounts with failed sign-ins
//! remembered, and clearing one, so that a locked user or identity signs in at once
//! (organization admins; the same service and rules as
//! `/api/v1/organization/{id}/login-locks`, audited as `login-unlocked`). An instance admin
//! also sees the client addresses with failed sign-ins, and clears them
//! (`/api/v1/admin/login-locks`).

use super::UiForm;
use super::connections::{OrgTab, org_scope};
use super::guard::Signed;
use super::page::{Chrome, FlashKind, Section, UiResult, redirect_with, render};
use super::view::when;
use crate::auth::authz;
use crate::error::ApiError;
use crate::features::auth::locks;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sluice_api_types::auth::{LoginLockKind, LoginLockOut, LoginLockState};

/// A lock as the page shows it.
pub struct LockRowView {
    pub l: LoginLockOut,
    pub kind: &'static str,
    pub state: &'static str,
    /// When sign-in reopens, relative and exact.
    pub reopens: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_locks.html")]
struct LocksPage {
    chrome: Chrome,
    orgs: Vec<OrgTab>,
    org: String,
    /// The organization's accounts; `None` for an instance admin who does not administer it.
    rows: Option<Vec<LockRowView>>,
    /// The client addresses, for an instance admin.
    addresses: Option<Vec<LockRowView>>,
    /// More addresses are remembered than listed.
    addresses_truncated: bool,
}

#[derive(Deserialize, Default)]
pub struct OrgQuery {
    org: Option<String>,
}

fn list_url(org: &str) -> String {
    format!("/login-locks?org={org}")
}

fn state_label(s: LoginLockState) -> &'static str {
    match s {
        LoginLockState::Locked => "Locked",
        LoginLockState::Waiting => "Waiting",
        LoginLockState::Counting => "Failures counted",
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "user" => "User",
        "client" => "Universal auth client",
        "ip" => "Client address",
        _ => "Identity (OIDC)",
    }
}

/// `GET /login-locks`.
pub async fn list(State(state): State<AppState>, signed: Signed, Query(q): Query<OrgQuery>) -> UiResult<Response> {
    let (orgs, org) = org_scope(&state, &signed, q.org.as_deref()).await?;
    let instance_admin = {
        let mut conn = state.store.read().await.map_err(ApiError::from)?;
        authz::is_instance_admin(&mut conn, &signed.actor).await?
    };
    let rows = match locks::list(&state, &signed.actor, &org).await {
        Ok(out) => Some(views(out.login_locks)),
        // The instance admin still sees the addresses where the organization is not theirs.
        Err(ApiError::Forbidden(_) | ApiError::NotFound(_)) if instance_admin => None,
        Err(e) => return Err(e.into()),
    };
    let (addresses, addresses_truncated) = match instance_admin {
        true => {
            let out = locks::list_addresses(&state, &signed.actor).await?;
            (Some(views(out.login_locks)), out.truncated)
        }
        false => (None, false),
    };
    let chrome = Chrome::new(&signed, Section::LoginLocks, "Sign-in locks");
    let page = LocksPage { chrome, orgs, org, rows, addresses, addresses_truncated };
    Ok(render(&page.chrome.clone(), page))
}

fn views(locks: Vec<LoginLockOut>) -> Vec<LockRowView> {
    locks
        .into_iter()
        .map(|l| LockRowView {
            kind: kind_label(l.kind.as_str()),
            state: state_label(l.state),
            reopens: l.retry_at.as_deref().map(|t| {
                let w = when(t);
                (w.relative, w.exact)
            }),
            l,
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ClearForm {
    org: String,
    kind: String,
    account: String,
}

/// `POST /login-locks/clear`.
pub async fn clear(
    State(state): State<AppState>,
    signed: Signed,
    UiForm(form): UiForm<ClearForm>,
) -> UiResult<Response> {
    let out = match form.kind.as_str() {
        "ip" => locks::clear_address(&state, &signed.actor, &form.account).await?,
        kind => locks::clear(&state, &signed.actor, &form.org, kind, &form.account).await?,
    };
    let message = match &out.login_lock {
        Some(l) if l.kind == LoginLockKind::Ip => {
            format!("The failed sign-ins from {} were cleared: sign-ins from it are open now.", l.account)
        }
        Some(l) => format!("The failed sign-ins of {} were cleared: it may sign in now.", l.account),
        None => format!("No failed sign-ins were remembered for {}: nothing to clear.", form.account.trim()),
    };
    Ok(redirect_with(&list_url(&form.org), FlashKind::Success, &message))
}
