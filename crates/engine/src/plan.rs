//! Deciding what a run does, and previewing it without doing it.
//!
//! [`decide`] is the whole decision of a sync run, around the pure planner: on the
//! first sync with an import behaviour, the destination's keys are imported into the
//! source first (the planner's import rules) and overlaid on what is pushed; then the
//! planner diffs desired against observed. [`preview`] runs the same decision against
//! live reads and returns it for people (key names and actions, never values).

use super::error::EngineError;
use super::source::{self, Source};
use super::spec::SyncSpec;
use crate::Engine;
use sluice_api_types::runs::{EntryAction, ImportEntryOut, PlanCountsOut, PlanEntryOut, PlanOut};
use sluice_destinations::{CallLog, Destination};
use sluice_domain::import::plan_import;
use sluice_domain::planner::{self, Observed, PlanAction, PlanOptions, SkipReason};
use sluice_domain::{ImportPlan, KeyRules, RedeployPolicy, SecretKey, SyncPlan};
use std::collections::{BTreeMap, BTreeSet};

/// The decision of one sync run.
#[derive(Debug)]
pub struct Decision {
    pub plan: SyncPlan,
    /// First-sync import into the source (created and updated keys), if any.
    pub import: Option<ImportPlan>,
    /// Source keys held back for references that do not resolve, with those references.
    pub broken: BTreeMap<SecretKey, Vec<String>>,
}

/// `owned` is the sync's ownership ledger (`None` before its first run with one).
pub fn decide(
    spec: &SyncSpec,
    source: &Source,
    observed: &Observed,
    keys: &dyn KeyRules,
    owned: Option<&BTreeSet<String>>,
) -> Result<Decision, EngineError> {
    let mut desired = source.desired.clone();
    let mut import = None;
    if spec.first_sync
        && let Some(behavior) = spec.options.initial_sync_behavior.import_behavior()
    {
        let matcher = spec.options.matcher(&spec.environment.slug);
        let plan = plan_import(observed, &matcher, keys, &source.own, behavior)
            .map_err(|e| EngineError::Source(e.to_string()))?;
        desired = plan.overlay(&desired);
        import = Some(plan);
    }
    let held_back = source.held_back();
    let options = PlanOptions {
        held_back: Some(&held_back),
        filtered_out: Some(&source.filtered_out),
        ..spec.plan_options(keys, owned)
    };
    let plan = planner::plan(&desired, observed, &options);
    Ok(Decision { plan, import, broken: source.broken.clone() })
}

/// Why the mass-deletion guard holds `plan`, if it does.
pub fn guard(spec: &SyncSpec, plan: &SyncPlan) -> Option<String> {
    let c = plan.counts();
    let managed = plan.managed_at_destination();
    let remaining = managed - c.delete + c.create;
    if !spec.options.mass_deletion_guard.holds(c.delete, managed, remaining) {
        return None;
    }
    let g = spec.options.mass_deletion_guard;
    let why = if remaining == 0 {
        "every key the sync manages there".to_string()
    } else {
        format!("more than {} % of them (and at least {})", g.percent, g.min_keys)
    };
    Some(format!(
        "Held: this run would delete {} of the {managed} keys the sync manages at the destination ({why}). \
         Nothing was written. Typical causes: a deleted or emptied folder, a wrong secret path, an emptied \
         environment. Review the plan and confirm it to go ahead.",
        c.delete
    ))
}

/// The plan's entries on the wire; a configuration variable's entry says what it is, and a
/// key held back names its broken references (`broken`, by source key).
pub fn entries_out(
    plan: &SyncPlan,
    keys: &dyn KeyRules,
    broken: &BTreeMap<SecretKey, Vec<String>>,
) -> Vec<PlanEntryOut> {
    plan.entries()
        .iter()
        .map(|e| {
            let (action, reason, mut detail) = match e.action {
                PlanAction::Skip(r) => {
                    (EntryAction::Skip, Some(r.as_str().to_string()), Some(r.describe().to_string()))
                }
                PlanAction::Create => (EntryAction::Create, None, None),
                PlanAction::Update => (EntryAction::Update, None, None),
                PlanAction::Delete => (EntryAction::Delete, None, None),
                PlanAction::Unchanged => (EntryAction::Unchanged, None, None),
            };
            if e.configures && detail.is_none() {
                detail = Some(keys.configuration_note().to_string());
            }
            if e.action == PlanAction::Skip(SkipReason::BrokenReference)
                && let Some(refs) = e.source_key.as_ref().and_then(|k| broken.get(k))
            {
                detail = Some(format!("broken reference: {}; held back until it is fixed", refs.join(", ")));
            }
            PlanEntryOut {
                key: e.key.clone(),
                source_key: e.source_key.as_ref().map(|k| k.as_str().to_string()),
                action,
                reason,
                detail,
                configures: e.configures,
            }
        })
        .collect()
}

