//! Project → Notifications: the project's channels (webhooks and email lists), a form to
//! add one (a webhook's signing secret is shown once, on the page that answers the form,
//! never in a redirect or a cookie), enable/disable, send a test event, delete, and each
//! channel's delivery log. Project admins only, as in the API (the same service).

use super::UiForm;
use super::guard::Signed;
use super::page::{Chrome, FlashKind, FormErrors, Section, UiResult, redirect_with, render, render_status};
use super::view::when;
use crate::features::notifications::service;
use crate::features::projects::manage;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sluice_api_types::notifications::{
    DeliveriesQuery, DeliveryOut, NotificationChannelIn, NotificationChannelOut, NotificationChannelPatch,
};
use sluice_domain::EventType;

/// An event the form offers, checked or not.
pub struct EventOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// A channel as the list shows it.
pub struct ChannelView {
    pub c: NotificationChannelOut,
    /// The URL or the recipients.
    pub target: String,
    /// `Every event` or the list.
    pub events: String,
}

impl ChannelView {
    fn new(c: NotificationChannelOut) -> ChannelView {
        let target = match (&c.url, &c.recipients) {
            (Some(url), _) => url.clone(),
            (None, Some(list)) => list.join(", "),
            (None, None) => String::new(),
        };
        let events = if c.all_events { "Every event".to_string() } else { c.event_types.join(", ") };
        ChannelView { c, target, events }
    }
}

/// A delivery as the log shows it.
pub struct DeliveryView {
    pub d: DeliveryOut,
    /// `synced`, `failed` or `retrying`: the badge's colour.
    pub badge: &'static str,
    pub created: String,
    pub created_exact: String,
    pub next: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ChannelForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub url: String,
    /// Addresses separated by commas or new lines.
    #[serde(default)]
    pub recipients: String,
    /// The events ticked (none: every event).
    #[serde(default)]
    pub events: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/page.html")]
struct ListPage {
    chrome: Chrome,
    project_id: String,
    project_name: String,
    rows: Vec<ChannelView>,
    form: ChannelForm,
    event_options: Vec<EventOption>,
    errors: FormErrors,
    /// (channel name, signing secret) right after a webhook was created.
    created: Option<(String, String)>,
    smtp: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/log.html")]
struct LogPage {
    chrome: Chrome,
    project_id: String,
    project_name: String,
    channel: ChannelView,
    rows: Vec<DeliveryView>,
    total: i64,
    offset: i64,
    limit: i64,
}

const FIELDS: [(&str, &str); 5] = [
    ("body.name", "name"),
    ("body.type", "kind"),
    ("body.url", "url"),
    ("body.recipients", "recipients"),
    ("body.eventTypes", "events"),
];

fn page_url(project: &str) -> String {
    format!("/projects/{project}/notifications")
}

fn event_options(checked: &[String]) -> Vec<EventOption> {
    EventType::subscribable()
        .map(|e| EventOption {
            value: e.as_str(),
            label: e.describe(),
            checked: checked.iter().any(|c| c == e.as_str()),
        })
        .collect()
}

/// Reads the form's pairs: `events` may repeat (one per ticked box).
fn read_form(pairs: Vec<(String, String)>) -> ChannelForm {
    let mut form = ChannelForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "name" => form.name = v,
            "kind" => form.kind = v,
            "url" => form.url = v,
            "recipients" => form.recipients = v,
            "events" => form.events.push(v),
            _ => {}
        }
    }
    form
}

async fn list_page(
    state: &AppState,
    signed: &Signed,
    project: &str,
    form: ChannelForm,
    errors: FormErrors,
    created: Option<(String, String)>,
) -> UiResult<ListPage> {
    let p = manage::get(state, &signed.actor, project).await?;
    let rows = service::list(state, &signed.actor, &p.id).await?.into_iter().map(ChannelView::new).collect();
    let chrome = Chrome::new(signed, Section::Projects, format!("Notifications · {}", p.name)).in_project(
        &p.id,
        &p.name,
        "notifications",
    );
    Ok(ListPage {
        chrome,
        project_id: p.id,
        project_name: p.name,
        rows,
        event_options: event_options(&form.events),
        form,
        errors,
        created,
        smtp: state.notifier.email_configured(),
    })
}

/// `GET /projects/{project}/notifications`.
pub async fn page(State(state): State<AppState>, signed: Signed, Path(project): Path<String>) -> UiResult<Response> {
    let form = ChannelForm { kind: "webhook".to_string(), ..Default::default() };
    let page = list_page(&state, &signed, &project, form, FormErrors::default(), None).await?;
    Ok(render(&page.chrome.clone(), page))
}

