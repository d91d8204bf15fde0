//! The forms of the secrets page: add, edit and delete secrets; add and delete folders
//! and secret imports. Each calls the API's service; a refusal redirects to the folder's
//! page, which shows the form open again with the message next to its field
//! ([`super::carry`]; the value typed is never echoed nor carried).

use super::UiForm;
use super::carry::redirect_with_errors;
use super::guard::Signed;
use super::page::{FlashKind, FormErrors, UiResult, redirect_with};
use super::secrets::{Draft, folder_path, page_url, selector};
use crate::error::ApiError;
use crate::features::folders::service as folders;
use crate::features::imports::service as imports;
use crate::features::secrets::write;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use sluice_api_types::folders::{FolderDeleteIn, FolderIn};
use sluice_api_types::imports::{ImportTargetIn, SecretImportDeleteIn, SecretImportIn};
use sluice_api_types::secrets::{SecretDeleteIn, SecretIn};
use sluice_domain::SecretValue;

/// Every field any of the page's forms posts. The value never prints.
#[derive(Debug, Deserialize, Default)]
pub struct SecretForm {
    #[serde(default)]
    path: Option<String>,
    #[serde(flatten)]
    draft: Draft,
    #[serde(default)]
    value: Option<SecretValue>,
    /// The secret import to delete.
    #[serde(default)]
    id: String,
}

const SECRET_FIELDS: [(&str, &str); 5] = [
    ("params.secretName", "key"),
    ("body.newSecretName", "new_key"),
    ("body.secretValue", "value"),
    ("body.secretComment", "comment"),
    ("body.secretPath", "key"),
];

/// Success goes back to the folder with a message; a refusal shows the form again.
fn finish<T>(
    (project, env): (&str, &str),
    form: SecretForm,
    result: Result<T, ApiError>,
    fields: &[(&str, &str)],
    done: impl FnOnce(&T) -> String,
) -> UiResult<Response> {
    let path = folder_path(form.path.as_deref());
    match result {
        Ok(v) => Ok(redirect_with(&page_url(project, env, path.as_str()), FlashKind::Success, &done(&v))),
        Err(e) => {
            // Shown on the folder's own page (a GET), not at this post's URL.
            let errors = FormErrors::from_api(e, fields)?;
            Ok(redirect_with_errors(&page_url(project, env, path.as_str()), &errors, &form.draft))
        }
    }
}

fn secret_in(project: &str, env: &str, path: &str) -> SecretIn {
    SecretIn {
        project: selector(project),
        environment: Some(env.to_string()),
        secret_path: Some(path.to_string()),
        ..Default::default()
    }
}

/// `POST …/secrets`: adds a secret.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(mut form): UiForm<SecretForm>,
) -> UiResult<Response> {
    form.draft.form = "secret".into();
    let path = folder_path(form.path.as_deref());
    let mut body = secret_in(&project, &env, path.as_str());
    body.secret_value = Some(form.value.take().unwrap_or_default());
    body.secret_comment = Some(SecretValue::from(form.draft.comment.as_str()));
    let key = form.draft.key.trim().to_string();
    let result = write::create(&state, &signed.actor, &key, &body).await;
    finish((&project, &env), form, result, &SECRET_FIELDS, |s| format!("Secret {} added.", s.secret_key))
}

/// `POST …/secrets/update`: renames, re-values or re-comments a secret. An empty value
/// field keeps the stored value.
pub async fn update(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(mut form): UiForm<SecretForm>,
) -> UiResult<Response> {
    form.draft.form = "edit".into();
    let path = folder_path(form.path.as_deref());
    let mut body = secret_in(&project, &env, path.as_str());
    body.secret_value = form.value.take().filter(|v| !v.is_empty());
    body.secret_comment = Some(SecretValue::from(form.draft.comment.as_str()));
    let new_key = form.draft.new_key.trim().to_string();
    body.new_secret_name = (!new_key.is_empty() && new_key != form.draft.key).then_some(new_key);
    let key = form.draft.key.clone();
    let result = write::update(&state, &signed.actor, &key, &body).await;
    finish((&project, &env), form, result, &SECRET_FIELDS, |s| format!("Secret {} saved.", s.secret_key))
}

/// `POST …/secrets/delete`.
pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(form): UiForm<SecretForm>,
) -> UiResult<Response> {
    let path = folder_path(form.path.as_deref());
    let body = SecretDeleteIn {
        project: selector(&project),
        environment: Some(env.clone()),
        secret_path: Some(path.as_str().to_string()),
        ..Default::default()
    };
    let key = form.draft.key.clone();
    let result = write::delete(&state, &signed.actor, &key, &body).await;
    finish((&project, &env), form, result, &[], |s| format!("Secret {} deleted.", s.secret_key))
}

/// `POST …/folders`: adds a subfolder here.
pub async fn create_folder(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(mut form): UiForm<SecretForm>,
) -> UiResult<Response> {
    form.draft.form = "folder".into();
    let path = folder_path(form.path.as_deref());
    let body = FolderIn {
        project: selector(&project),
        environment: Some(env.clone()),
        name: Some(form.draft.name.trim().to_string()),
        path: Some(path.as_str().to_string()),
        ..Default::default()
    };
    let result = folders::create(&state, &signed.actor, &body).await;
    let fields = [("body.name", "name")];
    finish((&project, &env), form, result, &fields, |f| format!("Folder {} created.", f.name))
}

/// `POST …/folders/delete`: deletes a subfolder (and everything in it).
pub async fn delete_folder(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(form): UiForm<SecretForm>,
) -> UiResult<Response> {
    let path = folder_path(form.path.as_deref());
    let body = FolderDeleteIn {
        project: selector(&project),
        environment: Some(env.clone()),
        path: Some(path.as_str().to_string()),
        ..Default::default()
    };
    let name = form.draft.name.clone();
    let result = folders::delete(&state, &signed.actor, &name, &body).await;
    finish((&project, &env), form, result, &[], |f| format!("Folder {} deleted with its secrets.", f.name))
}

/// `POST …/imports`: imports another environment's folder here.
pub async fn create_import(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(mut form): UiForm<SecretForm>,
) -> UiResult<Response> {
    form.draft.form = "import".into();
    let path = folder_path(form.path.as_deref());
    let body = SecretImportIn {
        project: selector(&project),
        environment: Some(env.clone()),
        path: Some(path.as_str().to_string()),
        import: Some(ImportTargetIn {
            environment: Some(form.draft.import_env.clone()),
            path: Some(form.draft.import_path.trim().to_string()),
        }),
        ..Default::default()
    };
    let result = imports::create(&state, &signed.actor, &body).await;
    let fields = [("body.import.environment", "import_env"), ("body.import.path", "import_path")];
    finish((&project, &env), form, result, &fields, |i| {
        format!("Now importing {} {}.", i.import_env.name, i.import_path)
    })
}

/// `POST …/imports/delete`.
pub async fn delete_import(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, env)): Path<(String, String)>,
    UiForm(form): UiForm<SecretForm>,
) -> UiResult<Response> {
    let path = folder_path(form.path.as_deref());
    let body = SecretImportDeleteIn {
        project: selector(&project),
        environment: Some(env.clone()),
        path: Some(path.as_str().to_string()),
        ..Default::default()
    };
    let id = form.id.clone();
    let result = imports::delete(&state, &signed.actor, &id, &body).await;
    finish((&project, &env), form, result, &[], |i| {
        format!("Import of {} {} removed.", i.import_env.name, i.import_path)
    })
}
