//! Project → Integrations → Secret Syncs: every sync with its source, destination and a
//! status badge that [`super::live`] keeps current; search and a status filter (on the
//! server, so they work without the script, and instantly with it).

use super::guard::Signed;
use super::page::{Chrome, Section, UiResult, render};
use super::view::{Badge, BadgeKind, sync_badge, when};
use crate::features::projects::manage;
use crate::features::syncs::service;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use sluice_api_types::syncs::{ProjectQuery, SecretSyncOut};

/// Where a sync reads from.
pub struct SourceView {
    pub path: String,
    pub environment: String,
}

/// An option of the status filter.
pub struct StatusOption {
    pub value: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub selected: bool,
}

/// One row of the list.
pub struct SyncRowView {
    pub s: SecretSyncOut,
    pub badge: Badge,
    /// The source folder, or `None` when it was deleted.
    pub source: Option<SourceView>,
    pub destination: String,
    pub destination_sub: String,
    pub last_synced: Option<String>,
    /// Everything the search looks in, lowercased.
    pub haystack: String,
}

impl SyncRowView {
    pub fn new(s: SecretSyncOut) -> SyncRowView {
        let badge = sync_badge(&s);
        let source = match (&s.folder, &s.environment) {
            (Some(f), Some(e)) => Some(SourceView { path: f.path.clone(), environment: e.name.clone() }),
            _ => None,
        };
        let d = &s.destination_config;
        let destination = if d.project_name.is_empty() { d.project_id.clone() } else { d.project_name.clone() };
        let scope = match (&d.service_id, &d.service_name) {
            (Some(id), name) if !id.is_empty() => {
                format!("service {}", name.clone().unwrap_or_else(|| id.clone()))
            }
            _ => "shared variables".to_string(),
        };
        let env = if d.environment_name.is_empty() { &d.environment_id } else { &d.environment_name };
        let destination_sub = format!("{env} · {scope}");
        let haystack = [
            s.name.as_str(),
            s.description.as_deref().unwrap_or(""),
            source.as_ref().map(|v| v.path.as_str()).unwrap_or(""),
            source.as_ref().map(|v| v.environment.as_str()).unwrap_or(""),
            s.connection.name.as_str(),
            destination.as_str(),
            destination_sub.as_str(),
            "railway",
        ]
        .join(" ")
        .to_lowercase();
        let last_synced = s.last_synced_at.as_deref().map(|t| when(t).relative);
        SyncRowView { badge, source, destination, destination_sub, last_synced, haystack, s }
    }

    pub fn failed(&self) -> bool {
        self.badge.kind == BadgeKind::Failed
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "syncs/list.html")]
struct ListPage {
    chrome: Chrome,
    project_id: String,
    project_name: String,
    rows: Vec<SyncRowView>,
    total: usize,
    q: String,
    statuses: Vec<StatusOption>,
    /// Some sync is queued or running (the page refreshes itself without the script).
    busy: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
}

/// The status filter's label for each group.
fn group_label(group: BadgeKind) -> &'static str {
    match group {
        BadgeKind::Synced => "Synced",
        BadgeKind::Failed => "Failed",
        BadgeKind::Off => "Auto-sync off",
        BadgeKind::Never => "Not synced",
        BadgeKind::Queued | BadgeKind::Syncing | BadgeKind::Retrying => "Queued or syncing",
        BadgeKind::Held | BadgeKind::Drifted => "Failed",
    }
}

/// `GET /projects/{project}/integrations`.
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let p = manage::get(&state, &signed.actor, &project).await?;
    let syncs = service::list(&state, &signed.actor, &ProjectQuery { project_id: Some(p.id.clone()) }, None).await?;
    let mut rows: Vec<SyncRowView> = syncs.into_iter().map(SyncRowView::new).collect();
    // Failed first, then by name (Infisical's status order).
    rows.sort_by(|a, b| b.failed().cmp(&a.failed()).then_with(|| a.s.name.cmp(&b.s.name)));
    let total = rows.len();
    let status = BadgeKind::GROUPS.into_iter().find(|g| g.as_str() == q.status);
    let mut statuses =
        vec![StatusOption { value: "", label: "All statuses", count: total, selected: status.is_none() }];
    statuses.extend(BadgeKind::GROUPS.into_iter().map(|group| StatusOption {
        value: group.as_str(),
        label: group_label(group),
        count: rows.iter().filter(|r| r.badge.group() == group).count(),
        selected: status == Some(group),
    }));
    let busy = rows.iter().any(|r| r.badge.group() == BadgeKind::Syncing);
    let needle = q.q.trim().to_lowercase();
    rows.retain(|r| (needle.is_empty() || r.haystack.contains(&needle)) && status.is_none_or(|g| r.badge.group() == g));
    let chrome = Chrome::new(&signed, Section::Projects, format!("Secret Syncs · {}", p.name)).in_project(
        &p.id,
        &p.name,
        "integrations",
    );
    let page = ListPage { chrome, project_id: p.id, project_name: p.name, rows, total, q: q.q, statuses, busy };
    Ok(render(&page.chrome.clone(), page))
}