/// `POST /projects/{project}/notifications`: adds a channel. A webhook's secret is shown
/// on the page this answers with, once.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let form = read_form(pairs);
    let webhook = form.kind == "webhook";
    let recipients: Vec<String> =
        form.recipients.split([',', '\n']).map(str::trim).filter(|r| !r.is_empty()).map(str::to_string).collect();
    let body = NotificationChannelIn {
        name: Some(form.name.trim().to_string()),
        kind: Some(form.kind.clone()),
        is_enabled: Some(true),
        event_types: (!form.events.is_empty()).then(|| form.events.clone()),
        url: webhook.then(|| form.url.clone()),
        recipients: (!webhook).then_some(recipients),
    };
    match service::create(&state, &signed.actor, &project, &body).await {
        Ok((c, Some(secret))) => {
            let mut fresh = ChannelForm { kind: "webhook".to_string(), ..Default::default() };
            fresh.events.clear();
            let created = Some((c.name.clone(), secret.expose().to_string()));
            let page = list_page(&state, &signed, &project, fresh, FormErrors::default(), created).await?;
            Ok(render(&page.chrome.clone(), page))
        }
        Ok((c, None)) => Ok(redirect_with(
            &page_url(&project),
            FlashKind::Success,
            &format!("Email channel \"{}\" added. Send a test event to check it.", c.name),
        )),
        Err(e) => {
            let errors = FormErrors::from_api(e, &FIELDS)?;
            let page = list_page(&state, &signed, &project, form, errors, None).await?;
            Ok(render_status(&page.chrome.clone(), StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

#[derive(Deserialize)]
pub struct EnableForm {
    enabled: String,
}

/// `POST /projects/{project}/notifications/{channel}/enable` (`enabled=true|false`).
pub async fn enable(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, channel)): Path<(String, String)>,
    UiForm(form): UiForm<EnableForm>,
) -> UiResult<Response> {
    let on = form.enabled == "true";
    let patch = NotificationChannelPatch { is_enabled: Some(on), ..Default::default() };
    let c = service::update(&state, &signed.actor, &project, &channel, &patch).await?;
    let what = if on { "enabled" } else { "disabled: it receives no events until enabled again" };
    Ok(redirect_with(&page_url(&project), FlashKind::Success, &format!("Channel \"{}\" {what}.", c.name)))
}

/// `POST /projects/{project}/notifications/{channel}/test`: sends a test event now.
pub async fn test(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, channel)): Path<(String, String)>,
) -> UiResult<Response> {
    let c = service::get(&state, &signed.actor, &project, &channel).await?;
    let d = service::test(&state, &signed.actor, &project, &channel).await?;
    let (kind, message) = match d.status.as_str() {
        "delivered" => (
            FlashKind::Success,
            match d.last_status_code {
                Some(code) => format!("Test event delivered to \"{}\" (HTTP {code}).", c.name),
                None => format!("Test event delivered to \"{}\".", c.name),
            },
        ),
        "pending" => (
            FlashKind::Error,
            format!(
                "The test event did not reach \"{}\": {}. It will be retried; see the delivery log.",
                c.name,
                d.last_error.unwrap_or_default()
            ),
        ),
        _ => {
            (FlashKind::Error, format!("The test event to \"{}\" failed: {}", c.name, d.last_error.unwrap_or_default()))
        }
    };
    Ok(redirect_with(&page_url(&project), kind, &message))
}

/// `POST /projects/{project}/notifications/{channel}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, channel)): Path<(String, String)>,
) -> UiResult<Response> {
    let c = service::delete(&state, &signed.actor, &project, &channel).await?;
    Ok(redirect_with(&page_url(&project), FlashKind::Success, &format!("Channel \"{}\" deleted.", c.name)))
}

#[derive(Deserialize, Default)]
pub struct LogQuery {
    offset: Option<i64>,
}

const LOG_PAGE: i64 = 50;

/// `GET /projects/{project}/notifications/{channel}`: the channel's delivery log.
pub async fn log(
    State(state): State<AppState>,
    signed: Signed,
    Path((project, channel)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> UiResult<Response> {
    let p = manage::get(&state, &signed.actor, &project).await?;
    let c = service::get(&state, &signed.actor, &p.id, &channel).await?;
    let offset = q.offset.unwrap_or(0).max(0);
    let query = DeliveriesQuery { offset: Some(offset), limit: Some(LOG_PAGE) };
    let out = service::deliveries(&state, &signed.actor, &p.id, &channel, &query).await?;
    let rows = out
        .deliveries
        .into_iter()
        .map(|d| {
            let badge = match d.status.as_str() {
                "delivered" => "synced",
                "failed" => "failed",
                _ => "retrying",
            };
            let w = when(&d.created_at);
            let next = d.next_attempt_at.as_deref().map(|t| when(t).exact);
            DeliveryView { badge, created: w.relative, created_exact: w.exact, next, d }
        })
        .collect();
    let chrome = Chrome::new(&signed, Section::Projects, format!("Deliveries · {}", c.name)).in_project(
        &p.id,
        &p.name,
        "notifications",
    );
    let page = LogPage {
        chrome,
        project_id: p.id,
        project_name: p.name,
        channel: ChannelView::new(c),
        rows,
        total: out.total_count,
        offset,
        limit: LOG_PAGE,
    };
    Ok(render(&page.chrome.clone(), page))
}
