//! Organization → Sign-in locks: the organization's accounts with failed sign-ins
//! remembered, and clearing one, so that a locked user or identity signs in at once
//! (organization admins; the same service and rules as
//! `/api/v1/organization/{id}/login-locks`, audited as `login-unlocked`).

use super::UiForm;
use super::connections::{OrgTab, org_scope};
use super::guard::Signed;
use super::page::{Chrome, FlashKind, Section, UiResult, redirect_with, render};
use super::view::when;
use crate::features::auth::locks;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sluice_api_types::auth::{LoginLockOut, LoginLockState};

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
    rows: Vec<LockRowView>,
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
        _ => "Identity (OIDC)",
    }
}

/// `GET /login-locks`.
pub async fn list(State(state): State<AppState>, signed: Signed, Query(q): Query<OrgQuery>) -> UiResult<Response> {
    let (orgs, org) = org_scope(&state, &signed, q.org.as_deref()).await?;
    let rows = locks::list(&state, &signed.actor, &org)
        .await?
        .login_locks
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
        .collect();
    let page = LocksPage { chrome: Chrome::new(&signed, Section::LoginLocks, "Sign-in locks"), orgs, org, rows };
    Ok(render(&page.chrome.clone(), page))
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
    let out = locks::clear(&state, &signed.actor, &form.org, &form.kind, &form.account).await?;
    let message = match &out.login_lock {
        Some(l) => format!("The failed sign-ins of {} were cleared: it may sign in now.", l.account),
        None => format!("No failed sign-ins were remembered for {}: nothing to clear.", form.account.trim()),
    };
    Ok(redirect_with(&list_url(&form.org), FlashKind::Success, &message))
}
