//! Reading secrets through the API: list (`GET /api/v3/secrets/raw`, `/api/v4/secrets`)
//! and get one (`…/{secretName}`), with every parameter Infisical's clients send.
//!
//! The single-secret read is the hot path: after authentication (tokens and roles are
//! cached) and the project key (cached), it is one query over three unique indexes
//! (`secrets::get_at_counting_tags`; the tags are read only for a secret that has some),
//! one or two AES-GCM opens, and nothing else. Everything else
//! (references, imports, versions, the reason for a 404) happens only when asked or
//! needed.
//!
//! `skipMultilineEncoding` acts on reads as in Infisical: when references are expanded, a
//! secret that has it and whose stored value holds a reference is shown as one quoted line
//! with `\n` for each newline ([`SecretValue::multiline_encoded`]); no other value changes.

use super::answers::{Answer, AnswerKey};
use super::location::{self, At, READ_SECRETS, Scope, Source};
use super::tagging;
use super::wire::{Shown, secret_out, version_out};
use crate::auth::Actor;
use crate::auth::authz::{self, ProjectAccess};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sluice_api_types::secrets::{
    GetSecretQuery, ImportedSecretsOut, ListSecretsQuery, SecretEnvelope, SecretOut, SecretsListOut,
};
use sluice_core::secrets::RowIdentity;
use sluice_core::secrets::resolve::{Resolver, SecretView, ViewOptions};
use sluice_domain::references::{self, RefLocation};
use sluice_domain::{FolderId, FolderPath, SecretKey, SecretValue};
use sluice_storage::Conn;
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::secrets;
use std::sync::Arc;

pub fn secret_not_found(key: &str) -> ApiError {
    ApiError::not_found(format!("Secret with name '{key}' not found"))
}

/// Refuses anything but shared secrets. `field` names the parameter.
pub fn check_type(raw: Option<&str>, field: &str) -> ApiResult<()> {
    match raw.map(str::trim) {
        None | Some("") | Some("shared") => Ok(()),
        Some("personal") => Err(ApiError::bad_request(
            "Personal secrets (type \"personal\") are not supported: Sluice keeps shared secrets only, without personal overrides",
        )),
        Some(other) => Err(ApiError::invalid(field, format!("type must be \"shared\" (got \"{other}\")"))),
    }
}

/// A view as Infisical's secret object, in project `project_id`.
pub fn view_out(project_id: &str, v: SecretView) -> SecretOut {
    let path = v.path.as_str().to_string();
    let mut out = secret_out(&v.row, Shown { project_id, env_slug: &v.env_slug, path: &path }, v.value, v.comment);
    out.reference_warnings = super::wire::reference_warnings(&v.broken);
    out
}

/// The value shown for a secret whose stored value is `raw` and whose references expanded
/// to `expanded`: encoded on one line when the secret asks for `skipMultilineEncoding`
/// and `raw` had references (Infisical encodes only what it expanded).
fn multiline(skip_multiline_encoding: bool, raw: &SecretValue, expanded: SecretValue) -> SecretValue {
    if skip_multiline_encoding && !references::references(raw.expose()).is_empty() {
        expanded.multiline_encoded()
    } else {
        expanded
    }
}

/// A view read with `opts`, its value encoded by [`multiline`] when references were expanded.
fn encoded(r: &mut Resolver, mut view: SecretView, opts: ViewOptions) -> ApiResult<SecretView> {
    if !(opts.expand && view.row.skip_multiline_encoding) {
        return Ok(view);
    }
    let loc = RefLocation::new(view.env_slug.clone(), view.path.clone());
    if let (Some(raw), Some(expanded)) = (r.value(&loc, &view.row.key)?, view.value.take()) {
        view.value = Some(multiline(true, &raw, expanded));
    }
    Ok(view)
}

/// `GET /api/v3/secrets/raw`: the folder's secrets (and, with `recursive`, its
/// subfolders'), and what its imports bring (`imports` is always present).
pub async fn list(state: &AppState, actor: &Actor, q: &ListSecretsQuery) -> ApiResult<SecretsListOut> {
    let mut conn = state.store.read().await?;
    let scope = list_scope(state, &mut conn, actor, q).await?;
    list_in(state, &mut conn, &scope, q).await
}

