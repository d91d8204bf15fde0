//! Organization → App Connections: list, add a Railway connection (the token is checked
//! with Railway on submit, and Railway's refusal is shown), edit name, description or
//! token, and delete (refused, with the service's reason, while syncs use it).

use super::UiForm;
use super::guard::Signed;
use super::page::{Chrome, FlashKind, FormErrors, Section, UiResult, redirect_with, render, render_status};
use super::view::{method_label, when};
use crate::features::connections::service;
use crate::features::orgs::service::list_orgs;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sluice_api_types::connections::{
    AppConnectionOut, ConnectionScopeQuery, RailwayConnectionIn, RailwayConnectionPatch, RailwayCredentialsIn,
};
use sluice_domain::{App, SecretToken};

/// A connection as the list shows it.
pub struct ConnectionRowView {
    pub c: AppConnectionOut,
    pub method: &'static str,
    pub created: String,
    pub created_exact: String,
}

pub struct OrgTab {
    pub id: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/list.html")]
struct ListPage {
    chrome: Chrome,
    orgs: Vec<OrgTab>,
    org: String,
    rows: Vec<ConnectionRowView>,
    in_use: Option<InUseView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None` when adding.
    editing: Option<AppConnectionOut>,
    org: String,
    form: ConnectionForm,
    errors: FormErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct OrgQuery {
    org: Option<String>,
    /// A connection whose deletion was refused: the page lists the syncs that use it.
    in_use: Option<String>,
    /// Where to go back to once the connection exists (the sync wizard's step), with the
    /// new connection's id added.
    return_to: Option<String>,
}

/// A `return_to` that stays on this site, in a sync wizard.
fn wizard_return(raw: &str) -> Option<String> {
    let path = super::guard::safe_next(raw.trim())?;
    (path.starts_with("/projects/") && path.contains("/syncs/new/railway")).then(|| path.to_string())
}

/// A connection that syncs still use, with links to them.
pub struct InUseView {
    pub name: String,
    pub syncs: Vec<SyncLink>,
}

pub struct SyncLink {
    pub name: String,
    pub project: String,
    pub href: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ConnectionForm {
    #[serde(default)]
    pub name: String,
    /// The wizard step to return to once created (see [`wizard_return`]).
    #[serde(default)]
    pub return_to: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub method: String,
    /// The token is never shown back in the page.
    #[serde(default)]
    pub token: SecretToken,
    #[serde(default)]
    pub org: String,
}

const FIELDS: [(&str, &str); 4] = [
    ("body.name", "name"),
    ("body.description", "description"),
    ("body.method", "method"),
    ("body.credentials.apiToken", "token"),
];

/// The organizations of the user, and the one asked for (else the first).
pub(super) async fn org_scope(
    state: &AppState,
    signed: &Signed,
    asked: Option<&str>,
) -> UiResult<(Vec<OrgTab>, String)> {
    let orgs: Vec<OrgTab> = list_orgs(state, &signed.actor)
        .await?
        .organizations
        .into_iter()
        .map(|o| OrgTab { id: o.id, name: o.name })
        .collect();
    let chosen = asked
        .filter(|a| orgs.iter().any(|o| o.id == *a))
        .map(str::to_string)
        .or_else(|| orgs.first().map(|o| o.id.clone()))
        .unwrap_or_default();
    Ok((orgs, chosen))
}

fn list_url(org: &str) -> String {
    format!("/connections?org={org}")
}

/// `GET /connections`.
pub async fn list(State(state): State<AppState>, signed: Signed, Query(q): Query<OrgQuery>) -> UiResult<Response> {
    let (orgs, org) = org_scope(&state, &signed, q.org.as_deref()).await?;
    let scope = ConnectionScopeQuery { organization_id: Some(org.clone()), project_id: None };
    let rows = service::list(&state, &signed.actor, &scope, Some(App::Railway))
        .await?
        .into_iter()
        .map(|c| {
            let w = when(&c.created_at);
            ConnectionRowView { method: method_label(&c.method), created: w.relative, created_exact: w.exact, c }
        })
        .collect::<Vec<ConnectionRowView>>();
    let in_use = match q.in_use.as_deref().and_then(|id| rows.iter().find(|r: &&ConnectionRowView| r.c.id == id)) {
        Some(r) => match service::syncs_using(&state, &signed.actor, &r.c.id).await {
            Ok(users) if !users.is_empty() => Some(InUseView {
                name: r.c.name.clone(),
                syncs: users
                    .into_iter()
                    .map(|u| SyncLink {
                        href: format!("/projects/{}/syncs/{}", u.project_id, u.id),
                        name: u.name,
                        project: u.project_name,
                    })
                    .collect(),
            }),
            _ => None,
        },
        None => None,
    };
    let page =
        ListPage { chrome: Chrome::new(&signed, Section::Connections, "App Connections"), orgs, org, rows, in_use };
    Ok(render(&page.chrome.clone(), page))
}

/// `GET /connections/new`: the Railway connection form.
pub async fn new(State(state): State<AppState>, signed: Signed, Query(q): Query<OrgQuery>) -> UiResult<Response> {
    let (_, org) = org_scope(&state, &signed, q.org.as_deref()).await?;
    let return_to = q.return_to.as_deref().and_then(wizard_return).unwrap_or_default();
    let form =
        ConnectionForm { method: "account-token".to_string(), org: org.clone(), return_to, ..Default::default() };
    let page = FormPage {
        chrome: Chrome::new(&signed, Section::Connections, "Add Railway connection"),
        editing: None,
        org,
        form,
        errors: FormErrors::default(),
    };
    Ok(render(&page.chrome.clone(), page))
}

/// `POST /connections`: creates the connection once Railway accepted the token.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    UiForm(mut form): UiForm<ConnectionForm>,
) -> UiResult<Response> {
    let body = RailwayConnectionIn {
        name: Some(form.name.trim().to_string()),
        description: Some(form.description.clone()).filter(|d| !d.trim().is_empty()),
        method: Some(form.method.clone()),
        credentials: Some(RailwayCredentialsIn { api_token: Some(form.token.clone()) }),
        organization_id: Some(form.org.clone()).filter(|o| !o.is_empty()),
        project_id: None,
        is_platform_managed_credentials: None,
        gateway_id: None,
        sync_concurrency: None,
    };
    match service::create(&state, &signed.actor, &body).await {
        Ok(c) if wizard_return(&form.return_to).is_some() => {
            let back = wizard_return(&form.return_to).unwrap_or_default();
            let sep = if back.contains('?') { '&' } else { '?' };
            Ok(redirect_with(
                &format!("{back}{sep}connection_id={}", c.id),
                FlashKind::Success,
                &format!("Railway accepted the token. Connection \"{}\" is selected below.", c.name),
            ))
        }
        Ok(c) => Ok(redirect_with(
            &list_url(&c.org_id),
            FlashKind::Success,
            &format!("Railway accepted the token. Connection \"{}\" is ready to use in secret syncs.", c.name),
        )),
        Err(e) => {
            let errors = FormErrors::from_api(e, &FIELDS)?;
            form.token = SecretToken::default();
            let page = FormPage {
                chrome: Chrome::new(&signed, Section::Connections, "Add Railway connection"),
                editing: None,
                org: form.org.clone(),
                form,
                errors,
            };
            Ok(render_status(&page.chrome.clone(), StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

/// `GET /connections/{id}`: edit a connection.
pub async fn edit(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> UiResult<Response> {
    let c = service::get(&state, &signed.actor, &id).await?;
    let form = ConnectionForm {
        name: c.name.clone(),
        description: c.description.clone().unwrap_or_default(),
        method: c.method.clone(),
        token: SecretToken::default(),
        org: c.org_id.clone(),
        return_to: String::new(),
    };
    let page = FormPage {
        chrome: Chrome::new(&signed, Section::Connections, format!("Edit {}", c.name)),
        org: c.org_id.clone(),
        editing: Some(c),
        form,
        errors: FormErrors::default(),
    };
    Ok(render(&page.chrome.clone(), page))
}

/// `POST /connections/{id}`: saves the name and description, and a new token when one is
/// given (checked with Railway first).
pub async fn update(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    UiForm(mut form): UiForm<ConnectionForm>,
) -> UiResult<Response> {
    let token = SecretToken::new(form.token.expose());
    let patch = RailwayConnectionPatch {
        name: Some(form.name.trim().to_string()),
        description: Some(Some(form.description.clone()).filter(|d| !d.trim().is_empty())),
        credentials: (!token.is_empty()).then(|| RailwayCredentialsIn { api_token: Some(token.clone()) }),
        is_platform_managed_credentials: None,
        gateway_id: None,
        sync_concurrency: None,
    };
    match service::update(&state, &signed.actor, &id, &patch).await {
        Ok(c) => {
            let what = if token.is_empty() { "saved" } else { "saved; Railway accepted the new token" };
            Ok(redirect_with(&list_url(&c.org_id), FlashKind::Success, &format!("Connection \"{}\" {what}.", c.name)))
        }
        Err(e) => {
            let errors = FormErrors::from_api(e, &FIELDS)?;
            let current = service::get(&state, &signed.actor, &id).await?;
            form.token = SecretToken::default();
            form.method = current.method.clone();
            let page = FormPage {
                chrome: Chrome::new(&signed, Section::Connections, format!("Edit {}", current.name)),
                org: current.org_id.clone(),
                editing: Some(current),
                form,
                errors,
            };
            Ok(render_status(&page.chrome.clone(), StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

/// `POST /connections/{id}/delete`. A connection in use stays, and the page says why.
pub async fn delete(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> UiResult<Response> {
    let current = service::get(&state, &signed.actor, &id).await?;
    Ok(match service::delete(&state, &signed.actor, &id).await {
        Ok(c) => {
            redirect_with(&list_url(&c.org_id), FlashKind::Success, &format!("Connection \"{}\" deleted.", c.name))
        }
        Err(e) => {
            let errors = FormErrors::from_api(e, &[])?;
            let why = errors.general.unwrap_or_default();
            let message = format!("Connection \"{}\" was not deleted. {why}", current.name);
            let to = format!("{}&in_use={}", list_url(&current.org_id), current.id);
            redirect_with(&to, FlashKind::Error, message.trim_end())
        }
    })
}
