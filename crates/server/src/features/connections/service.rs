//! App connections: creating (after Railway accepts the token), reading, editing,
//! deleting, and the destination picker. Tokens are sealed before they are stored and
//! never leave the server again: responses, audit entries and logs carry the
//! connection's id, name and method, and `credentialsHash` at most.

use super::access::{self, OrgScope};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::state::AppState;
use serde_json::json;
use sluice_api_types::connections::{
    AppConnectionOptionOut, AppConnectionOut, AvailableConnectionOut, ConnectionScopeQuery, NamedOut,
    RailwayConnectionIn, RailwayConnectionPatch, RailwayCredentialsIn, RailwayEnvironmentOut, RailwayProjectOut,
};
use sluice_core::audit::{self, AuditEvent};
use sluice_core::credentials::{self, ConnectionCredentials};
use sluice_destinations::railway::{Credentials, RailwayError};
use sluice_domain::{App, ConnectionId, SecretToken, Slug, TokenKind};
use sluice_storage::connections::{self, ConnectionRow};
use sluice_storage::{StorageError, now_ms};

/// Longest connection name.
pub const NAME_MAX: usize = 64;
/// Longest description (connections and syncs).
pub const DESCRIPTION_MAX: usize = 256;
/// Longest Railway token we accept.
pub const TOKEN_MAX: usize = 255;

/// The methods in the order Infisical lists them.
const METHODS: [TokenKind; 3] = [TokenKind::Account, TokenKind::Project, TokenKind::Workspace];

fn method_names() -> Vec<String> {
    METHODS.iter().map(|m| m.as_str().to_string()).collect()
}

pub fn options() -> Vec<AppConnectionOptionOut> {
    vec![AppConnectionOptionOut {
        name: "Railway".to_string(),
        app: App::Railway.as_str().to_string(),
        methods: method_names(),
    }]
}

/// The sanitised connection.
pub fn out(row: &ConnectionRow) -> AppConnectionOut {
    AppConnectionOut {
        id: row.id.to_string(),
        name: row.name.clone(),
        description: row.description.clone(),
        version: row.version,
        org_id: row.org_id.to_string(),
        project_id: row.project_id.as_ref().map(ToString::to_string),
        created_at: sluice_api_types::iso(row.created_at),
        updated_at: sluice_api_types::iso(row.updated_at),
        is_platform_managed_credentials: false,
        gateway_id: None,
        credentials_hash: row.credentials_hash.clone(),
        app: row.app.to_string(),
        method: row.method.to_string(),
        credentials: json!({}),
        sync_concurrency: row.sync_concurrency,
    }
}

/// Records an audit entry on its own (for reads, which have no transaction of their own).
pub async fn record_audit(state: &AppState, actor: &Actor, event: AuditEvent) -> ApiResult<()> {
    let mut tx = state.store.write().await?;
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(())
}

/// A trimmed description of at most 256 characters; `field` names it in the error.
pub fn parse_description(raw: Option<&str>, field: &str) -> ApiResult<Option<String>> {
    raw.map(|d| crate::extract::free_text(d, field, DESCRIPTION_MAX)).transpose()
}

fn parse_name(raw: Option<&str>) -> ApiResult<Slug> {
    Slug::parse(raw.unwrap_or(""), "name", NAME_MAX).map_err(|e| ApiError::invalid("body.name", e.message))
}

fn parse_token(creds: Option<&RailwayCredentialsIn>) -> ApiResult<SecretToken> {
    let token = creds.and_then(|c| c.api_token.as_ref()).map(|t| t.expose().trim()).unwrap_or("");
    if token.is_empty() {
        return Err(ApiError::invalid("body.credentials.apiToken", "API Token required"));
    }
    if token.chars().count() > TOKEN_MAX {
        return Err(ApiError::invalid(
            "body.credentials.apiToken",
            format!("API Token must be at most {TOKEN_MAX} characters"),
        ));
    }
    Ok(SecretToken::new(token))
}

fn refuse_unsupported(platform_managed: Option<bool>, gateway: Option<&serde_json::Value>) -> ApiResult<()> {
    if platform_managed == Some(true) || gateway.is_some_and(|g| !g.is_null()) {
        return Err(ApiError::bad_request("Not supported for Railway Connections"));
    }
    Ok(())
}

fn duplicate_name(name: &str) -> ApiError {
    ApiError::bad_request(format!("An App Connection with the name \"{name}\" already exists"))
}