/// The list's answer ready to send, from [`super::answers::AnswerCache`] while the project is unchanged.
/// Access is checked first, on every request.
pub async fn list_body(state: &AppState, actor: &Actor, q: &ListSecretsQuery) -> ApiResult<Arc<Answer>> {
    let mut conn = state.store.read().await?;
    let scope = list_scope(state, &mut conn, actor, q).await?;
    if !state.answers.enabled() {
        return Ok(Arc::new(Answer::of(&list_in(state, &mut conn, &scope, q).await?)?));
    }
    let key = AnswerKey {
        principal: format!("{:?}", actor.principal),
        project: scope.project().clone(),
        query: format!("{:?}|{}|{}", q, scope.env.id.as_str(), scope.path.as_str()),
    };
    // Read before the answer is made: a write after it raises the counter, so an answer
    // that already holds it is simply never served again.
    let version = state.store.change_counter(&mut conn, scope.project()).await?;
    if let Some(hit) = state.answers.get(&key, version) {
        return Ok(hit);
    }
    let body = Arc::new(Answer::of(&list_in(state, &mut conn, &scope, q).await?)?);
    state.answers.insert(key, version, body.clone());
    Ok(body)
}

impl Answer {
    /// The JSON of `out` and its `ETag`.
    pub fn of(out: &impl serde::Serialize) -> ApiResult<Answer> {
        let json = serde_json::to_vec(out).map_err(ApiError::internal)?;
        let etag = format!("\"{}\"", &sluice_crypto::tokens::digest_bytes(&json)[..32]);
        Ok(Answer { json: json.into(), etag })
    }
}

async fn list_scope(state: &AppState, conn: &mut Conn, actor: &Actor, q: &ListSecretsQuery) -> ApiResult<Scope> {
    let at = At {
        project: &q.project,
        environment: q.environment.as_deref(),
        path: q.secret_path.as_deref(),
        src: Source::Query,
        path_field: "secretPath",
    };
    location::scope(state, conn, actor, at, READ_SECRETS).await
}

async fn list_in(state: &AppState, conn: &mut Conn, scope: &Scope, q: &ListSecretsQuery) -> ApiResult<SecretsListOut> {
    let reveal = q.view_secret_value.unwrap_or(true);
    let opts = ViewOptions { reveal, expand: reveal && q.expand_secret_references.unwrap_or(false) };
    let include_imports = q.include_imports_snake.or(q.include_imports).unwrap_or(false);
    let mut out = SecretsListOut { secrets: Vec::new(), imports: Vec::new() };
    let slugs = tagging::slugs_in(q.tag_slugs.as_deref());
    let listed: Vec<FolderRow> = if q.recursive.unwrap_or(false) {
        let mut all = folders::subtree(conn, &scope.env.id, &scope.path).await?;
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    } else {
        // Infisical lists a missing folder as empty.
        folders::get_by_path(conn, &scope.env.id, &scope.path).await?.into_iter().collect()
    };
    let mut r = Resolver::new(&state.core, conn, scope.project()).await?;
    r.know_env(&scope.env);
    let pid = scope.project().as_str().to_string();
    for folder in &listed {
        let loc = RefLocation::new(scope.env.slug.clone(), folder.path.clone());
        r.load(conn, &loc).await?;
        for view in r.views(conn, &loc, opts).await? {
            out.secrets.push(view_out(&pid, encoded(&mut r, view, opts)?));
        }
    }
    if include_imports {
        for folder in &listed {
            for import in r.imports_of(conn, folder, opts).await? {
                out.imports.push(ImportedSecretsOut {
                    secret_path: import.path.as_str().to_string(),
                    environment: import.env.slug.clone(),
                    folder_id: import.folder_id.map(FolderId::into_string).unwrap_or_default(),
                    secrets: import
                        .secrets
                        .into_iter()
                        .map(|v| Ok(view_out(&pid, encoded(&mut r, v, opts)?)))
                        .collect::<ApiResult<_>>()?,
                });
            }
        }
    }
    let listed_ids: Vec<FolderId> = listed.iter().map(|f| f.id.clone()).collect();
    tagging::fill_from_folders(conn, &listed_ids, &mut out.secrets).await?;
    out.secrets.retain(|s| tagging::passes(s, &slugs));
    for import in &mut out.imports {
        tagging::fill(conn, &mut import.secrets).await?;
        import.secrets.retain(|s| tagging::passes(s, &slugs));
    }
    Ok(out)
}

