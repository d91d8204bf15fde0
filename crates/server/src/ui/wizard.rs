//! The Add Sync wizard, the seed's steps: pick Railway → Source → Destination (pickers
//! loaded from Railway through the connection) → Sync options → Details (name checked as
//! you type) → Review (the configuration and the plan of the first sync) → Create.
//!
//! Each step is its own page at its own address, reached by GET with the draft in the query
//! ([`super::wizard_form`]). A step's form posts the whole state; "Next" checks the step with
//! the API's own parser and services (so the wizard refuses exactly what the API refuses)
//! and redirects to the next step's address, or back to the same step with the problems
//! carried along ([`super::carry`]). Back, Forward and reload never re-post a form.

use super::UiForm;
use super::carry::redirect_with_errors;
use super::guard::Signed;
use super::page::{Chrome, FlashKind, FormErrors, Section, UiError, UiResult, redirect_with, render, render_status};
use super::step_extras::{self, StepExtras};
use super::view::{PlanDisplay, initial_behavior_label};
use super::wizard_form::{FIELDS, STEPS, Step, WizardForm, errors_of_step, first_step_with_errors};
use crate::auth::authz::Need;
use crate::error::ApiError;
use crate::features::connections::service as connections;
use crate::features::projects::manage;
use crate::features::syncs::{actions, input, service};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use sluice_api_types::connections::{
    AvailableConnectionOut, ConnectionScopeQuery, NamedOut, RailwayEnvironmentOut, RailwayProjectOut,
};
use sluice_api_types::projects::ProjectOut;
use sluice_domain::{FolderPath, Slug};

/// A step in the stepper.
pub struct StepView {
    pub label: &'static str,
    /// `done`, `current` or `todo`.
    pub state: &'static str,
    /// The address of a completed step with the draft (empty for the others).
    pub href: String,
}

/// The Railway pickers as far as they can be filled on the server.
#[derive(Default)]
pub struct Pickers {
    pub projects: Vec<RailwayProjectOut>,
    pub environments: Vec<RailwayEnvironmentOut>,
    /// The chosen project's services; with an environment chosen, only those deployed there.
    pub services: Vec<NamedOut>,
    /// Railway's refusal when the projects could not be listed.
    pub error: Option<String>,
    pub loaded: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "syncs/wizard.html")]
struct WizardPage {
    chrome: Chrome,
    project: ProjectOut,
    step: &'static str,
    step_label: &'static str,
    steps: Vec<StepView>,
    w: WizardForm,
    errors: FormErrors,
    connections: Vec<AvailableConnectionOut>,
    pickers: Pickers,
    /// Review: the first sync's plan, or why it could not be computed.
    plan: Option<PlanDisplay>,
    plan_error: Option<String>,
    connection_name: String,
    source_env_name: String,
    behavior_label: &'static str,
    /// The sync being renamed (none in the wizard).
    exclude_id: Option<String>,
    extras: StepExtras,
}

#[derive(Template, WebTemplate)]
#[template(path = "syncs/pick.html")]
struct PickPage {
    chrome: Chrome,
    project: ProjectOut,
}

fn chrome(signed: &Signed, p: &ProjectOut, title: &str) -> Chrome {
    Chrome::new(signed, Section::Projects, format!("{title} · {}", p.name)).in_project(&p.id, &p.name, "integrations")
}

/// `GET /projects/{project}/syncs/new`: pick a destination.
pub async fn pick(State(state): State<AppState>, signed: Signed, Path(project): Path<String>) -> UiResult<Response> {
    let p = manage::get(&state, &signed.actor, &project).await?;
    let page = PickPage { chrome: chrome(&signed, &p, "Add Sync"), project: p };
    Ok(render(&page.chrome.clone(), page))
}

