//! A sync's page: status, last sync and message, source, destination and options (each
//! editable, see [`super::sync_edit`]), the actions (sync now, import, remove, auto-sync
//! on/off, delete with or without removing the synced variables), the plan of the next
//! sync and the run history. The status, plan and history panel refreshes live.

use super::UiForm;
use super::guard::Signed;
use super::page::{Chrome, FlashKind, Section, UiError, UiResult, redirect_with, render};
use super::syncs::SyncRowView;
use super::view::{BadgeKind, PlanDisplay, When, initial_behavior_label, when};
use crate::error::ApiError;
use crate::features::projects::manage;
use crate::features::syncs::{actions, service, trust};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sluice_api_types::projects::ProjectOut;
use sluice_api_types::runs::{EntryAction, SyncRunOut};
use sluice_api_types::syncs::{DeleteSyncQuery, DriftOut, ImportQuery, RailwaySyncPatch, RunsQuery, SecretSyncOut};
use sluice_domain::{ImportBehavior, JobKind, RunStatus, SyncStatus};
use sluice_engine::plan::ImportPreview;

/// One run of the history.
pub struct RunView {
    pub when: String,
    pub when_exact: String,
    pub kind: &'static str,
    pub trigger: String,
    pub by: String,
    pub status: String,
    /// Badge modifier for the status.
    pub status_kind: BadgeKind,
    pub summary: String,
    pub error: Option<String>,
    /// The node that ran it.
    pub node: String,
}

impl RunView {
    fn new(r: &SyncRunOut) -> RunView {
        let w = when(&r.started_at);
        let c = &r.counts;
        let parts: Vec<String> = [
            (c.plan.create, "created"),
            (c.plan.update, "updated"),
            (c.plan.delete, "deleted"),
            (c.imported, "imported"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| format!("{n} {word}"))
        .collect();
        let mut parts = parts;
        for d in &r.deploys {
            let service = d.service_name.as_deref().unwrap_or(&d.service_id);
            parts.push(match d.state.as_str() {
                "live" => format!("{service} redeployed"),
                "deploying" => format!("{service} deploying ({})", d.status.as_deref().unwrap_or("queued")),
                "waiting" => format!("{service} waits for a build in flight"),
                "failed" => format!("{service} deploy {}", d.status.as_deref().unwrap_or("failed")),
                _ => format!("{service} not redeployed"),
            });
        }
        let summary = if parts.is_empty() {
            if r.status == RunStatus::Succeeded { "No changes".to_string() } else { String::new() }
        } else {
            parts.join(" · ")
        };
        let status_kind = match r.status {
            RunStatus::Succeeded => BadgeKind::Synced,
            RunStatus::Failed => BadgeKind::Failed,
            RunStatus::Retrying => BadgeKind::Retrying,
            RunStatus::Running | RunStatus::Deploying => BadgeKind::Syncing,
            RunStatus::Abandoned | RunStatus::Interrupted => BadgeKind::Off,
            RunStatus::Held => BadgeKind::Held,
        };
        RunView {
            when: w.relative,
            when_exact: w.exact,
            kind: match r.kind {
                JobKind::Import => "Import",
                JobKind::Remove => "Remove",
                JobKind::Sync => "Sync",
                JobKind::Drift => "Drift check",
            },
            trigger: r.trigger.as_str().replace('-', " "),
            by: r.actor.name.clone().unwrap_or_else(|| r.actor.kind.to_string()),
            status: r.status.to_string(),
            status_kind,
            summary,
            error: r.error.clone(),
            node: r.node.clone(),
        }
    }
}

/// What the live panel shows.
pub struct LiveView {
    pub r: SyncRowView,
    pub last_synced_exact: String,
    pub plan: Option<PlanDisplay>,
    pub plan_error: Option<String>,
    /// A run is queued or running: the next plan is shown once it is done.
    pub plan_waiting: bool,
    pub runs: Vec<RunView>,
    pub runs_total: i64,
    /// Outcomes of the last import and removal, when there were any.
    pub side_notes: Vec<String>,
    /// The plan a held run waits on, when the sync is held.
    pub held: Option<HeldView>,
    /// The latest drift report, when there is one.
    pub drift: Option<DriftView>,
    /// The session's CSRF token, for the forms inside live panels.
    pub csrf: String,
}

/// A run the mass-deletion guard held: why, the keys it would delete, its fingerprint.
pub struct HeldView {
    pub message: String,
    pub plan_hash: String,
    pub deletes: Vec<String>,
}

/// The latest drift report, for people.
pub struct DriftView {
    pub drifted: bool,
    pub checked: When,
    pub policy: String,
    pub rows: Vec<(String, &'static str, &'static str)>,
}

impl DriftView {
    fn new(d: &DriftOut) -> DriftView {
        let rows = d
            .entries
            .iter()
            .map(|e| {
                let (label, kind) = match e.state.as_str() {
                    "in-sync" => ("In sync", "unchanged"),
                    "changed-at-destination" => ("Changed at Railway", "update"),
                    "deleted-at-destination" => ("Deleted at Railway", "delete"),
                    "added-at-destination" => ("Added at Railway (not this sync's)", "create"),
                    "sealed" => ("Sealed: cannot be compared", "skip"),
                    _ => ("Unknown", "skip"),
                };
                (e.key.clone(), label, kind)
            })
            .collect();
        DriftView { drifted: d.status == "drifted", checked: when(&d.checked_at), policy: d.policy.clone(), rows }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "syncs/details.html")]
struct DetailsPage {
    chrome: Chrome,
    project: ProjectOut,
    d: LiveView,
    behavior_label: &'static str,
}

/// The review before "take Railway's values" overwrites anything in Sluice.
#[derive(Template, WebTemplate)]
#[template(path = "syncs/import_review.html")]
struct ImportReviewPage {
    chrome: Chrome,
    project: ProjectOut,
    s: SecretSyncOut,
    /// Where the source is, as "environment · path".
    source: String,
    preview: Option<ImportPreview>,
    /// Why Railway could not be read, when it could not.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "syncs/panel_status.html")]
struct StatusPanel<'a> {
    d: &'a LiveView,
}

#[derive(Template)]
#[template(path = "syncs/panel_plan.html")]
struct PlanPanel<'a> {
    d: &'a LiveView,
}

