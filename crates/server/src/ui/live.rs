//! Live sync status: a server-sent event stream per project. Whenever the engine (or an
//! edit) changes a sync's status, it sends the sync's id through the engine (`Engine::notify_sync_changed`); this
//! stream answers with the sync's freshly rendered status cell, which the page's script
//! swaps in. Without the script, pages refresh themselves while a sync is busy.

use super::guard::Signed;
use super::page::UiResult;
use super::syncs::SyncRowView;
use crate::auth::Actor;
use crate::auth::authz::Need;
use crate::error::ApiError;
use crate::features::projects::manage;
use crate::features::syncs::{service, view};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde_json::json;
use sluice_domain::{ProjectId, SyncId};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// The status cell of one sync (the same partial the list renders).
#[derive(Template)]
#[template(path = "partials/sync_status.html")]
pub struct StatusCell<'a> {
    pub r: &'a SyncRowView,
}

/// The syncs a page shows, so the stream can first bring them up to date: a sync may have
/// changed (or been deleted) between the page's rendering and the stream's start.
#[derive(serde::Deserialize, Default)]
pub struct Shown {
    #[serde(default)]
    ids: String,
}

/// Most syncs one page asks to be brought up to date at connection.
const MAX_SHOWN: usize = 500;

/// `GET /projects/{project}/syncs/events?ids=a,b`: first the current status of each sync
/// in `ids`, then, as they happen, `event: sync` with `{id, group, html}` for a changed
/// sync, `{id, gone: true}` once it is deleted, and `event: reload` when updates were missed.
pub async fn events(
    State(state): State<AppState>,
    signed: Signed,
    Path(project): Path<String>,
    Query(shown): Query<Shown>,
) -> UiResult<impl IntoResponse> {
    let pid = manage::project_id(&project, "params.projectId")?;
    {
        let mut conn = state.store.read().await?;
        manage::access(&state, &mut conn, &signed.actor, &pid, Need::Read, "read", "secret-syncs").await?;
    }
    let initial: Vec<SyncId> = shown.ids.split(',').filter_map(SyncId::parse).take(MAX_SHOWN).collect();
    let stream = updates(state, signed.actor, pid, initial);
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    ))
}

fn updates(
    state: AppState,
    actor: Actor,
    project: ProjectId,
    mut initial: Vec<SyncId>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    // Subscribed before the snapshot is read, so no change falls between the two.
    let rx = state.engine.subscribe_syncs();
    let stop = state.stopping.subscribe();
    initial.reverse();
    futures::stream::unfold(
        (rx, stop, state, actor, project, initial),
        |(mut rx, mut stop, state, actor, project, mut initial)| async move {
            while let Some(id) = initial.pop() {
                if let Some(event) = sync_event(&state, &actor, &project, &id).await {
                    return Some((Ok(event), (rx, stop, state, actor, project, initial)));
                }
            }
            loop {
                if *stop.borrow() {
                    return None;
                }
                let got = tokio::select! {
                    got = rx.recv() => got,
                    _ = stop.changed() => return None,
                };
                let event = match got {
                    Ok(id) => match sync_event(&state, &actor, &project, &id).await {
                        Some(e) => e,
                        None => continue,
                    },
                    Err(RecvError::Lagged(_)) => Event::default().event("reload").data("missed updates"),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (rx, stop, state, actor, project, initial)));
            }
        },
    )
}

/// The event for a changed sync, or `None` when it belongs to another project or the
/// status could not be read (the next change sends it again).
async fn sync_event(state: &AppState, actor: &Actor, project: &ProjectId, id: &SyncId) -> Option<Event> {
    let mut conn = state.store.read().await.ok()?;
    let (row, access) = match service::load(state, &mut conn, actor, id, Need::Read, "read").await {
        Ok(found) => found,
        Err(ApiError::NotFound(_)) => {
            return Some(Event::default().event("sync").data(json!({"id": id, "gone": true}).to_string()));
        }
        Err(_) => return None,
    };
    if &access.project_id != project {
        return None;
    }
    let out = view::sync_out(&mut conn, &row).await.ok()?;
    drop(conn);
    let r = SyncRowView::new(out);
    let html = StatusCell { r: &r }.render().ok()?;
    let data = json!({"id": id, "group": r.badge.group().as_str(), "kind": r.badge.kind.as_str(), "label": r.badge.label, "html": html});
    Some(Event::default().event("sync").data(data.to_string()))
}
