//! Editing one section of a sync (source, destination, options, details) with the
//! wizard's own step forms and checks, saved through the API's update service.

use super::UiForm;
use super::guard::Signed;
use super::page::{Chrome, FlashKind, FormErrors, Section, UiError, UiResult, redirect_with, render_status};
use super::step_extras::{self, StepExtras};
use super::wizard::{Pickers, check_step, load_pickers};
use super::wizard_form::{FIELDS, Step, WizardForm};
use crate::error::ApiError;
use crate::features::connections::service as connections;
use crate::features::projects::manage;
use crate::features::syncs::service;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sluice_api_types::connections::{AvailableConnectionOut, ConnectionScopeQuery};
use sluice_api_types::projects::ProjectOut;
use sluice_api_types::syncs::{RailwaySyncPatch, SecretSyncOut};
use sluice_domain::SyncStatus;

#[derive(Template, WebTemplate)]
#[template(path = "syncs/edit.html")]
struct EditPage {
    chrome: Chrome,
    project: ProjectOut,
    sync: SecretSyncOut,
    step: &'static str,
    step_label: &'static str,
    w: WizardForm,
    errors: FormErrors,
    connections: Vec<AvailableConnectionOut>,
    pickers: Pickers,
    exclude_id: Option<String>,
    extras: StepExtras,
}

fn section(raw: &str) -> Result<Step, UiError> {
    match Step::parse(raw) {
        s @ (Step::Source | Step::Destination | Step::Options | Step::Details) if s.slug() == raw => Ok(s),
        _ => Err(ApiError::not_found(format!("There is no \"{raw}\" section to edit")).into()),
    }
}

/// The form state of a saved sync.
fn form_of(s: &SecretSyncOut) -> WizardForm {
    let d = &s.destination_config;
    WizardForm {
        environment: s.environment.as_ref().map(|e| e.slug.clone()).unwrap_or_default(),
        secret_path: s.folder.as_ref().map(|f| f.path.clone()).unwrap_or_else(|| "/".to_string()),
        connection_id: s.connection_id.clone(),
        rw_project: d.project_id.clone(),
        rw_project_name: d.project_name.clone(),
        rw_environment: d.environment_id.clone(),
        rw_environment_name: d.environment_name.clone(),
        rw_service: d.service_id.clone().unwrap_or_default(),
        rw_service_name: d.service_name.clone().unwrap_or_default(),
        initial_behavior: s.sync_options.initial_sync_behavior.clone(),
        key_schema: s.sync_options.key_schema.clone().unwrap_or_default(),
        tag_slugs: s.sync_options.tag_slugs.join(", "),
        auto_sync: Some(s.is_auto_sync_enabled.to_string()),
        disable_deletion: Some(s.sync_options.disable_secret_deletion.to_string()),
        redeploy: Some((s.sync_options.redeploy_policy != "none").to_string()),
        delete_only_owned: Some(s.sync_options.delete_only_owned.to_string()),
        drift_policy: s.sync_options.drift_policy.clone(),
        name: s.name.clone(),
        description: s.description.clone().unwrap_or_default(),
        ..Default::default()
    }
}

async fn load(state: &AppState, signed: &Signed, project: &str, sync: &str) -> UiResult<(ProjectOut, SecretSyncOut)> {
    let p = manage::get(state, &signed.actor, project).await?;
    let s = service::get(state, &signed.actor, sync).await?;
    if s.project_id != p.id {
        return Err(ApiError::not_found(format!("Could not find Railway Sync with ID \"{sync}\"")).into());
    }
    Ok((p, s))
}