#[derive(Template)]
#[template(path = "syncs/panel_history.html")]
struct HistoryPanel<'a> {
    d: &'a LiveView,
}

/// The sync, checked to belong to the project of the path.
async fn load(state: &AppState, signed: &Signed, project: &str, sync: &str) -> UiResult<(ProjectOut, SecretSyncOut)> {
    let p = manage::get(state, &signed.actor, project).await?;
    let s = service::get(state, &signed.actor, sync).await?;
    if s.project_id != p.id {
        return Err(ApiError::not_found(format!("Could not find Railway Sync with ID \"{sync}\"")).into());
    }
    Ok((p, s))
}

fn side_note(what: &str, status: Option<SyncStatus>, at: Option<&str>, message: Option<&str>) -> Option<String> {
    let at = at.map(|t| when(t).relative).unwrap_or_default();
    Some(match status? {
        SyncStatus::Succeeded => format!("Last {what} succeeded {at}"),
        SyncStatus::Failed => format!("Last {what} failed {at}: {}", message.unwrap_or("no message")),
        SyncStatus::Pending => format!("A {what} is queued"),
        SyncStatus::Running => format!("A {what} is running"),
        SyncStatus::Held => format!("A {what} is held: {}", message.unwrap_or("it waits for a confirmation")),
    })
}

