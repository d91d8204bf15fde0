//! How syncs, plans, runs and outcomes are printed: readable text by default, the API's
//! objects with `--output json|yaml`. Plans and outcomes show key names and actions, never
//! values. Drift reports, held plans and the ownership ledger are printed by [`super::report`].

use crate::commands::connections::print_value;
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{self, Format};
use serde_json::json;
use sluice_api_types::runs::{EntryAction, PlanEntryOut, PlanOut, SyncRunOut, SyncRunsOut};
use sluice_api_types::syncs::SecretSyncOut;
use sluice_domain::{JobKind, RunStatus, SyncStatus};
use std::io::IsTerminal;
use std::time::Duration;

pub fn format(ctx: &Context) -> Format {
    ctx.output(Format::Table)
}

pub fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(code: &str, text: &str, on: bool) -> String {
    if on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

/// "in 4 seconds", "3 minutes ago" for an ISO time; the text itself when unreadable.
pub fn when(iso: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(t) = time::OffsetDateTime::parse(iso, &Rfc3339) else {
        return format!("at {iso}");
    };
    let secs = (t - time::OffsetDateTime::now_utc()).whole_seconds();
    if secs >= 0 { format!("in {}", output::duration_words(secs)) } else { crate::context::ago(-secs) }
}

/// "5 seconds ago" for an ISO time in the past ("just now" within a few seconds, which also
/// absorbs a clock a little ahead of this one); the text itself when unreadable.
pub fn ago(iso: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(t) = time::OffsetDateTime::parse(iso, &Rfc3339) else {
        return format!("at {iso}");
    };
    match (time::OffsetDateTime::now_utc() - t).whole_seconds() {
        s if s < 5 => "just now".to_string(),
        s => crate::context::ago(s),
    }
}

/// What a job of `kind` is called in sentences ("the drift check of shop-api").
pub fn job_noun(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Drift => "drift check",
        other => other.as_str(),
    }
}

fn destination(s: &SecretSyncOut) -> String {
    let d = &s.destination_config;
    match &d.service_name {
        Some(service) => format!("{} / {} / {service}", d.project_name, d.environment_name),
        None => format!("{} / {} (shared variables)", d.project_name, d.environment_name),
    }
}

fn source(s: &SecretSyncOut) -> String {
    match (&s.environment, &s.folder) {
        (Some(e), Some(f)) => format!("{}:{}", e.slug, f.path),
        _ => "(source folder deleted)".to_string(),
    }
}

fn status(s: &SecretSyncOut) -> String {
    match (s.sync_status, s.sync_attempt, &s.next_sync_attempt_at) {
        (None, ..) => "never run".to_string(),
        (Some(SyncStatus::Pending), n, Some(at)) if n > 0 => {
            format!("retrying (attempt {} {})", n + 1, when(at))
        }
        (Some(SyncStatus::Failed), _, Some(at)) => format!("failed (tried again on its own {})", when(at)),
        (Some(st), ..) => st.to_string(),
    }
}

pub async fn list(ctx: &Context) -> CliResult<()> {
    let project = ctx.project().await?;
    let out: sluice_api_types::syncs::SecretSyncsResponse =
        ctx.client.get(&super::BASE, &[("projectId", project.id.as_str())]).await?;
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::to_value(&out.secret_syncs).unwrap_or_default());
    }
    if out.secret_syncs.is_empty() {
        println!("No Railway syncs in project {} yet: create one with `sluice syncs railway create`.", project.slug);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = out
        .secret_syncs
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                status(s),
                s.drift_status.clone().unwrap_or_else(|| "-".into()),
                if s.is_auto_sync_enabled { "on".into() } else { "off".into() },
                source(s),
                destination(s),
                s.last_synced_at.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let headers = ["NAME", "STATUS", "DRIFT", "AUTO-SYNC", "SOURCE", "RAILWAY", "LAST SYNCED"];
    print!("{}", output::table(&headers, &rows));
    Ok(())
}

