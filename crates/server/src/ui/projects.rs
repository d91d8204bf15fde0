//! Projects: the list (with a form to create one, and each project's secret version
//! limit) and a project's landing page, which is its first environment's secrets.

use super::UiForm;
use super::guard::Signed;
use super::page::{Chrome, FlashKind, FormErrors, Section, UiResult, redirect_with, render, render_status};
use crate::features::orgs::service::list_orgs;
use crate::features::projects::{manage, retention};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sluice_api_types::projects::{ProjectIn, ProjectOut};

/// An organization to create a project in (shown when the user has several).
pub struct OrgChoice {
    pub id: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "projects.html")]
struct ProjectsPage {
    chrome: Chrome,
    projects: Vec<ProjectOut>,
    orgs: Vec<OrgChoice>,
    form: NewProjectForm,
    errors: FormErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewProjectForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub organization: String,
}

async fn page(state: &AppState, signed: &Signed, form: NewProjectForm, errors: FormErrors) -> UiResult<ProjectsPage> {
    let projects = manage::list(state, &signed.actor).await?;
    let orgs = list_orgs(state, &signed.actor)
        .await?
        .organizations
        .into_iter()
        .map(|o| OrgChoice { id: o.id, name: o.name })
        .collect();
    Ok(ProjectsPage { chrome: Chrome::new(signed, Section::Projects, "Projects"), projects, orgs, form, errors })
}

/// `GET /projects`.
pub async fn list(State(state): State<AppState>, signed: Signed) -> UiResult<Response> {
    let p = page(&state, &signed, NewProjectForm::default(), FormErrors::default()).await?;
    Ok(render(&p.chrome.clone(), p))
}

/// `POST /projects`: creates a project (with dev, staging and prod) and opens it.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    UiForm(form): UiForm<NewProjectForm>,
) -> UiResult<Response> {
    let input = ProjectIn {
        project_name: form.name.clone(),
        project_description: Some(form.description.clone()),
        slug: None,
        kind: None,
        organization_id: Some(form.organization.clone()).filter(|o| !o.trim().is_empty()),
    };
    match manage::create(&state, &signed.actor, &input).await {
        Ok(project) => Ok(redirect_with(
            &format!("/projects/{}", project.id),
            FlashKind::Success,
            &format!("Project \"{}\" created with environments {}.", project.name, env_names(&project)),
        )),
        Err(e) => {
            let errors = FormErrors::from_api(
                e,
                &[
                    ("body.projectName", "name"),
                    ("body.projectDescription", "description"),
                    ("body.organizationId", "organization"),
                ],
            )?;
            let p = page(&state, &signed, form, errors).await?;
            Ok(render_status(&p.chrome.clone(), StatusCode::UNPROCESSABLE_ENTITY, p))
        }
    }
}

fn env_names(p: &ProjectOut) -> String {
    p.environments.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// `GET /projects/{project}`: the first environment's secrets.
pub async fn show(State(state): State<AppState>, signed: Signed, Path(project): Path<String>) -> UiResult<Response> {
    let p = manage::get(&state, &signed.actor, &project).await?;
    Ok(match p.environments.first() {
        Some(env) => Redirect::to(&format!("/projects/{}/secrets/{}", p.id, env.slug)).into_response(),
        None => Redirect::to(&format!("/projects/{}/integrations", p.id)).into_response(),
    })
}

/// The version-limit form of a project card.
#[derive(Deserialize, Default)]
pub struct VersionLimitForm {
    #[serde(default)]
    pub pit_version_limit: String,
}

/// `POST /projects/{project}/version-limit`: sets how many versions each secret keeps
/// (project admins), through the API's rules; the list shows the outcome.
pub async fn set_version_limit(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    UiForm(form): UiForm<VersionLimitForm>,
) -> UiResult<Response> {
    let raw = form.pit_version_limit.trim();
    // A number where the field holds one; anything else is reported as the API reports it.
    let value = serde_json::from_str::<serde_json::Value>(raw).unwrap_or_else(|_| serde_json::Value::from(raw));
    Ok(match retention::set_version_limit(&state, &signed.actor, &project, &value).await {
        Ok(p) => redirect_with(
            "/projects",
            FlashKind::Success,
            &format!("Project \"{}\" keeps the newest {} versions of each secret.", p.name, p.pit_version_limit),
        ),
        Err(e) => redirect_with("/projects", FlashKind::Error, &e.to_string()),
    })
}
