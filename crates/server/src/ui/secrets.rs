//! A project's secrets per environment and folder: the folder tree, subfolders, secret
//! imports and the secrets table with search. Values never reach the page until someone
//! asks for one (a reveal is its own request); references show as written (`${…}`),
//! never expanded. The forms are in [`super::secret_forms`].

use super::guard::Signed;
use super::page::{Chrome, FormErrors, Section, UiResult, render_status};
use crate::features::folders::service as folders;
use crate::features::imports::service as imports;
use crate::features::projects::manage;
use crate::features::secrets::read;
use crate::features::tags::service as tags;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sluice_api_types::folders::FoldersQuery;
use sluice_api_types::imports::{SecretImportOut, SecretImportsQuery};
use sluice_api_types::projects::{ProjectEnvOut, ProjectOut};
use sluice_api_types::secrets::{GetSecretQuery, ListSecretsQuery, ProjectSelector, TagOut};
use sluice_api_types::tags::ProjectTagOut;
use sluice_domain::FolderPath;

/// A folder in the tree.
pub struct TreeItem {
    pub path: String,
    pub name: String,
    pub depth: usize,
    pub current: bool,
}

/// A secret row.
pub struct SecretRowView {
    pub key: String,
    pub comment: String,
    /// Set only when this secret's value was asked for.
    pub revealed: Option<String>,
    /// The value contains a `${…}` reference (known only once revealed).
    pub has_reference: bool,
    /// With references: the value they expand to, which is what reads and syncs get.
    pub expanded: Option<String>,
    pub tags: Vec<TagOut>,
    /// Why references in the value do not resolve (empty when they all do).
    pub broken: Vec<String>,
}

/// Secrets an import brings (names only).
pub struct ImportView {
    pub import: SecretImportOut,
    pub keys: Vec<String>,
}

/// What the page's forms hold after a refused submit (the value is never sent back).
#[derive(Deserialize, serde::Serialize, Default, Clone, Debug)]
pub struct Draft {
    /// Which form: `secret`, `edit`, `folder` or `import`.
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub new_key: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub import_env: String,
    #[serde(default)]
    pub import_path: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "secrets/page.html")]
struct SecretsPage {
    chrome: Chrome,
    project: ProjectOut,
    env: ProjectEnvOut,
    path: String,
    /// (name, path) of each ancestor, for the breadcrumb.
    crumbs: Vec<(String, String)>,
    tree: Vec<TreeItem>,
    folders: Vec<TreeItem>,
    imports: Vec<ImportView>,
    secrets: Vec<SecretRowView>,
    /// The folder does not exist in this environment.
    missing: bool,
    q: String,
    /// The tag filter (a slug; empty: every secret) and the project's tags to pick from.
    tag: String,
    project_tags: Vec<ProjectTagOut>,
    editing: Option<String>,
    draft: Draft,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub q: String,
    /// Show only the secrets carrying this tag (a slug).
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub edit: Option<String>,
    #[serde(default)]
    pub reveal: Option<String>,
}

pub fn selector(project: &str) -> ProjectSelector {
    ProjectSelector { workspace_id: Some(project.to_string()), ..Default::default() }
}

/// The page's URL for a folder.
pub fn page_url(project: &str, env: &str, path: &str) -> String {
    let path: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/projects/{project}/secrets/{env}?path={path}")
}

/// A path from a query or form (`/` when absent or malformed).
pub fn folder_path(raw: Option<&str>) -> FolderPath {
    raw.and_then(|p| FolderPath::parse(p).ok()).unwrap_or_else(FolderPath::root)
}

fn crumbs(path: &FolderPath) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut at = FolderPath::root();
    for seg in path.segments() {
        at = at.join(seg);
        out.push((seg.to_string(), at.as_str().to_string()));
    }
    out
}

/// Renders the page; `draft`/`errors` re-open a refused form.
pub async fn render_page(
    state: &AppState,
    signed: &Signed,
    project: &str,
    env_slug: &str,
    q: PageQuery,
    draft: Draft,
    errors: FormErrors,
) -> UiResult<Response> {
    let p = manage::get(state, &signed.actor, project).await?;
    let env = p.environments.iter().find(|e| e.slug == env_slug).cloned().ok_or_else(|| {
        crate::error::ApiError::not_found(format!("There is no environment \"{env_slug}\" in this project"))
    })?;
    let path = folder_path(q.path.as_deref());
    let all = folders::list(
        state,
        &signed.actor,
        &FoldersQuery {
            workspace_id: Some(p.id.clone()),
            environment: Some(env.slug.clone()),
            path: Some("/".into()),
            recursive: Some("true".into()),
            ..Default::default()
        },
    )
    .await?;
    let missing = !path.is_root() && !all.iter().any(|f| f.path == path.as_str());
    let mut tree = vec![TreeItem { path: "/".into(), name: "/".into(), depth: 0, current: path.is_root() }];
    tree.extend(all.iter().map(|f| TreeItem {
        depth: f.path.matches('/').count(),
        current: f.path == path.as_str(),
        name: f.name.clone(),
        path: f.path.clone(),
    }));
    let children = all
        .iter()
        .filter(|f| FolderPath::from_trusted(f.path.clone()).parent().as_ref() == Some(&path))
        .map(|f| TreeItem { path: f.path.clone(), name: f.name.clone(), depth: 0, current: false })
        .collect();
    let (secrets, import_views) = if missing {
        (Vec::new(), Vec::new())
    } else {
        contents(state, signed, &p.id, &env.slug, &path, (q.reveal.as_deref(), &q.tag)).await?
    };
    let project_tags = tags::list(state, &signed.actor, &p.id).await?;
    let chrome =
        Chrome::new(signed, Section::Projects, format!("Secrets · {}", p.name)).in_project(&p.id, &p.name, "secrets");
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SecretsPage {
        chrome,
        crumbs: crumbs(&path),
        path: path.as_str().to_string(),
        tree,
        folders: children,
        imports: import_views,
        secrets,
        missing,
        q: q.q,
        tag: q.tag,
        project_tags,
        editing: q.edit.or_else(|| (draft.form == "edit").then(|| draft.key.clone())),
        draft,
        errors,
        env,
        project: p,
    };
    Ok(render_status(&page.chrome.clone(), status, page))
}