async fn live_view(state: &AppState, signed: &Signed, s: SecretSyncOut) -> UiResult<LiveView> {
    let r = SyncRowView::new(s);
    let busy = r.badge.group() == BadgeKind::Syncing;
    let (plan, plan_error) = if busy {
        (None, None)
    } else {
        match actions::plan_saved(state, &signed.actor, &r.s.id).await {
            Ok(p) => (Some(PlanDisplay::new(&p)), None),
            Err(e @ (ApiError::Internal(_) | ApiError::NotFound(_))) => return Err(e.into()),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    let runs = actions::runs(state, &signed.actor, &r.s.id, &RunsQuery { limit: Some(10), offset: None }).await?;
    let held = match (&r.s.sync_status, &r.s.held_plan_hash) {
        (Some(SyncStatus::Held), Some(hash)) => Some(HeldView {
            message: r.s.last_sync_message.clone().unwrap_or_default(),
            plan_hash: hash.clone(),
            deletes: runs
                .runs
                .iter()
                .find(|run| run.status == RunStatus::Held)
                .map(|run| run.plan.iter().filter(|e| e.action == EntryAction::Delete).map(|e| e.key.clone()).collect())
                .unwrap_or_default(),
        }),
        _ => None,
    };
    let drift = trust::drift(state, &signed.actor, &r.s.id).await?.as_ref().map(DriftView::new);
    let s = &r.s;
    let side_notes = [
        side_note("import", s.import_status, s.last_imported_at.as_deref(), s.last_import_message.as_deref()),
        side_note("removal", s.remove_status, s.last_removed_at.as_deref(), s.last_remove_message.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(LiveView {
        last_synced_exact: s.last_synced_at.as_deref().map(|t| when(t).exact).unwrap_or_default(),
        plan,
        plan_error,
        plan_waiting: busy,
        runs: runs.runs.iter().map(RunView::new).collect(),
        runs_total: runs.total_count,
        side_notes,
        held,
        drift,
        csrf: signed.csrf.clone(),
        r,
    })
}

/// `GET /projects/{project}/syncs/{sync}`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let behavior_label = initial_behavior_label(&s.sync_options.initial_sync_behavior);
    let chrome = Chrome::new(&signed, Section::Projects, format!("{} · Secret Syncs", s.name)).in_project(
        &p.id,
        &p.name,
        "integrations",
    );
    let d = live_view(&state, &signed, s).await?;
    let page = DetailsPage { chrome, project: p, d, behavior_label };
    Ok(render(&page.chrome.clone(), page))
}

/// `GET …/{sync}/live`: the live panels' HTML, as `{status, plan, history}`.
pub async fn live_panel(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
) -> UiResult<Response> {
    let (_, s) = load(&state, &signed, &project, &sync).await?;
    let d = live_view(&state, &signed, s).await?;
    let status = StatusPanel { d: &d }.render().map_err(ApiError::internal)?;
    let plan = PlanPanel { d: &d }.render().map_err(ApiError::internal)?;
    let history = HistoryPanel { d: &d }.render().map_err(ApiError::internal)?;
    Ok((super::page::page_headers(), Json(json!({ "status": status, "plan": plan, "history": history })))
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    /// `list` to come back to the list instead of the sync's page.
    #[serde(default)]
    back: String,
    #[serde(default)]
    import_behavior: String,
    #[serde(default)]
    enabled: String,
    #[serde(default)]
    remove_secrets: Option<String>,
    #[serde(default)]
    confirm_name: String,
    #[serde(default)]
    plan_hash: String,
    /// `true` once the person reviewed what an import taking Railway's values changes.
    #[serde(default)]
    confirmed: String,
}

fn page_url(project: &str, sync: &str) -> String {
    format!("/projects/{project}/syncs/{sync}")
}

fn back_url(form: &ActionForm, project: &str, sync: &str) -> String {
    if form.back == "list" { format!("/projects/{project}/integrations") } else { page_url(project, sync) }
}

/// A refusal the person can act on goes back as a message; others are error pages.
fn refused(e: ApiError, to: &str) -> UiResult<Response> {
    match e {
        ApiError::BadRequest(m) | ApiError::Forbidden(m) | ApiError::BadGateway(m) => {
            Ok(redirect_with(to, FlashKind::Error, &m))
        }
        ApiError::Validation { message, .. } | ApiError::TooManyRequests { message, .. } => {
            Ok(redirect_with(to, FlashKind::Error, &message))
        }
        other => Err(UiError::Api(other)),
    }
}

/// `POST …/{sync}/trigger`: Sync now.
pub async fn trigger(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = back_url(&form, &p.id, &s.id);
    match actions::sync_secrets(&state, &signed.actor, &s.id).await {
        Ok(_) => Ok(redirect_with(&to, FlashKind::Success, &format!("Sync of \"{}\" queued.", s.name))),
        Err(e) => refused(e, &to),
    }
}

/// `POST …/{sync}/confirm`: confirm the plan a held run waits on (by its fingerprint).
pub async fn confirm(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = page_url(&p.id, &s.id);
    match trust::confirm_plan(&state, &signed.actor, &s.id, Some(&form.plan_hash)).await {
        Ok(_) => {
            Ok(redirect_with(&to, FlashKind::Success, "Plan confirmed; the sync is queued and goes ahead with it."))
        }
        Err(e) => refused(e, &to),
    }
}

/// `POST …/{sync}/check-drift`: queue a drift check.
pub async fn check_drift(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = page_url(&p.id, &s.id);
    match trust::check_drift(&state, &signed.actor, &s.id).await {
        Ok(_) => Ok(redirect_with(&to, FlashKind::Success, "Drift check queued: one read of Railway.")),
        Err(e) => refused(e, &to),
    }
}

/// `POST …/{sync}/remove-orphans`: delete the keys the sync wrote that it no longer manages.
pub async fn remove_orphans(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = page_url(&p.id, &s.id);
    match trust::remove_orphans(&state, &signed.actor, &s.id).await {
        Ok((_, keys)) => Ok(redirect_with(
            &to,
            FlashKind::Success,
            &format!("Removal of {} orphaned variable(s) queued.", keys.len()),
        )),
        Err(e) => refused(e, &to),
    }
}

/// `POST …/{sync}/import`: import Railway's variables into the source, with a priority.
/// Taking Railway's values overwrites secrets, so that goes through [`import_review`]
/// first unless the review's own form (`confirmed=true`) sent it.
pub async fn import(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = page_url(&p.id, &s.id);
    let behavior = form.import_behavior.parse::<ImportBehavior>();
    if behavior == Ok(ImportBehavior::PrioritizeDestination) && form.confirmed != "true" {
        return Ok(Redirect::to(&format!("{to}/import")).into_response());
    }
    let q = ImportQuery { import_behavior: Some(form.import_behavior.clone()) };
    match actions::import_secrets(&state, &signed.actor, &s.id, &q).await {
        Ok(_) => Ok(redirect_with(&to, FlashKind::Success, "Import from Railway queued.")),
        Err(e) => refused(e, &to),
    }
}

/// `GET …/{sync}/import`: which secrets "take Railway's values" would overwrite and add,
/// read from Railway now (names only), with the button that goes ahead.
pub async fn import_review(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let (preview, error) =
        match actions::import_preview(&state, &signed.actor, &s.id, ImportBehavior::PrioritizeDestination).await {
            Ok(preview) => (Some(preview), None),
            Err(e @ (ApiError::Internal(_) | ApiError::NotFound(_) | ApiError::Forbidden(_))) => return Err(e.into()),
            Err(e) => (None, Some(e.to_string())),
        };
    let source = match (&s.environment, &s.folder) {
        (Some(e), Some(f)) => format!("{} · {}", e.name, f.path),
        _ => "the source folder".to_string(),
    };
    let chrome = Chrome::new(&signed, Section::Projects, format!("Import from Railway · {}", s.name)).in_project(
        &p.id,
        &p.name,
        "integrations",
    );
    let page = ImportReviewPage { chrome, project: p, s, source, preview, error };
    Ok(render(&page.chrome.clone(), page))
}

/// `POST …/{sync}/remove`: remove the variables this sync manages from Railway.
pub async fn remove(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = back_url(&form, &p.id, &s.id);
    match actions::remove_secrets(&state, &signed.actor, &s.id).await {
        Ok(_) => Ok(redirect_with(&to, FlashKind::Success, "Removal of the synced variables from Railway queued.")),
        Err(e) => refused(e, &to),
    }
}

/// `POST …/{sync}/auto-sync`: `enabled=true|false`.
pub async fn auto_sync(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let to = back_url(&form, &p.id, &s.id);
    let on = form.enabled == "true";
    let patch = RailwaySyncPatch { is_auto_sync_enabled: Some(on), ..Default::default() };
    match service::update(&state, &signed.actor, &s.id, &patch).await {
        Ok(_) if on => Ok(redirect_with(&to, FlashKind::Success, "Auto-sync is on; a sync is queued.")),
        Ok(_) => Ok(redirect_with(&to, FlashKind::Success, "Auto-sync is off: this sync runs only when you ask.")),
        Err(e) => refused(e, &to),
    }
}

/// `POST …/{sync}/delete`: needs the sync's name typed; with `remove_secrets`, Railway's
/// variables go first and the sync is deleted once they are gone.
pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync)): Path<(String, String)>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult<Response> {
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let here = page_url(&p.id, &s.id);
    if form.confirm_name.trim() != s.name {
        let m = format!("Not deleted: type the sync's name, \"{}\", to confirm.", s.name);
        return Ok(redirect_with(&format!("{here}#delete"), FlashKind::Error, &m));
    }
    let remove = form.remove_secrets.is_some();
    let q = DeleteSyncQuery { remove_secrets: Some(remove.to_string()) };
    let list = format!("/projects/{}/integrations", p.id);
    match service::delete(&state, &signed.actor, &s.id, &q).await {
        Ok(_) if remove => Ok(redirect_with(
            &list,
            FlashKind::Success,
            &format!("Removing the variables of \"{}\" from Railway; the sync is deleted once they are gone.", s.name),
        )),
        Ok(_) => Ok(redirect_with(
            &list,
            FlashKind::Success,
            &format!("Sync \"{}\" deleted. Railway's variables were left as they are.", s.name),
        )),
        Err(e) => refused(e, &here),
    }
}