/// `GET /projects/{project}/syncs/new/railway[?step=…&…]`: a step of the wizard, with the
/// draft its address carries ([`WizardForm::step_url`]); without a step, a fresh wizard.
/// Adding a connection from the destination step comes back here with
/// `?step=destination&…&connection_id=…`. Problems of the post that led here were carried
/// along ([`super::carry`]) and show once.
pub async fn start(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
) -> UiResult<Response> {
    let p = manage::get(&state, &signed.actor, &project).await?;
    let slugs: Vec<&str> = p.environments.iter().map(|e| e.slug.as_str()).collect();
    let (w, step) = WizardForm::from_query(query.as_deref().unwrap_or_default(), &slugs);
    let errors = signed.carried_form::<()>().map(|(e, _)| e).unwrap_or_default();
    show(&state, &signed, p, w, step, errors).await
}

/// `POST /projects/{project}/syncs/new/railway`: moves between steps, and creates. Every
/// answer is a redirect (303) to a step's own address, or to the list once created, so
/// the address bar never holds a post.
pub async fn step(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    UiForm(mut w): UiForm<WizardForm>,
) -> UiResult<Response> {
    let p = manage::get(&state, &signed.actor, &project).await?;
    let current = Step::parse(&w.step);
    w.normalize();
    let go = |w: &WizardForm, to: Step| Redirect::to(&w.step_url(&p.id, to)).into_response();
    match w.go.as_str() {
        "back" => Ok(go(&w, current.prev())),
        "load" => Ok(go(&w, current)),
        "create" => create(&state, &signed, &p, w).await,
        _ => {
            let errors = check_step(&state, &signed, &p, &mut w, current, None).await?;
            if errors.any() {
                Ok(redirect_with_errors(&w.step_url(&p.id, current), &errors, &()))
            } else {
                Ok(go(&w, current.next()))
            }
        }
    }
}

/// The problems of one step, using the API's parser and services. `renaming` is the
/// sync whose own name does not count as taken.
pub(super) async fn check_step(
    state: &AppState,
    signed: &Signed,
    p: &ProjectOut,
    w: &mut WizardForm,
    step: Step,
    renaming: Option<&str>,
) -> UiResult<FormErrors> {
    let mut errors = FormErrors::default();
    match step {
        Step::Destination => {
            if w.connection_id.trim().is_empty() {
                errors.field("connection_id", "Choose a Railway connection.");
            } else if w.rw_project.trim().is_empty() {
                errors.field("rw_project", "Choose a Railway project.");
            } else if w.rw_environment.trim().is_empty() {
                errors.field("rw_environment", "Choose a Railway environment.");
            } else {
                name_destination(state, signed, w, &mut errors).await?;
            }
        }
        Step::Details => {
            if let Ok(name) = Slug::parse(&w.name, "name", input::NAME_MAX)
                && !service::name_available(state, &signed.actor, &p.id, name.as_str(), renaming).await?
            {
                errors.field("name", format!("A sync named \"{}\" already exists in this project.", name.as_str()));
            }
        }
        _ => {}
    }
    if let Err(e) = input::parse_create(&w.body(&p.id), step == Step::Details) {
        let parsed = errors_of_step(FormErrors::from_api(e, &FIELDS)?, step);
        for (f, m) in parsed.fields {
            if !errors.has(&f) {
                errors.field(&f, m);
            }
        }
    }
    if step == Step::Source
        && !errors.any()
        && let Err(e) = check_source(state, signed, p, w).await
    {
        // "Could not find folder with path …" belongs next to the path.
        let found = in_words(FormErrors::from_api(e, &FIELDS)?, p, w);
        match found.general {
            Some(m) if found.fields.is_empty() => errors.field("secret_path", m),
            _ => errors = found,
        }
    }
    Ok(errors)
}

/// The API's "Could not find folder with path … for project with ID …" (Infisical's words)
/// said as a person needs it: which folder, in which environment, and what to do.
pub(super) fn in_words(mut errors: FormErrors, p: &ProjectOut, w: &WizardForm) -> FormErrors {
    if errors.general.as_deref().is_some_and(|m| m.starts_with("Could not find folder with path")) {
        let slug = w.environment.trim();
        let env = p.environments.iter().find(|e| e.slug == slug).map_or(slug, |e| e.name.as_str());
        errors.general = Some(format!(
            "There is no folder \"{}\" in {env}. Pick one of its folders, or add the folder on the Secrets page first.",
            w.secret_path.trim()
        ));
    }
    errors
}