/// Railway's answer to a credential check, as an error: refusals are 400 with Railway's
/// words; a rate limit is 429 and an outage 502 (the token may be fine).
fn validation_failed(e: RailwayError) -> ApiError {
    let message = format!("Failed to validate credentials: {}", e.message());
    railway_status(e, message)
}

/// Maps a Railway failure to 429 (rate limited), 502 (unavailable) or 400 (refused or
/// rejected), keeping `message`.
pub fn railway_status(e: RailwayError, message: String) -> ApiError {
    match e {
        RailwayError::RateLimited { .. } => ApiError::TooManyRequests {
            message,
            retry_after_secs: e.retry_after().map(|d| d.as_secs().max(1)).unwrap_or(60),
        },
        RailwayError::Transient { .. } => ApiError::BadGateway(message),
        _ => ApiError::BadRequest(message),
    }
}

/// The Railway client's credentials of a stored connection.
pub fn railway_credentials(state: &AppState, row: &ConnectionRow) -> ApiResult<Credentials> {
    let opened = credentials::open(state.core.keys(), row)?;
    Credentials::for_connection(&row.method, opened.api_token)
        .ok_or_else(|| ApiError::internal(format!("connection {} has unknown method {}", row.id, row.method)))
}

/// Asks Railway whether the token works as the declared kind. A refused token is probed
/// as the other kinds, so the answer says what to do: choose the token's real kind, or
/// create a new token.
async fn check_token(state: &AppState, kind: TokenKind, token: &SecretToken) -> ApiResult<()> {
    let railway = state.destinations.railway();
    let refusal = match railway.check_credentials(kind, token).await {
        Ok(_) => return Ok(()),
        Err(e @ RailwayError::Unauthorized { .. }) => e,
        Err(other) => return Err(validation_failed(other)),
    };
    let hint = match railway.detect_token(token).await {
        Ok(reach) => wrong_kind_hint(kind, reach.kind()),
        Err(RailwayError::Unauthorized { .. }) => NO_KIND_HINT.to_string(),
        // Railway could not be asked again (a rate limit, an outage): its first answer stands.
        Err(_) => String::new(),
    };
    let message = format!("Failed to validate credentials: {}{hint}", refusal.message());
    Err(railway_status(refusal, message))
}

/// What to do when Railway refuses a token of every kind.
const NO_KIND_HINT: &str = ". Railway accepts this token as no kind of token: it may be mistyped, revoked or expired. \
    Create a new one in Railway (account and workspace tokens under Account Settings → Tokens, project tokens in the \
    project's Settings → Tokens) and paste it again";

/// What to do when the token works as another kind than the one chosen.
fn wrong_kind_hint(chosen: TokenKind, real: TokenKind) -> String {
    if chosen == real {
        return String::new();
    }
    format!(
        ". This is a {} token, not a {} token: choose the method \"{}\" and try again",
        words(real),
        words(chosen),
        real.as_str()
    )
}

fn words(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Account => "Railway account",
        TokenKind::Workspace => "Railway workspace (team)",
        TokenKind::Project => "Railway project",
    }
}

pub async fn create(state: &AppState, actor: &Actor, body: &RailwayConnectionIn) -> ApiResult<AppConnectionOut> {
    let name = parse_name(body.name.as_deref())?;
    let description = parse_description(body.description.as_deref(), "body.description")?;
    let method = body.method.as_deref().map(str::trim).unwrap_or("");
    let kind = TokenKind::from_method(method).ok_or_else(|| {
        ApiError::invalid(
            "body.method",
            format!("method must be one of {} (got \"{method}\")", method_names().join(", ")),
        )
    })?;
    let token = parse_token(body.credentials.as_ref())?;
    refuse_unsupported(body.is_platform_managed_credentials, body.gateway_id.as_ref())?;
    let concurrency = body.sync_concurrency.map(parse_concurrency).transpose()?;

    let scope = {
        let mut conn = state.store.read().await?;
        let scope =
            access::resolve_org(state, &mut conn, actor, body.organization_id.as_deref(), body.project_id.as_deref())
                .await?;
        scope.require_admin("create")?;
        if connections::get_by_name(&mut conn, &scope.org_id, name.as_str()).await?.is_some() {
            return Err(duplicate_name(name.as_str()));
        }
        scope
    };
    check_token(state, kind, &token).await?;

    let id = ConnectionId::new();
    let sealed = credentials::seal(state.core.keys(), &scope.org_id, &id, &ConnectionCredentials { api_token: token })?;
    let now = now_ms();
    let row = ConnectionRow {
        id: id.clone(),
        org_id: scope.org_id.clone(),
        project_id: None,
        app: App::Railway,
        method: kind.as_str().to_string(),
        name: name.as_str().to_string(),
        description,
        data_key_wrapped: sealed.data_key_wrapped,
        credentials_ct: sealed.credentials_ct,
        credentials_hash: sealed.credentials_hash,
        version: 1,
        created_at: now,
        updated_at: now,
        sync_concurrency: concurrency,
    };
    let mut tx = state.store.write().await?;
    connections::insert(&mut tx, &row)
        .await
        .map_err(|e| if e.is_conflict() { duplicate_name(&row.name) } else { e.into() })?;
    let event = AuditEvent::new("create-app-connection")
        .org(&scope.org_id)
        .target("app-connection", row.id.clone())
        .meta(json!({
            "connectionId": row.id, "name": row.name, "app": row.app, "method": row.method,
            "isPlatformManagedCredentials": false,
        }));
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(out(&row))
}