pub fn print_sync(ctx: &Context, s: &SecretSyncOut) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::to_value(s).unwrap_or_default());
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let mut rows = vec![
        vec!["Name".into(), s.name.clone()],
        vec!["ID".into(), s.id.clone()],
        vec!["Description".into(), opt(&s.description)],
        vec!["Source".into(), source(s)],
        vec!["Connection".into(), format!("{} ({})", s.connection.name, s.connection.id)],
        vec!["Railway".into(), destination(s)],
        vec!["Auto-sync".into(), if s.is_auto_sync_enabled { "on".into() } else { "off".into() }],
        vec!["Initial sync".into(), s.sync_options.initial_sync_behavior.clone()],
        vec!["Key schema".into(), opt(&s.sync_options.key_schema)],
        vec![
            "Secret deletion".into(),
            if s.sync_options.disable_secret_deletion { "disabled".into() } else { "enabled".into() },
        ],
    ];
    rows.extend(super::report::option_rows(&s.sync_options));
    rows.push(vec!["Sync status".into(), status(s)]);
    rows.push(vec!["Last synced".into(), opt(&s.last_synced_at)]);
    if let Some(m) = &s.last_sync_message {
        let label = if s.sync_status == Some(SyncStatus::Held) { "Held because" } else { "Last sync error" };
        rows.push(vec![label.into(), super::report::held_reason(m).to_string()]);
    }
    if let Some(h) = &s.held_plan_hash {
        rows.push(vec!["Held plan".into(), format!("{h} (confirm with `sluice syncs railway confirm {}`)", s.name)]);
    }
    rows.extend(super::report::drift_rows(s));
    rows.push(vec!["Import status".into(), opt(&s.import_status.map(|st| st.to_string()))]);
    if let Some(m) = &s.last_import_message {
        rows.push(vec!["Last import error".into(), m.clone()]);
    }
    rows.push(vec!["Remove status".into(), opt(&s.remove_status.map(|st| st.to_string()))]);
    if let Some(m) = &s.last_remove_message {
        rows.push(vec!["Last remove error".into(), m.clone()]);
    }
    rows.push(vec!["Created".into(), s.created_at.clone()]);
    rows.push(vec!["Updated".into(), s.updated_at.clone()]);
    print!("{}", output::table(&["FIELD", "VALUE"], &rows));
    Ok(())
}

/// After create or update (without `--wait`).
pub fn created(ctx: &Context, s: &SecretSyncOut, verb: &str) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_sync(ctx, s);
    }
    println!("{verb} sync {} ({}): {} → Railway {}.", s.name, s.id, source(s), destination(s));
    if s.sync_status == Some(SyncStatus::Pending) {
        println!("A run is queued: watch it with `sluice syncs railway runs {}`, or use --wait.", s.name);
    }
    Ok(())
}

pub fn queued(ctx: &Context, s: &SecretSyncOut, kind: JobKind) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_sync(ctx, s);
    }
    println!(
        "Queued the {} of {}: follow it with `sluice syncs railway runs {}`, or use --wait.",
        job_noun(kind),
        s.name,
        s.name
    );
    Ok(())
}

pub fn deleted(ctx: &Context, s: &SecretSyncOut) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_sync(ctx, s);
    }
    println!("Deleted sync {} ({}); its variables stay at Railway.", s.name, s.id);
    Ok(())
}

