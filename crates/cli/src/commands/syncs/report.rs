//! How what keeps a sync right unattended is printed: drift reports, the plan a held run
//! waits on, the keys a sync owns at Railway, and the rows `get` adds for them. Key names
//! and states only, never values; `--output json|yaml` prints the API's objects.

use super::show::{ago, color, diff_lines, format, when};
use crate::commands::connections::print_value;
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{self, Format};
use sluice_api_types::runs::SyncRunOut;
use sluice_api_types::syncs::{DriftOut, OwnedKeysResponse, QueuedJobResponse, SecretSyncOut, SyncOptionsOut};
use sluice_domain::{DriftPolicy, DriftStatus, KeyDrift, SyncStatus};
use std::str::FromStr;

/// A key's drift state in words; an unknown word (a newer server) as it is.
fn state_words(state: &str) -> &str {
    match KeyDrift::from_str(state) {
        Ok(KeyDrift::InSync) => "in sync",
        Ok(KeyDrift::ChangedAtDestination) => "changed at Railway",
        Ok(KeyDrift::DeletedAtDestination) => "deleted at Railway",
        Ok(KeyDrift::AddedAtDestination) => "added at Railway (not written by this sync)",
        Ok(KeyDrift::Sealed) => "sealed at Railway (cannot be compared)",
        Err(_) => state,
    }
}

/// "1 changed at Railway, 2 in sync": the report's counts that are not zero.
fn counts_words(d: &DriftOut) -> String {
    let c = &d.counts;
    let parts: Vec<String> = [
        (c.changed_at_destination, "changed at Railway"),
        (c.deleted_at_destination, "deleted at Railway"),
        (c.added_at_destination, "added at Railway"),
        (c.sealed, "sealed"),
        (c.in_sync, "in sync"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, words)| format!("{n} {words}"))
    .collect();
    if parts.is_empty() { "nothing to compare".to_string() } else { parts.join(", ") }
}

/// Whether a report says the destination drifted.
pub fn drifted(d: &DriftOut) -> bool {
    DriftStatus::from_str(&d.status) == Ok(DriftStatus::Drifted)
}

/// The latest drift report of `s` (`None`: never checked).
pub fn print_drift(ctx: &Context, s: &SecretSyncOut, drift: Option<&DriftOut>) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::json!({ "drift": drift }));
    }
    let Some(d) = drift else {
        println!(
            "{} has never been checked for drift: check it with `sluice syncs railway drift {} --check --wait`.",
            s.name, s.name
        );
        return Ok(());
    };
    println!("{}: {}, checked {} (drift policy: {}).", s.name, d.status, ago(&d.checked_at), d.policy);
    println!("{}.", counts_words(d));
    if !d.entries.is_empty() {
        let rows: Vec<Vec<String>> =
            d.entries.iter().map(|e| vec![e.key.clone(), state_words(&e.state).to_string()]).collect();
        print!("{}", output::table(&["KEY", "STATE"], &rows));
    }
    if !drifted(d) {
        return Ok(());
    }
    match DriftPolicy::from_str(&d.policy) {
        Ok(DriftPolicy::Heal) => {
            println!("The check queued a sync that puts Sluice's values back (drift policy heal).")
        }
        Ok(DriftPolicy::Adopt) => println!(
            "Railway's changed and added values were taken into Sluice (drift policy adopt); keys deleted at \
             Railway are written again by the next sync."
        ),
        _ => println!(
            "Put Sluice's values back with `sluice syncs railway sync {}`, or let checks act on drift with \
             `sluice syncs railway update {} --drift-policy heal|adopt`.",
            s.name, s.name
        ),
    }
    Ok(())
}

/// The reason a run is held, without the server's leading "Held: ".
pub fn held_reason(message: &str) -> &str {
    message.strip_prefix("Held: ").unwrap_or(message)
}

/// What `confirm` shows before asking: why the sync is held, and the plan it waits on.
pub fn held_review(s: &SecretSyncOut, run: Option<&SyncRunOut>, hash: &str, color: bool) -> String {
    let mut out = String::new();
    let why = s.last_sync_message.as_deref().map(held_reason).unwrap_or("it deletes too many variables");
    out.push_str(&format!("{} is held: {why}\n", s.name));
    match run {
        Some(r) => {
            let c = &r.counts.plan;
            out.push_str(&format!("Held plan {hash}:\n"));
            out.push_str(&diff_lines(&r.plan, false, color));
            out.push_str(&format!(
                "{} to delete, {} to create, {} to update ({} unchanged, {} skipped).\n",
                c.delete, c.create, c.update, c.unchanged, c.skipped
            ));
        }
        None => out.push_str(&format!("Held plan {hash} (preview it with `sluice syncs railway plan {}`).\n", s.name)),
    }
    out
}

