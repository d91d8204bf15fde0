//! Notification channels (`/api/v1/projects/{projectId}/notification-channels`): webhooks
//! and email lists a project's admins set up to hear about failing, recovering, held and
//! drifted syncs and refused connections, a test event, and the delivery log.
//!
//! Who may do what: project admins only, for reading as well as writing (a channel's URL
//! and recipients are the admins' business, and its log tells which syncs failed);
//! members and viewers get 403, someone without access to the project 404.
//!
//! Reading order: [`service`] (validation, sealing the signing secret, audit entries, the
//! test event) → [`handlers`] (the routes). The events are written by the engine
//! (`sluice_engine::events`) and sent by `sluice-notify`.

pub mod handlers;
pub mod service;

use crate::http::routes::ApiRouter;
use crate::routes;
use crate::state::AppState;

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(handlers::list, handlers::create))
        .routes(routes!(handlers::get, handlers::update, handlers::delete))
        .routes(routes!(handlers::test))
        .routes(routes!(handlers::rotate_secret))
        .routes(routes!(handlers::deliveries))
}

/// Starts this node's delivery loop when it runs background work (sync workers); an
/// API-only node, or a test that drains, leaves deliveries to others. Runs that finish
/// here and may have told channels something wake the loop at once.
pub fn start_delivery(state: &AppState) -> Option<sluice_notify::DeliveryLoop> {
    if state.settings.engine.workers == 0 {
        return None;
    }
    let delivery = state.notifier.start();
    let mut runs = state.engine.subscribe_runs();
    let mut stopping = state.stopping.subscribe();
    let notifier = state.notifier.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                run = runs.recv() => match run {
                    Ok(run) if !run.events => {}
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => notifier.wake(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = stopping.changed() => return,
            }
        }
    });
    Some(delivery)
}