pub fn removed_and_deleted(ctx: &Context, s: &SecretSyncOut) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &json!({"deleted": true, "secretSync": s}));
    }
    println!("Removed {}'s variables from Railway and deleted the sync.", s.name);
    Ok(())
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// How a followed job ended (the failure itself is reported by the caller as an error).
pub fn outcome(
    ctx: &Context,
    s: &SecretSyncOut,
    kind: JobKind,
    run: Option<&SyncRunOut>,
    took: Duration,
) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &json!({"secretSync": s, "run": run}));
    }
    let Some(r) = run else {
        let state = super::wait::state(kind, s);
        if let (Some(SyncStatus::Held), Some(m)) = (state.status, &state.message) {
            println!("Held {}: {}", s.name, super::report::held_reason(m));
            return Ok(());
        }
        let st = state.status.map(|s| s.to_string()).unwrap_or_default();
        println!("The {} of {} {st} in {}.", job_noun(kind), s.name, seconds(took));
        return Ok(());
    };
    let c = &r.counts;
    if r.status == RunStatus::Held {
        let why = r.error.as_deref().map(super::report::held_reason).unwrap_or("it deletes too many variables");
        println!("Held {}: {why}", s.name);
        print!("{}", diff_lines(&r.plan, false, color()));
        return Ok(());
    }
    if r.status == RunStatus::Failed {
        println!("The {} of {} failed (attempt {}) in {}.", job_noun(kind), s.name, r.attempt, seconds(took));
        return Ok(());
    }
    match kind {
        JobKind::Sync => {
            println!(
                "Synced {} in {}: {} created, {} updated, {} deleted ({} unchanged, {} skipped).",
                s.name,
                seconds(took),
                c.plan.create,
                c.plan.update,
                c.plan.delete,
                c.plan.unchanged,
                c.plan.skipped
            );
            if c.imported > 0 {
                println!("Imported {} keys from Railway into {} first.", c.imported, source(s));
            }
            print_deploys(r);
        }
        JobKind::Import => {
            println!("Imported {} keys from Railway into {} in {}.", c.imported, source(s), seconds(took));
        }
        JobKind::Remove => {
            println!("Removed {} variables of {} from Railway in {}.", c.plan.delete, s.name, seconds(took));
            print_deploys(r);
        }
        JobKind::Drift => {
            println!("Checked {} for drift in {}.", s.name, seconds(took));
            print_deploys(r);
        }
    }
    print!("{}", diff_lines(&r.plan, false, color()));
    Ok(())
}

/// One line per service the run redeployed, followed or left, then the run's notes.
fn print_deploys(r: &SyncRunOut) {
    for d in &r.deploys {
        let service = d.service_name.as_deref().unwrap_or(&d.service_id);
        let id = d.deployment_id.as_ref().map(|i| format!(" (deployment {i})")).unwrap_or_default();
        let reason = d.reason.as_deref().unwrap_or("");
        match d.state.as_str() {
            "live" => println!("Redeployed {service}{id}: live with the new values."),
            "deploying" => println!("Redeploying {service}{id}: {}.", d.status.as_deref().unwrap_or("on its way")),
            "waiting" => println!("Waiting to redeploy {service}: {reason}."),
            "failed" => println!("Redeploy of {service}{id} failed: {}.", d.status.as_deref().unwrap_or("failed")),
            _ => println!("Not redeployed {service}: {reason}."),
        }
    }
    for note in &r.notes {
        println!("Note: {note}");
    }
}

pub fn diff_lines(entries: &[PlanEntryOut], all: bool, color: bool) -> String {
    let mut out = String::new();
    for e in entries {
        let (mark, code) = match e.action {
            EntryAction::Create => ("+", "32"),
            EntryAction::Update => ("~", "33"),
            EntryAction::Delete => ("-", "31"),
            EntryAction::Skip => ("!", "2"),
            EntryAction::Unchanged if all => ("=", "2"),
            EntryAction::Unchanged => continue,
        };
        let name = match &e.source_key {
            Some(src) if *src != e.key => format!("{} ← {src}", e.key),
            _ => e.key.clone(),
        };
        let why = match (&e.reason, &e.detail) {
            (Some(r), Some(d)) => format!("  (skipped: {r}: {d})"),
            (Some(r), None) => format!("  (skipped: {r})"),
            (None, Some(d)) => format!("  ({d})"),
            _ => String::new(),
        };
        out.push_str(&format!("  {}{why}\n", paint(code, &format!("{mark} {name}"), color)));
    }
    out
}