/// The review, on standard output for people, on standard error when standard output is
/// for a program (`--output json|yaml`).
pub fn print_held_review(ctx: &Context, s: &SecretSyncOut, run: Option<&SyncRunOut>, hash: &str) {
    if format(ctx) == Format::Table {
        print!("{}", held_review(s, run, hash, color()));
    } else {
        eprint!("{}", held_review(s, run, hash, false));
    }
}

/// The keys a sync owns at Railway (its ledger).
pub fn print_keys(ctx: &Context, s: &SecretSyncOut, out: &OwnedKeysResponse) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::to_value(out).unwrap_or_default());
    }
    let Some(since) = &out.ledger_since else {
        println!("{} owns no keys yet: its ledger starts with its next sync run.", s.name);
        return Ok(());
    };
    if out.keys.is_empty() {
        println!("{} owns no variables at Railway (ledger since {since}).", s.name);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = out
        .keys
        .iter()
        .map(|k| vec![k.key.clone(), k.written_at.clone(), if k.managed { "managed" } else { "orphan" }.to_string()])
        .collect();
    print!("{}", output::table(&["KEY", "WRITTEN", "STATUS"], &rows));
    let orphans = out.keys.iter().filter(|k| !k.managed).count();
    println!("{} keys written by {} (ledger since {since}), {orphans} orphaned.", out.keys.len(), s.name);
    if orphans > 0 {
        println!(
            "Orphans are no longer managed by the sync's configuration and stay at Railway: remove them with \
             `sluice syncs railway remove-orphans {}`.",
            s.name
        );
    }
    Ok(())
}

/// After a trigger that answers with the job queued (without `--wait`).
pub fn queued_job(ctx: &Context, out: &QueuedJobResponse, text: &str) -> CliResult<()> {
    if format(ctx) != Format::Table {
        return print_value(format(ctx), &serde_json::to_value(out).unwrap_or_default());
    }
    println!("{text}");
    Ok(())
}

/// `get`'s rows for the ledger, guard and drift options.
pub fn option_rows(o: &SyncOptionsOut) -> Vec<Vec<String>> {
    let g = o.mass_deletion_guard;
    let guard = if g.enabled {
        format!("on: holds a run deleting every managed variable, or over {} % and at least {}", g.percent, g.min_keys)
    } else {
        "off".to_string()
    };
    let checks = match o.drift_check_interval_minutes {
        0 => "off (on demand only)".to_string(),
        m => format!("every {}", output::duration_words(i64::from(m) * 60)),
    };
    vec![
        vec![
            "Delete only owned".into(),
            if o.delete_only_owned {
                "yes: deletes only variables this sync wrote".into()
            } else {
                "no: deletes any variable the key schema matches".into()
            },
        ],
        vec!["Deletion guard".into(), guard],
        vec!["Drift policy".into(), o.drift_policy.clone()],
        vec!["Drift checks".into(), checks],
    ]
}

/// `get`'s rows for the drift lifecycle and the orphans.
pub fn drift_rows(s: &SecretSyncOut) -> Vec<Vec<String>> {
    let at = |v: &Option<String>, words: fn(&str) -> String| {
        v.as_deref().map(|t| format!("{t} ({})", words(t))).unwrap_or_else(|| "-".into())
    };
    let mut rows = vec![
        vec!["Drift status".into(), s.drift_status.clone().unwrap_or_else(|| "never checked".into())],
        vec!["Last drift check".into(), at(&s.last_drift_check_at, ago)],
        vec!["Next drift check".into(), at(&s.next_drift_check_at, when)],
    ];
    if s.drift_check_status == Some(SyncStatus::Failed)
        && let Some(m) = &s.last_drift_check_message
    {
        rows.push(vec!["Last drift check error".into(), m.clone()]);
    }
    if !s.orphaned_keys.is_empty() {
        rows.push(vec!["Orphaned keys".into(), s.orphaned_keys.join(", ")]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drift_states_and_counts_read_as_words() {
        assert_eq!(state_words("changed-at-destination"), "changed at Railway");
        assert_eq!(state_words("something-new"), "something-new");
        let d: DriftOut = serde_json::from_value(json!({"syncId": "s", "status": "drifted",
            "checkedAt": "2026-01-01T00:00:00.000Z", "jobId": null, "policy": "report",
            "counts": {"inSync": 2, "changedAtDestination": 1}, "entries": []}))
        .expect("report");
        assert!(drifted(&d));
        assert_eq!(counts_words(&d), "1 changed at Railway, 2 in sync");
    }

    #[test]
    fn held_reasons_lose_the_servers_prefix() {
        assert_eq!(held_reason("Held: this run would delete 1 of the 1 keys"), "this run would delete 1 of the 1 keys");
        assert_eq!(held_reason("other"), "other");
    }
}