/// The source folder must exist (the create call checks it again).
async fn check_source(state: &AppState, signed: &Signed, p: &ProjectOut, w: &WizardForm) -> Result<(), ApiError> {
    let pid = manage::project_id(&p.id, "params.projectId")?;
    let path = FolderPath::parse_field(w.secret_path.trim(), "secretPath")?;
    let mut conn = state.store.read().await?;
    manage::access(state, &mut conn, &signed.actor, &pid, Need::Write, "create", "secret-syncs").await?;
    service::resolve_source(&mut conn, &pid, w.environment.trim(), &path).await?;
    Ok(())
}

/// Looks the chosen Railway project, environment and service up through the connection
/// and keeps their names (the API stores them for display).
async fn name_destination(
    state: &AppState,
    signed: &Signed,
    w: &mut WizardForm,
    errors: &mut FormErrors,
) -> UiResult<()> {
    let projects = match connections::railway_projects(state, &signed.actor, w.connection_id.trim()).await {
        Ok(p) => p,
        Err(e) => {
            let why = FormErrors::from_api(e, &[])?.general.unwrap_or_default();
            errors.field("connection_id", why);
            return Ok(());
        }
    };
    let Some(project) = projects.iter().find(|p| p.id == w.rw_project.trim()) else {
        errors.field("rw_project", "This connection cannot write to the chosen project; choose another.");
        return Ok(());
    };
    let Some(env) = project.environments.iter().find(|e| e.id == w.rw_environment.trim()) else {
        errors.field("rw_environment", "Choose an environment of the chosen project.");
        return Ok(());
    };
    w.rw_project_name = project.name.clone();
    w.rw_environment_name = env.name.clone();
    w.rw_service_name.clear();
    if !w.shared() {
        match project.services.iter().find(|s| s.id == w.rw_service.trim()) {
            Some(s) if env.service_ids.contains(&s.id) => w.rw_service_name = s.name.clone(),
            Some(s) => errors.field(
                "rw_service",
                format!(
                    "{} has no instance in {}; choose a service deployed there, or none for shared variables.",
                    s.name, env.name
                ),
            ),
            None => errors.field("rw_service", "Choose a service of the chosen project, or none for shared variables."),
        }
    }
    Ok(())
}

async fn create(state: &AppState, signed: &Signed, p: &ProjectOut, w: WizardForm) -> UiResult<Response> {
    match service::create(state, &signed.actor, &w.body(&p.id)).await {
        Ok(s) => {
            let message = if s.is_auto_sync_enabled {
                format!("Sync \"{}\" created. Its first sync is queued.", s.name)
            } else {
                format!("Sync \"{}\" created. Auto-sync is off: use Sync now to push.", s.name)
            };
            Ok(redirect_with(&format!("/projects/{}/integrations", p.id), FlashKind::Success, &message))
        }
        Err(e) => {
            let mut errors = FormErrors::from_api(e, &FIELDS)?;
            let back_to = first_step_with_errors(&errors).unwrap_or_else(|| {
                // A duplicate name is a 400 without a field: it belongs to the details step.
                if let Some(g) = errors.general.clone().filter(|g| g.contains("already exists")) {
                    errors.field("name", g);
                    Step::Details
                } else {
                    Step::Review
                }
            });
            Ok(redirect_with_errors(&w.step_url(&p.id, back_to), &errors, &()))
        }
    }
}