fn connection_id(raw: &str) -> ApiResult<ConnectionId> {
    parse_id(raw, "params.connectionId", ConnectionId::parse)
}

pub async fn update(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    patch: &RailwayConnectionPatch,
) -> ApiResult<AppConnectionOut> {
    let id = connection_id(raw_id)?;
    let name = patch.name.as_deref().map(|n| parse_name(Some(n))).transpose()?;
    let description = match &patch.description {
        None => None,
        Some(d) => Some(parse_description(d.as_deref(), "body.description")?),
    };
    let token = patch.credentials.as_ref().map(|c| parse_token(Some(c))).transpose()?;
    refuse_unsupported(patch.is_platform_managed_credentials, patch.gateway_id.as_ref())?;
    let concurrency = patch.sync_concurrency.map(|n| n.map(parse_concurrency).transpose()).transpose()?;

    let current = {
        let mut conn = state.store.read().await?;
        let (row, role) = access::visible(&mut conn, actor, &id).await?;
        access::ensure_railway_route(&row)?;
        access::require_admin(role, "edit")?;
        row
    };
    if let Some(token) = &token {
        let kind = TokenKind::from_method(&current.method).ok_or_else(|| {
            ApiError::internal(format!("connection {} has unknown method {}", current.id, current.method))
        })?;
        check_token(state, kind, token).await?;
    }

    let new_name = name.map(|n| n.as_str().to_string()).unwrap_or_else(|| current.name.clone());
    let new_description = description.unwrap_or_else(|| current.description.clone());
    let mut tx = state.store.write().await?;
    let updated = connections::update(&mut tx, &id, &new_name, new_description.as_deref(), None)
        .await
        .map_err(|e| if e.is_conflict() { duplicate_name(&new_name) } else { e.into() })?;
    if !updated {
        return Err(access::not_found(id.as_str()));
    }
    if let Some(n) = concurrency {
        connections::set_sync_concurrency(&mut tx, &id, n).await?;
    }
    if let Some(token) = &token {
        let sealed = credentials::seal(
            state.core.keys(),
            &current.org_id,
            &current.id,
            &ConnectionCredentials { api_token: token.clone() },
        )?;
        connections::set_credentials(
            &mut tx,
            &id,
            &sealed.data_key_wrapped,
            &sealed.credentials_ct,
            &sealed.credentials_hash,
        )
        .await?;
    }
    let event = AuditEvent::new("update-app-connection")
        .org(&current.org_id)
        .target("app-connection", current.id.clone())
        .meta(json!({
            "connectionId": current.id, "name": new_name, "description": new_description,
            "credentialsUpdated": token.is_some(), "isPlatformManagedCredentials": false,
            "syncConcurrency": concurrency,
        }));
    audit::record(&mut tx, actor, event).await?;
    let row = connections::get(&mut tx, &id).await?.ok_or_else(|| access::not_found(id.as_str()))?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(out(&row))
}

/// Most syncs of one connection that may run at once, as set on the connection.
pub const SYNC_CONCURRENCY_MAX: i64 = 50;