pub fn print_plan(ctx: &Context, name: &str, plan: &PlanOut, all: bool) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::to_value(plan).unwrap_or_default());
    }
    let color = color();
    println!("Plan for {name}: {}", plan.target);
    if !plan.imports.is_empty() {
        println!("First, imported from Railway into Sluice:");
        for i in &plan.imports {
            let mark = if i.action == EntryAction::Create { "+" } else { "~" };
            println!("  {mark} {} ({} in Sluice)", i.key, i.action);
        }
        println!("Then, at Railway:");
    }
    print!("{}", diff_lines(&plan.entries, all, color));
    let c = &plan.counts;
    if !plan.changes {
        println!("No changes: Railway already matches ({} unchanged, {} skipped).", c.unchanged, c.skipped);
    } else {
        let redeploy =
            if plan.redeploy { format!(" Will redeploy: {}.", plan.redeploys.join(", ")) } else { String::new() };
        println!(
            "{} to create, {} to update, {} to delete ({} unchanged, {} skipped).{redeploy}",
            c.create, c.update, c.delete, c.unchanged, c.skipped
        );
    }
    if let Some(held) = &plan.held {
        println!("Would be held: {}", super::report::held_reason(held));
    }
    if !plan.orphaned_keys.is_empty() {
        println!(
            "Orphaned keys (written by this sync, no longer managed, left at Railway): {}. \
             Remove them with `sluice syncs railway remove-orphans {name}`.",
            plan.orphaned_keys.join(", ")
        );
    }
    Ok(())
}

fn changes(r: &SyncRunOut) -> String {
    let c = &r.counts;
    match r.kind {
        JobKind::Import => format!("imported {}", c.imported),
        JobKind::Remove => format!("-{}", c.plan.delete),
        JobKind::Sync => format!("+{} ~{} -{}", c.plan.create, c.plan.update, c.plan.delete),
        JobKind::Drift => r.notes.first().cloned().unwrap_or_default(),
    }
}

pub fn print_runs(ctx: &Context, s: &SecretSyncOut, out: &SyncRunsOut) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::to_value(out).unwrap_or_default());
    }
    if out.runs.is_empty() {
        println!("{} has not run yet.", s.name);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = out
        .runs
        .iter()
        .map(|r| {
            let mut error = r.error.clone().unwrap_or_default();
            if error.chars().count() > 80 {
                error = error.chars().take(79).collect::<String>() + "…";
            }
            if r.status == RunStatus::Retrying
                && let Some(at) = &r.next_attempt_at
            {
                error = format!("{error} (next attempt {})", when(at));
            }
            vec![
                r.started_at.clone(),
                r.kind.to_string(),
                r.trigger.to_string(),
                r.attempt.to_string(),
                r.status.to_string(),
                r.node.clone(),
                changes(r),
                error,
            ]
        })
        .collect();
    let header = ["STARTED", "KIND", "TRIGGER", "ATTEMPT", "STATUS", "NODE", "CHANGES", "ERROR"];
    print!("{}", output::table(&header, &rows));
    let first = out.offset + 1;
    let last = out.offset + out.runs.len() as i64;
    println!("Runs {first}–{last} of {}.", out.total_count);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, src: Option<&str>, action: EntryAction, reason: Option<&str>) -> PlanEntryOut {
        PlanEntryOut {
            key: key.into(),
            source_key: src.map(Into::into),
            action,
            reason: reason.map(Into::into),
            detail: None,
            configures: false,
        }
    }

    #[test]
    fn diff_shows_actions_and_hides_unchanged() {
        let entries = [
            entry("NEW", Some("NEW"), EntryAction::Create, None),
            entry("APP_DB", Some("DB"), EntryAction::Update, None),
            entry("OLD", None, EntryAction::Delete, None),
            entry("SAME", Some("SAME"), EntryAction::Unchanged, None),
            entry("STRIPE", None, EntryAction::Skip, Some("sealed")),
        ];
        assert_eq!(
            diff_lines(&entries, false, false),
            "  + NEW\n  ~ APP_DB ← DB\n  - OLD\n  ! STRIPE  (skipped: sealed)\n"
        );
        assert!(diff_lines(&entries, true, false).contains("  = SAME\n"));
    }

    #[test]
    fn times_read_as_relative() {
        assert!(when("2000-01-01T00:00:00.000Z").ends_with(" ago"));
        assert!(when("2999-01-01T00:00:00.000Z").starts_with("in "));
        assert_eq!(when("garbage"), "at garbage");
        assert!(ago("2000-01-01T00:00:00.000Z").ends_with(" ago"));
        assert_eq!(ago("2999-01-01T00:00:00.000Z"), "just now", "a clock ahead of ours");
    }
}