/// The plan's counts on the wire.
pub fn counts_out(plan: &SyncPlan) -> PlanCountsOut {
    let c = plan.counts();
    let n = |v: usize| v as u64;
    PlanCountsOut {
        create: n(c.create),
        update: n(c.update),
        delete: n(c.delete),
        unchanged: n(c.unchanged),
        skipped: n(c.skipped),
    }
}

/// The decision as people see it (key names and actions, never values). `redeploys` names
/// the services the run would redeploy; `orphaned` the keys the sync wrote that its
/// configuration no longer manages.
pub fn view(
    destination: &dyn Destination,
    spec: &SyncSpec,
    decision: &Decision,
    redeploys: Vec<String>,
    orphaned: Vec<String>,
) -> PlanOut {
    let imports = decision
        .import
        .as_ref()
        .map(|i| {
            let entry = |action| move |k: &SecretKey| ImportEntryOut { key: k.as_str().to_string(), action };
            i.creates
                .keys()
                .map(entry(EntryAction::Create))
                .chain(i.updates.keys().map(entry(EntryAction::Update)))
                .collect()
        })
        .unwrap_or_default();
    let changes = decision.plan.changed();
    PlanOut {
        target: destination.describe(&spec.destination),
        entries: entries_out(&decision.plan, destination.key_rules(), &decision.broken),
        counts: counts_out(&decision.plan),
        imports,
        changes,
        redeploy: !redeploys.is_empty(),
        redeploys,
        plan_hash: decision.plan.fingerprint(),
        held: guard(spec, &decision.plan),
        orphaned_keys: orphaned,
    }
}

/// Previews what a run of this sync would do now, reading the source and the
/// destination live.
pub async fn preview(engine: &Engine, spec: &SyncSpec) -> Result<PlanOut, EngineError> {
    let source = source::load(engine, spec, spec.counter).await?;
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let mut calls = CallLog::default();
    let observed = destination.read(spec.target(&token), &mut calls).await?;
    let ledger = match &spec.sync_id {
        Some(id) => {
            let mut conn = engine.store().read().await?;
            let since = sluice_storage::syncs::get(&mut conn, id).await?.and_then(|r| r.trust.ledger_since);
            match since {
                Some(_) => Some(sluice_storage::ledger::digests(&mut conn, id).await?),
                None => None,
            }
        }
        None => None,
    };
    let owned = crate::ledger::keys(ledger.as_ref());
    let decision = decide(spec, &source, &observed, destination.key_rules(), owned.as_ref())?;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let orphaned =
        owned.as_ref().map(|o| sluice_domain::ledger::orphans(o, &matcher).into_iter().collect()).unwrap_or_default();
    let redeploys = match spec.options.redeploy_policy {
        RedeployPolicy::Affected => {
            destination.redeploy_preview(spec.target(&token), &decision.plan, &observed, &mut calls).await?
        }
        RedeployPolicy::None => Vec::new(),
    };
    Ok(view(destination, spec, &decision, redeploys, orphaned))
}

/// What an import would write into the source now, by key name (never values).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportPreview {
    /// Keys the source lacks, which the import adds.
    pub creates: Vec<String>,
    /// Keys whose Sluice value the destination's replaces (prioritize-destination only).
    pub updates: Vec<String>,
}

/// Previews an import with `behavior`, reading the source and the destination live, with
/// the same rules as the import job: what "take Railway's values" would overwrite.
pub async fn import_preview(
    engine: &Engine,
    spec: &SyncSpec,
    behavior: sluice_domain::ImportBehavior,
) -> Result<ImportPreview, EngineError> {
    let source = source::load(engine, spec, spec.counter).await?;
    let destination = engine.destination(&spec.destination.app())?;
    let token = spec.token(engine.core())?;
    let mut calls = CallLog::default();
    let observed = destination.read(spec.target(&token), &mut calls).await?;
    let matcher = spec.options.matcher(&spec.environment.slug);
    let import = plan_import(&observed, &matcher, destination.key_rules(), &source.own, behavior)
        .map_err(|e| EngineError::Source(e.to_string()))?;
    let names =
        |m: &BTreeMap<SecretKey, sluice_domain::SecretValue>| m.keys().map(|k| k.as_str().to_string()).collect();
    Ok(ImportPreview { creates: names(&import.creates), updates: names(&import.updates) })
}