/// Renders `step` with what it needs loaded.
async fn show(
    state: &AppState,
    signed: &Signed,
    p: ProjectOut,
    mut w: WizardForm,
    step: Step,
    errors: FormErrors,
) -> UiResult<Response> {
    if step == Step::Details && w.name.trim().is_empty() && errors.fields.is_empty() {
        // Arriving at the step: a name from where the sync writes, to keep or change.
        w.name = w.suggested_name();
    }
    let mut connections_list = Vec::new();
    let mut pickers = Pickers::default();
    if step == Step::Destination || step == Step::Review {
        let scope = ConnectionScopeQuery { organization_id: None, project_id: Some(p.id.clone()) };
        connections_list = connections::available(state, &signed.actor, &scope).await?;
        if w.connection_id.is_empty() && connections_list.len() == 1 {
            w.connection_id = connections_list[0].id.clone();
        }
    }
    if step == Step::Destination && !w.connection_id.is_empty() {
        load_pickers(state, signed, &w, &mut pickers).await?;
    }
    let (plan, plan_error) = if step == Step::Review && errors.fields.is_empty() {
        match actions::plan_unsaved(state, &signed.actor, &w.body(&p.id)).await {
            Ok(plan) => (Some(PlanDisplay::new(&plan)), None),
            Err(e) => (None, Some(FormErrors::from_api(e, &[])?.general.unwrap_or_default())),
        }
    } else {
        (None, None)
    };
    let connection_name =
        connections_list.iter().find(|c| c.id == w.connection_id).map(|c| c.name.clone()).unwrap_or_default();
    let source_env_name = p
        .environments
        .iter()
        .find(|e| e.slug == w.environment)
        .map(|e| e.name.clone())
        .unwrap_or_else(|| w.environment.clone());
    let steps = STEPS
        .iter()
        .map(|s| StepView {
            label: s.label(),
            state: if *s == step {
                "current"
            } else if s.is_before(step) {
                "done"
            } else {
                "todo"
            },
            href: if s.is_before(step) { w.step_url(&p.id, *s) } else { String::new() },
        })
        .collect();
    let extras = step_extras::load(state, signed, &p, &w, step).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = WizardPage {
        chrome: chrome(signed, &p, "Add Railway Sync"),
        step: step.slug(),
        step_label: step.label(),
        steps,
        behavior_label: initial_behavior_label(&w.initial_behavior),
        w,
        errors,
        connections: connections_list,
        pickers,
        plan,
        plan_error,
        connection_name,
        source_env_name,
        exclude_id: None,
        extras,
        project: p,
    };
    Ok(render_status(&page.chrome.clone(), status, page))
}

pub(super) async fn load_pickers(
    state: &AppState,
    signed: &Signed,
    w: &WizardForm,
    pickers: &mut Pickers,
) -> UiResult<()> {
    match connections::railway_projects(state, &signed.actor, &w.connection_id).await {
        Ok(projects) => {
            if let Some(chosen) = projects.iter().find(|p| p.id == w.rw_project) {
                pickers.environments = chosen.environments.clone();
                let deployed = chosen.environments.iter().find(|e| e.id == w.rw_environment.trim());
                pickers.services = chosen
                    .services
                    .iter()
                    .filter(|s| deployed.is_none_or(|e| e.service_ids.contains(&s.id)))
                    .cloned()
                    .collect();
            }
            pickers.projects = projects;
            pickers.loaded = true;
        }
        Err(e) => pickers.error = FormErrors::from_api(e, &[])?.general,
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct ConnectionQuery {
    #[serde(default)]
    connection: String,
}

/// `GET …/syncs/new/railway/projects?connection=`: the pickers' data, as JSON, with
/// Railway's own message when it refuses.
pub async fn railway_projects(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    Query(q): Query<ConnectionQuery>,
) -> Response {
    let listed = async {
        manage::get(&state, &signed.actor, &project).await?;
        connections::railway_projects(&state, &signed.actor, &q.connection).await
    };
    match listed.await {
        Ok(projects) => (super::page::page_headers(), Json(json!({ "projects": projects }))).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct NameQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    exclude: Option<String>,
}

/// `GET /projects/{project}/syncs/name-check?name=`: `{ok, message}` for the name field.
pub async fn name_check(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    Query(q): Query<NameQuery>,
) -> UiResult<Response> {
    let (ok, message) = match Slug::parse(&q.name, "name", input::NAME_MAX) {
        Err(e) => (false, e.message),
        Ok(name) => {
            if service::name_available(&state, &signed.actor, &project, name.as_str(), q.exclude.as_deref())
                .await
                .map_err(UiError::from)?
            {
                (true, format!("\"{}\" is available.", name.as_str()))
            } else {
                (false, format!("A sync named \"{}\" already exists in this project.", name.as_str()))
            }
        }
    };
    Ok((super::page::page_headers(), Json(json!({ "ok": ok, "message": message }))).into_response())
}