/// Query flags of a get.
struct GetFlags {
    reveal: bool,
    expand: bool,
    include_imports: bool,
    version: Option<i64>,
}

fn get_flags(q: &GetSecretQuery) -> ApiResult<GetFlags> {
    check_type(q.secret_type.as_deref(), "query.type")?;
    let version = match q.version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                return Err(ApiError::invalid(
                    "query.version",
                    format!("version must be a whole number of 1 or more (got \"{raw}\")"),
                ));
            }
        },
    };
    let reveal = q.view_secret_value.unwrap_or(true);
    Ok(GetFlags {
        reveal,
        expand: reveal && q.expand_secret_references.unwrap_or(false),
        include_imports: q.include_imports_snake.or(q.include_imports).unwrap_or(false),
        version,
    })
}

/// A get's parameters, checked (before anything is read).
struct GetAsked {
    key: SecretKey,
    flags: GetFlags,
    env_slug: String,
    path: FolderPath,
}

fn get_asked(name: &str, q: &GetSecretQuery) -> ApiResult<GetAsked> {
    let key = SecretKey::parse_field(name, "params.secretName")?;
    let flags = get_flags(q)?;
    let env_slug = location::env_param(q.environment.as_deref(), Source::Query)?.to_string();
    let path = location::path_param(q.secret_path.as_deref(), "query.secretPath")?;
    Ok(GetAsked { key, flags, env_slug, path })
}

/// The project asked for, if `actor` may read its secrets.
async fn readable(state: &AppState, conn: &mut Conn, actor: &Actor, q: &GetSecretQuery) -> ApiResult<ProjectAccess> {
    let project = location::project_of(conn, actor, &q.project, Source::Query).await?;
    let access = authz::project(state, conn, actor, &project).await?;
    access.require(READ_SECRETS.need, READ_SECRETS.action, READ_SECRETS.subject)?;
    Ok(access)
}

/// `GET /api/v3/secrets/raw/{secretName}`'s answer ready to send: from [`super::answers::AnswerCache`]
/// while the project is unchanged (a past `version` is always read). The parameters are
/// checked and access decided first, on every request.
pub async fn get_answer(state: &AppState, actor: &Actor, name: &str, q: &GetSecretQuery) -> ApiResult<Arc<Answer>> {
    let asked = get_asked(name, q)?;
    let mut conn = state.store.read().await?;
    let access = readable(state, &mut conn, actor, q).await?;
    if !state.answers.enabled() || asked.flags.version.is_some() {
        let secret = get_in(state, &mut conn, access, asked).await?;
        return Ok(Arc::new(Answer::of(&SecretEnvelope { secret })?));
    }
    let project = access.project_id.clone();
    let key = AnswerKey { principal: format!("{:?}", actor.principal), project, query: format!("get|{name}|{q:?}") };
    // Taken before the answer is made, as for lists.
    let version = state.store.change_counter(&mut conn, &key.project).await?;
    if let Some(hit) = state.answers.get(&key, version) {
        return Ok(hit);
    }
    let body = Arc::new(Answer::of(&SecretEnvelope { secret: get_in(state, &mut conn, access, asked).await? })?);
    state.answers.insert(key, version, body.clone());
    Ok(body)
}

/// `GET /api/v3/secrets/raw/{secretName}`, with the secret's tags (one pooled connection
/// for the whole read).
pub async fn get(state: &AppState, actor: &Actor, name: &str, q: &GetSecretQuery) -> ApiResult<SecretOut> {
    let asked = get_asked(name, q)?;
    let mut conn = state.store.read().await?;
    let access = readable(state, &mut conn, actor, q).await?;
    get_in(state, &mut conn, access, asked).await
}