fn parse_concurrency(n: i64) -> ApiResult<i64> {
    if (1..=SYNC_CONCURRENCY_MAX).contains(&n) {
        Ok(n)
    } else {
        Err(ApiError::invalid(
            "body.syncConcurrency",
            format!("must be between 1 and {SYNC_CONCURRENCY_MAX} (or null for the server's default), not {n}"),
        ))
    }
}

/// The refusal to delete a connection that syncs use, naming them (the first few).
fn in_use(count: i64, users: &[connections::SyncUsingRow]) -> ApiError {
    let syncs = if count == 1 { "1 secret sync uses".to_string() } else { format!("{count} secret syncs use") };
    let mut names: Vec<String> = users.iter().map(|u| format!("{} (project {})", u.name, u.project_name)).collect();
    if count > users.len() as i64 {
        names.push(format!("and {} more", count - users.len() as i64));
    }
    let listed = if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) };
    ApiError::bad_request(format!(
        "Cannot delete App Connection with existing connections. Remove all existing connections and try again. \
         ({syncs} this connection{listed}. Delete those syncs or point them at another connection first.)"
    ))
}

/// The syncs that use a connection (the first 50), for someone who may delete it.
pub async fn syncs_using(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<Vec<connections::SyncUsingRow>> {
    let id = connection_id(raw_id)?;
    let mut conn = state.store.read().await?;
    let (row, role) = access::visible(&mut conn, actor, &id).await?;
    access::ensure_railway_route(&row)?;
    access::require_admin(role, "delete")?;
    Ok(connections::syncs_using(&mut conn, &id, 50).await?)
}

pub async fn delete(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<AppConnectionOut> {
    let id = connection_id(raw_id)?;
    let mut tx = state.store.write().await?;
    let (row, role) = access::visible(&mut tx, actor, &id).await?;
    access::ensure_railway_route(&row)?;
    access::require_admin(role, "delete")?;
    let count = connections::sync_count(&mut tx, &id).await?;
    if count > 0 {
        let users = connections::syncs_using(&mut tx, &id, 5).await?;
        return Err(in_use(count, &users));
    }
    match connections::delete(&mut tx, &id).await {
        Ok(_) => {}
        Err(StorageError::ForeignKey { .. }) => return Err(in_use(1, &[])),
        Err(e) => return Err(e.into()),
    }
    let event = AuditEvent::new("delete-app-connection")
        .org(&row.org_id)
        .target("app-connection", row.id.clone())
        .meta(json!({"connectionId": row.id, "name": row.name, "app": row.app, "method": row.method}));
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(out(&row))
}

pub async fn get(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<AppConnectionOut> {
    let id = connection_id(raw_id)?;
    let row = {
        let mut conn = state.store.read().await?;
        let (row, _) = access::visible(&mut conn, actor, &id).await?;
        access::ensure_railway_route(&row)?;
        row
    };
    let event = AuditEvent::new("get-app-connection")
        .org(&row.org_id)
        .target("app-connection", row.id.clone())
        .meta(json!({"connectionId": row.id}));
    record_audit(state, actor, event).await?;
    Ok(out(&row))
}

pub async fn get_by_name(
    state: &AppState,
    actor: &Actor,
    name: &str,
    scope_q: &ConnectionScopeQuery,
) -> ApiResult<AppConnectionOut> {
    let (row, scope) = {
        let mut conn = state.store.read().await?;
        let scope = access::resolve_org(
            state,
            &mut conn,
            actor,
            scope_q.organization_id.as_deref(),
            scope_q.project_id.as_deref(),
        )
        .await?;
        let found = connections::get_by_name(&mut conn, &scope.org_id, name.trim())
            .await?
            .filter(|r| r.app == App::Railway && usable_in(r, &scope));
        let scope_word = if scope.project_id.is_some() { "project" } else { "organization" };
        let row = found.ok_or_else(|| {
            ApiError::not_found(format!(
                "Could not find App Connection with name {} in {scope_word} scope.",
                name.trim()
            ))
        })?;
        (row, scope)
    };
    let event = audit_scope(AuditEvent::new("get-app-connection"), &scope)
        .target("app-connection", row.id.clone())
        .meta(json!({"connectionId": row.id}));
    record_audit(state, actor, event).await?;
    Ok(out(&row))
}

/// Whether a connection serves the scope's project (connections scoped to another project do not).
fn usable_in(row: &ConnectionRow, scope: &OrgScope) -> bool {
    match (&row.project_id, &scope.project_id) {
        (None, _) => true,
        (Some(p), Some(q)) => p == q,
        (Some(_), None) => true,
    }
}

fn audit_scope(event: AuditEvent, scope: &OrgScope) -> AuditEvent {
    match &scope.project_id {
        Some(p) => event.org(&scope.org_id).project(p),
        None => event.org(&scope.org_id),
    }
}

/// Connections of the scope's organization (only Railway ones when `app` is given).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    scope_q: &ConnectionScopeQuery,
    app: Option<App>,
) -> ApiResult<Vec<AppConnectionOut>> {
    let (rows, scope) = scoped_rows(state, actor, scope_q, app.clone()).await?;
    let event = audit_scope(AuditEvent::new("get-app-connections"), &scope).meta(json!({
        "app": app, "count": rows.len(), "connectionIds": rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
    }));
    record_audit(state, actor, event).await?;
    Ok(rows.iter().map(out).collect())
}

/// Railway connections the caller may use in a sync (any member of the organization may).
pub async fn available(
    state: &AppState,
    actor: &Actor,
    scope_q: &ConnectionScopeQuery,
) -> ApiResult<Vec<AvailableConnectionOut>> {
    let (rows, scope) = scoped_rows(state, actor, scope_q, Some(App::Railway)).await?;
    let event = audit_scope(AuditEvent::new("get-available-app-connections-details"), &scope).meta(json!({
        "app": "railway", "count": rows.len(), "connectionIds": rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
    }));
    record_audit(state, actor, event).await?;
    Ok(rows
        .into_iter()
        .map(|r| AvailableConnectionOut {
            app: r.app.to_string(),
            name: r.name,
            id: r.id.to_string(),
            project_id: r.project_id.map(|v| v.to_string()),
            org_id: r.org_id.to_string(),
        })
        .collect())
}

async fn scoped_rows(
    state: &AppState,
    actor: &Actor,
    scope_q: &ConnectionScopeQuery,
    app: Option<App>,
) -> ApiResult<(Vec<ConnectionRow>, OrgScope)> {
    let mut conn = state.store.read().await?;
    let scope =
        access::resolve_org(state, &mut conn, actor, scope_q.organization_id.as_deref(), scope_q.project_id.as_deref())
            .await?;
    let rows = connections::list(&mut conn, &scope.org_id, app.as_ref()).await?;
    Ok((rows.into_iter().filter(|r| usable_in(r, &scope)).collect(), scope))
}

/// The destination picker: every Railway project the connection's token can write to,
/// kept a minute per connection version (a changed token is a new version). Railway's
/// failures are errors with Railway's words, never an empty list, and are not kept.
pub async fn railway_projects(state: &AppState, actor: &Actor, raw_id: &str) -> ApiResult<Vec<RailwayProjectOut>> {
    let id = connection_id(raw_id)?;
    let row = {
        let mut conn = state.store.read().await?;
        let (row, _) = access::visible(&mut conn, actor, &id).await?;
        access::ensure_railway_route(&row)?;
        row
    };
    let cache_key = (row.id.to_string(), row.version);
    let out = match state.pickers.get(&cache_key) {
        Some(projects) => projects,
        None => {
            let listed = list_railway_projects(state, &row).await?;
            state.pickers.insert(cache_key, listed.clone());
            listed
        }
    };
    let event = AuditEvent::new("get-app-connection-railway-projects")
        .org(&row.org_id)
        .target("app-connection", row.id.clone())
        .meta(json!({"connectionId": row.id, "count": out.len()}));
    record_audit(state, actor, event).await?;
    Ok(out)
}

async fn list_railway_projects(state: &AppState, row: &ConnectionRow) -> ApiResult<Vec<RailwayProjectOut>> {
    let creds = railway_credentials(state, row)?;
    let projects = state.destinations.railway().list_projects(&creds).await.map_err(|e| {
        let message = format!("Could not list Railway projects with App Connection {}: {e}", row.name);
        railway_status(e, message)
    })?;
    let named = |v: Vec<sluice_destinations::railway::Named>| {
        v.into_iter().map(|n| NamedOut { id: n.id, name: n.name }).collect()
    };
    Ok(projects
        .into_iter()
        .map(|p| RailwayProjectOut {
            id: p.id,
            name: p.name,
            services: named(p.services),
            environments: p
                .environments
                .into_iter()
                .map(|e| RailwayEnvironmentOut { id: e.id, name: e.name, service_ids: e.service_ids })
                .collect(),
        })
        .collect())
}
