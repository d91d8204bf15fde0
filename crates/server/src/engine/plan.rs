//! Deciding what a run does, and previewing it without doing it.
//!
//! [`decide`] is the whole decision of a sync run, around the pure planner: on the
//! first sync with an import behaviour, the destination's keys are imported into the
//! source first (the planner's import rules) and overlaid on what is pushed; then the
//! planner diffs desired against observed. [`preview`] runs the same decision against
//! live reads and returns it for people (key names and actions, never values).

use super::calls::Calls;
use super::error::EngineError;
use super::source::{self, Source};
use super::spec::SyncSpec;
use crate::state::AppState;
use serde::Serialize;
use sluice_domain::import::plan_import;
use sluice_domain::planner::{self, PlanAction};
use sluice_domain::{ImportPlan, SyncPlan};
use std::collections::BTreeMap;

/// The decision of one sync run.
#[derive(Debug)]
pub struct Decision {
    pub plan: SyncPlan,
    /// First-sync import into the source (created and updated keys), if any.
    pub import: Option<ImportPlan>,
}

pub fn decide(
    spec: &SyncSpec,
    source: &Source,
    observed: &BTreeMap<String, Option<String>>,
) -> Result<Decision, EngineError> {
    let mut desired = source.desired.clone();
    let mut import = None;
    if spec.first_sync
        && let Some(behavior) = spec.options.initial_sync_behavior.import_behavior()
    {
        let matcher = spec.options.matcher(&spec.environment.slug);
        let plan =
            plan_import(observed, &matcher, &source.own, behavior).map_err(|e| EngineError::Source(e.to_string()))?;
        desired = plan.overlay(&desired);
        import = Some(plan);
    }
    let plan = planner::plan(&desired, observed, &spec.plan_options());
    Ok(Decision { plan, import })
}

/// One key of a preview.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntryView {
    /// The variable name at Railway.
    pub key: String,
    /// The Sluice secret it comes from, if any.
    pub source_key: Option<String>,
    /// `create`, `update`, `delete`, `unchanged` or `skip`.
    pub action: String,
    /// Why a key is skipped (`sealed`, `railway-reserved`, `unmanaged`, `deletion-disabled`, `invalid-name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Counts of a plan.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanCountsView {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub unchanged: usize,
    pub skipped: usize,
}

/// What a sync would do, per key.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    /// Where it writes, in words.
    pub target: String,
    pub entries: Vec<PlanEntryView>,
    pub counts: PlanCountsView,
    /// Keys the first sync imports into Sluice from Railway before pushing.
    pub imports: Vec<ImportEntryView>,
    /// Whether the run would write anything to Railway.
    pub changes: bool,
    /// Whether the run would redeploy the service (only when something changes and a
    /// service is the target; shared variables are never redeployed).
    pub redeploy: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportEntryView {
    pub key: String,
    /// `create` or `update` (in Sluice).
    pub action: String,
}

pub fn entries_view(plan: &SyncPlan) -> Vec<PlanEntryView> {
    plan.entries()
        .iter()
        .map(|e| {
            let (action, reason, detail) = match e.action {
                PlanAction::Skip(r) => ("skip", Some(r.as_str().to_string()), Some(r.describe().to_string())),
                other => (other.as_str(), None, None),
            };
            PlanEntryView {
                key: e.key.clone(),
                source_key: e.source_key.as_ref().map(|k| k.as_str().to_string()),
                action: action.to_string(),
                reason,
                detail,
            }
        })
        .collect()
}

pub fn counts_view(plan: &SyncPlan) -> PlanCountsView {
    let c = plan.counts();
    PlanCountsView { create: c.create, update: c.update, delete: c.delete, unchanged: c.unchanged, skipped: c.skipped }
}

pub fn view(spec: &SyncSpec, decision: &Decision) -> PlanView {
    let imports = decision
        .import
        .as_ref()
        .map(|i| {
            i.creates
                .keys()
                .map(|k| ImportEntryView { key: k.as_str().to_string(), action: "create".to_string() })
                .chain(
                    i.updates
                        .keys()
                        .map(|k| ImportEntryView { key: k.as_str().to_string(), action: "update".to_string() }),
                )
                .collect()
        })
        .unwrap_or_default();
    let changes = decision.plan.changed();
    PlanView {
        target: spec.describe_target(),
        entries: entries_view(&decision.plan),
        counts: counts_view(&decision.plan),
        imports,
        changes,
        redeploy: changes && !spec.destination.is_shared_variables(),
    }
}

/// Previews what a run of this sync would do now, reading the source and Railway live.
pub async fn preview(state: &AppState, spec: &SyncSpec) -> Result<PlanView, EngineError> {
    let source = source::load(state, spec).await?;
    let creds = super::credentials::railway_credentials(state, &spec.connection)?;
    let mut calls = Calls::default();
    let target = spec.target();
    let observed = calls.track("variables", None, state.railway.get_variables(&creds, &target)).await?;
    let decision = decide(spec, &source, &observed)?;
    Ok(view(spec, &decision))
}