/// The folder's secrets (masked; one revealed when asked) and its imports.
async fn contents(
    state: &AppState,
    signed: &Signed,
    project: &str,
    env: &str,
    path: &FolderPath,
    (reveal, tag): (Option<&str>, &str),
) -> UiResult<(Vec<SecretRowView>, Vec<ImportView>)> {
    let listed = read::list(
        state,
        &signed.actor,
        &ListSecretsQuery {
            project: selector(project),
            environment: Some(env.to_string()),
            secret_path: Some(path.as_str().to_string()),
            view_secret_value: Some(false),
            include_imports: Some(true),
            tag_slugs: Some(tag.to_string()).filter(|t| !t.trim().is_empty()),
            ..Default::default()
        },
    )
    .await?;
    // Which values hold references that do not resolve (the values themselves are not kept).
    let expanded = read::list(
        state,
        &signed.actor,
        &ListSecretsQuery {
            project: selector(project),
            environment: Some(env.to_string()),
            secret_path: Some(path.as_str().to_string()),
            view_secret_value: Some(true),
            expand_secret_references: Some(true),
            ..Default::default()
        },
    )
    .await?;
    let broken: std::collections::HashMap<String, Vec<String>> = expanded
        .secrets
        .into_iter()
        .filter(|s| !s.reference_warnings.is_empty())
        .map(|s| (s.secret_key.clone(), s.reference_warnings.clone()))
        .collect();
    let mut rows = Vec::new();
    for s in listed.secrets {
        let (revealed, expanded) = match reveal {
            Some(k) if k == s.secret_key => {
                let shown = value_of(state, signed, project, env, path, k).await?;
                (Some(shown.raw), shown.expanded)
            }
            _ => (None, None),
        };
        rows.push(SecretRowView {
            broken: broken.get(&s.secret_key).cloned().unwrap_or_default(),
            has_reference: revealed.as_deref().is_some_and(|v| v.contains("${")),
            expanded,
            key: s.secret_key,
            comment: s.secret_comment.into_exposed(),
            revealed,
            tags: s.tags,
        });
    }
    let import_rows = imports::list(
        state,
        &signed.actor,
        &SecretImportsQuery {
            workspace_id: Some(project.to_string()),
            environment: Some(env.to_string()),
            path: Some(path.as_str().to_string()),
            ..Default::default()
        },
    )
    .await?;
    let views = import_rows
        .into_iter()
        .map(|import| {
            let keys = listed
                .imports
                .iter()
                .filter(|i| i.environment == import.import_env.slug && i.secret_path == import.import_path)
                .flat_map(|i| i.secrets.iter().map(|s| s.secret_key.clone()))
                .collect();
            ImportView { import, keys }
        })
        .collect();
    Ok((rows, views))
}

/// One secret's stored value, as written (references not expanded).
/// A revealed value: as written, and for a value with references what it expands to.
struct Shown {
    raw: String,
    expanded: Option<String>,
}

async fn value_of(
    state: &AppState,
    signed: &Signed,
    project: &str,
    env: &str,
    path: &FolderPath,
    key: &str,
) -> UiResult<Shown> {
    let query = |expand: bool| GetSecretQuery {
        project: selector(project),
        environment: Some(env.to_string()),
        secret_path: Some(path.as_str().to_string()),
        view_secret_value: Some(true),
        expand_secret_references: Some(expand),
        ..Default::default()
    };
    let raw = read::get(state, &signed.actor, key, &query(false)).await?.secret_value.into_exposed();
    let expanded = if raw.contains("${") {
        let value = read::get(state, &signed.actor, key, &query(true)).await?.secret_value.into_exposed();
        (value != raw).then_some(value)
    } else {
        None
    };
    Ok(Shown { raw, expanded })
}

/// `GET /projects/{project}/secrets/{env}?path=&q=&edit=&reveal=`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> UiResult<Response> {
    // A form refused by the previous post comes back open, with its messages.
    let (errors, draft) = signed.carried_form::<Draft>().unwrap_or_default();
    render_page(&state, &signed, &project, &env, q, draft.unwrap_or_default(), errors).await
}

#[derive(Deserialize)]
pub struct RevealQuery {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    key: String,
}

/// `GET …/reveal?path=&key=`: one value as `{value, expandedValue}` (what the Reveal button
/// fetches); `expandedValue` is set when references make what syncs get differ.
pub async fn reveal(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    Query(q): Query<RevealQuery>,
) -> Response {
    let p = match manage::get(&state, &signed.actor, &project).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let path = folder_path(q.path.as_deref());
    match value_of(&state, &signed, &p.id, &env, &path, &q.key).await {
        Ok(shown) => {
            let body = json!({ "key": q.key, "value": shown.raw, "expandedValue": shown.expanded });
            (super::page::page_headers(), Json(body)).into_response()
        }
        Err(super::page::UiError::Api(e)) => e.into_response(),
        Err(other) => other.into_response(),
    }
}