async fn page(
    state: &AppState,
    signed: &Signed,
    p: ProjectOut,
    s: SecretSyncOut,
    step: Step,
    w: WizardForm,
    errors: FormErrors,
) -> UiResult<Response> {
    let mut list = Vec::new();
    let mut pickers = Pickers::default();
    if step == Step::Destination {
        let scope = ConnectionScopeQuery { organization_id: None, project_id: Some(p.id.clone()) };
        list = connections::available(state, &signed.actor, &scope).await?;
        if !w.connection_id.is_empty() {
            load_pickers(state, signed, &w, &mut pickers).await?;
        }
    }
    let extras = step_extras::load(state, signed, &p, &w, step).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let chrome = Chrome::new(signed, Section::Projects, format!("Edit {} · {}", step.label(), s.name)).in_project(
        &p.id,
        &p.name,
        "integrations",
    );
    let page = EditPage {
        chrome,
        step: step.slug(),
        step_label: step.label(),
        exclude_id: Some(s.id.clone()),
        project: p,
        sync: s,
        w,
        errors,
        connections: list,
        pickers,
        extras,
    };
    Ok(render_status(&page.chrome.clone(), status, page))
}

/// `GET …/{sync}/edit/{section}`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync, raw)): Path<(String, String, String)>,
) -> UiResult<Response> {
    let step = section(&raw)?;
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    let w = form_of(&s);
    page(&state, &signed, p, s, step, w, FormErrors::default()).await
}

/// `POST …/{sync}/edit/{section}`: checks the section like the wizard does, then saves
/// only that section.
pub async fn save(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, sync, raw)): Path<(String, String, String)>,
    UiForm(posted): UiForm<WizardForm>,
) -> UiResult<Response> {
    let step = section(&raw)?;
    let (p, s) = load(&state, &signed, &project, &sync).await?;
    // Start from the saved sync and take only this section's fields from the form.
    let mut w = form_of(&s);
    match step {
        Step::Source => {
            (w.environment, w.secret_path) = (posted.environment.clone(), posted.secret_path.clone());
            w.tag_slugs = posted.tag_slugs.clone();
        }
        Step::Destination => {
            w.connection_id = posted.connection_id.clone();
            w.rw_project = posted.rw_project.clone();
            w.rw_environment = posted.rw_environment.clone();
            w.rw_service = posted.rw_service.clone();
        }
        Step::Options => {
            w.initial_behavior = posted.initial_behavior.clone();
            w.key_schema = posted.key_schema.clone();
            w.auto_sync = posted.auto_sync.clone();
            w.disable_deletion = posted.disable_deletion.clone();
            w.redeploy = posted.redeploy.clone();
            w.delete_only_owned = posted.delete_only_owned.clone();
            w.drift_policy = posted.drift_policy.clone();
            w.options_posted = posted.options_posted.clone();
        }
        _ => (w.name, w.description) = (posted.name.clone(), posted.description.clone()),
    }
    w.step = step.slug().to_string();
    w.normalize();
    if posted.go == "load" {
        return page(&state, &signed, p, s, step, w, FormErrors::default()).await;
    }
    let errors = check_step(&state, &signed, &p, &mut w, step, Some(&s.id)).await?;
    if errors.any() {
        return page(&state, &signed, p, s, step, w, errors).await;
    }
    let body = w.body(&p.id);
    let patch = match step {
        Step::Source => {
            RailwaySyncPatch { environment: body.environment, secret_path: body.secret_path, ..Default::default() }
        }
        Step::Destination => RailwaySyncPatch {
            connection_id: body.connection_id,
            destination_config: body.destination_config,
            ..Default::default()
        },
        Step::Options => RailwaySyncPatch {
            sync_options: body.sync_options,
            is_auto_sync_enabled: body.is_auto_sync_enabled,
            ..Default::default()
        },
        _ => RailwaySyncPatch { name: body.name, description: Some(body.description), ..Default::default() },
    };
    match service::update(&state, &signed.actor, &s.id, &patch).await {
        Ok(saved) => {
            let queued = if saved.sync_status == Some(SyncStatus::Pending) && step != Step::Details {
                " A sync is queued."
            } else {
                ""
            };
            let to = format!("/projects/{}/syncs/{}", p.id, saved.id);
            Ok(redirect_with(&to, FlashKind::Success, &format!("{} saved.{queued}", step.label())))
        }
        Err(e) => {
            let errors = super::wizard::in_words(FormErrors::from_api(e, &FIELDS)?, &p, &w);
            page(&state, &signed, p, s, step, w, errors).await
        }
    }
}