/// The secret asked for in the project `access` allows reading, with its tags.
async fn get_in(state: &AppState, conn: &mut Conn, access: ProjectAccess, asked: GetAsked) -> ApiResult<SecretOut> {
    let (out, tagged) = get_untagged(state, conn, access, asked).await?;
    let mut out = [out];
    if tagged {
        tagging::fill(conn, &mut out).await?;
    }
    let [out] = out;
    Ok(out)
}

/// The secret object without its tags, and whether it may carry any (false when the read
/// counted none).
async fn get_untagged(
    state: &AppState,
    conn: &mut Conn,
    access: ProjectAccess,
    asked: GetAsked,
) -> ApiResult<(SecretOut, bool)> {
    let GetAsked { key, flags, env_slug, path } = asked;
    let project = access.project_id.clone();
    let pid = project.as_str();
    if flags.version.is_none()
        && let Some((row, tags)) =
            secrets::get_at_counting_tags(conn, &project, &env_slug, path.as_str(), key.as_str()).await?
    {
        let tagged = tags > 0;
        let data_key = state.core.keys().project_key(conn, &project).await?;
        let id = RowIdentity::of(&row);
        let comment = id.open_comment(&data_key, &row.comment_ct)?;
        let shown = Shown { project_id: pid, env_slug: &env_slug, path: path.as_str() };
        if !flags.reveal {
            return Ok((secret_out(&row, shown, None, comment), tagged));
        }
        let mut value = id.open_value(&data_key, &row.value_ct)?;
        let mut warnings = Vec::new();
        if flags.expand && value.contains("${") {
            let raw = value.clone();
            let env = location::environment(conn, &project, &env_slug).await?;
            let mut r = Resolver::with_key(project.clone(), data_key);
            r.know_env(&env);
            let loc = RefLocation::new(env.slug.clone(), path.clone());
            r.load(conn, &loc).await?;
            let expanded = r.expand(conn, &loc, &key, &value).await?;
            warnings = super::wire::reference_warnings(&expanded.broken);
            value = multiline(row.skip_multiline_encoding, &raw, expanded.value);
        }
        let mut out = secret_out(&row, shown, Some(value), comment);
        out.reference_warnings = warnings;
        return Ok((out, tagged));
    }
    // Not there (or a past version asked): find out why, or look further.
    let env = location::environment(conn, &project, &env_slug).await?;
    let scope = Scope { access, env, path };
    let folder = location::folder(conn, &scope).await?;
    if let Some(version) = flags.version {
        return Ok((get_version(state, conn, &scope, &folder, &key, version, flags.reveal).await?, true));
    }
    if flags.include_imports {
        let mut r = Resolver::new(&state.core, conn, scope.project()).await?;
        r.know_env(&scope.env);
        let opts = ViewOptions { reveal: flags.reveal, expand: flags.expand };
        let imported = r.imports_of(conn, &folder, opts).await?;
        // The last import that has the key wins.
        for import in imported.into_iter().rev() {
            if let Some(v) = import.secrets.into_iter().find(|v| v.row.key == key.as_str()) {
                return Ok((view_out(pid, encoded(&mut r, v, opts)?), true));
            }
        }
    }
    Err(secret_not_found(key.as_str()))
}

async fn get_version(
    state: &AppState,
    conn: &mut Conn,
    scope: &Scope,
    folder: &FolderRow,
    key: &SecretKey,
    version: i64,
    reveal: bool,
) -> ApiResult<SecretOut> {
    let live = secrets::get(conn, &folder.id, key.as_str()).await?;
    let found = match &live {
        Some(row) => secrets::version_of(conn, &row.id, version).await?,
        None => secrets::version_by_key(conn, &folder.id, key.as_str(), version).await?,
    };
    let v =
        found.ok_or_else(|| ApiError::not_found(format!("Version {version} of secret with name '{key}' not found")))?;
    let data_key = state.core.keys().project_key(conn, scope.project()).await?;
    let id = RowIdentity::of_version(&v);
    let comment = id.open_comment(&data_key, &v.comment_ct)?;
    let value = if reveal { Some(id.open_value(&data_key, &v.value_ct)?) } else { None };
    let path: &FolderPath = &scope.path;
    let shown = Shown { project_id: scope.project().as_str(), env_slug: &scope.env.slug, path: path.as_str() };
    Ok(version_out(&v, live.as_ref(), shown, value, comment))
}
