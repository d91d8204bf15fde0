//! The gauges read at scrape time from the database: one aggregate query each, so a
//! scrape costs a few index reads whatever the load. Figures are the cluster's (every
//! node sharing the database reports the same), unlike the counters, which are this
//! node's.
//!
//! A Railway connection's budget is kept per token (by the token's SHA-256, in the pacing
//! table): to label it by connection, each connection's token is opened once and its key
//! remembered for as long as its credentials stay the same ([`TokenKeys`]). The key is a
//! hash; neither it nor the token is ever a label.

use super::SecondsGauge;
use crate::state::AppState;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use sluice_domain::{App, ConnectionId};
use sluice_storage::{StorageError, now_ms, stats};
use std::collections::HashMap;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    connection_id: String,
}

/// The scrape-time gauges.
#[derive(Debug, Default)]
pub(crate) struct Gauges {
    queued: Family<KindLabels, Gauge>,
    running: Gauge,
    oldest_wait: SecondsGauge,
    syncs: Family<StatusLabels, Gauge>,
    drift: Family<StatusLabels, Gauge>,
    budget: Family<ConnectionLabels, Gauge>,
    tasks_alive: Gauge,
    tasks_expected: Gauge,
}

impl Gauges {
    pub(crate) fn register(&self, registry: &mut Registry) {
        registry.register(
            "job_queue_depth",
            "Jobs waiting in the queue (due now or scheduled later), by kind",
            self.queued.clone(),
        );
        registry.register("jobs_running", "Jobs running now on any node", self.running.clone());
        registry.register_with_unit(
            "job_queue_oldest_wait",
            "How long the longest-waiting due job has been due (0: none is waiting)",
            Unit::Seconds,
            self.oldest_wait.clone(),
        );
        registry.register(
            "syncs",
            "Syncs by the status of their latest sync job (`held`: waiting for a confirmation; `never`: not run yet)",
            self.syncs.clone(),
        );
        registry.register("syncs_drift", "Checked syncs by their latest drift finding", self.drift.clone());
        registry.register(
            "railway_budget_remaining",
            "Requests left in the hour's budget Railway last reported for each connection's token, counted down since",
            self.budget.clone(),
        );
        registry.register(
            "engine_tasks_alive",
            "This node's sync engine tasks running (workers, dispatcher, housekeeping)",
            self.tasks_alive.clone(),
        );
        registry.register(
            "engine_tasks_expected",
            "This node's sync engine tasks that should be running (0: an API-only node)",
            self.tasks_expected.clone(),
        );
    }
}

/// Connection → (its credentials hash, its token's pacing key), so a token is opened once
/// per change of credentials, not once per scrape.
#[derive(Debug, Default)]
pub(crate) struct TokenKeys(HashMap<ConnectionId, (String, String)>);

/// Reads every scrape-time figure into the gauges.
pub(crate) async fn refresh(state: &AppState, keys: &mut TokenKeys) -> Result<(), StorageError> {
    let gauges = &state.metrics.gauges;
    let mut conn = state.store.read().await?;
    let now = now_ms();

    let queued = stats::queued_jobs(&mut conn).await?;
    gauges.queued.clear();
    for q in &queued {
        gauges.queued.get_or_create(&KindLabels { kind: q.kind.as_str() }).set(q.queued);
    }
    let first_due = queued.iter().filter_map(|q| q.first_due).min();
    gauges.oldest_wait.set(first_due.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0));
    gauges.running.set(stats::running_jobs(&mut conn).await?);

    gauges.syncs.clear();
    for (status, n) in stats::syncs_by_status(&mut conn).await? {
        gauges.syncs.get_or_create(&StatusLabels { status: status.map_or("never", |s| s.as_str()) }).set(n);
    }
    gauges.drift.clear();
    for (status, n) in stats::syncs_by_drift(&mut conn).await? {
        gauges.drift.get_or_create(&StatusLabels { status: status.as_str() }).set(n);
    }

    let connections = stats::connections_of(&mut conn, &App::Railway).await?;
    let mut budgets: HashMap<String, i64> = stats::budgets(&mut conn).await?.into_iter().collect();
    drop(conn);
    if let Some(paces) = &state.paces {
        // On SQLite the process counts the budget down between answers; its row follows.
        for (key, remaining) in paces.local_budgets().await {
            match remaining {
                Some(r) => budgets.insert(key, r),
                None => budgets.remove(&key),
            };
        }
    }
    keys.0.retain(|id, _| connections.iter().any(|c| &c.id == id));
    gauges.budget.clear();
    for row in &connections {
        let key = match keys.0.get(&row.id) {
            Some((hash, key)) if hash == &row.credentials_hash => key.clone(),
            _ => match sluice_core::credentials::open(state.core.keys(), row) {
                Ok(creds) => {
                    let key = sluice_destinations::railway::pace_key(&creds.api_token);
                    keys.0.insert(row.id.clone(), (row.credentials_hash.clone(), key.clone()));
                    key
                }
                Err(e) => {
                    tracing::warn!(connection_id = %row.id, error = %e, "metrics: cannot open a connection's token");
                    continue;
                }
            },
        };
        if let Some(remaining) = budgets.get(&key) {
            gauges.budget.get_or_create(&ConnectionLabels { connection_id: row.id.to_string() }).set(*remaining);
        }
    }

    let engine = &state.engine;
    gauges.tasks_alive.set(engine.metrics().tasks_alive() as i64);
    gauges.tasks_expected.set(engine.tasks_expected() as i64);
    Ok(())
}
