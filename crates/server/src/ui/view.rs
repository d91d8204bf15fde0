//! Small pieces of presentation shared by pages: a sync's status badge, times in words,
//! and labels of stored values.

use sluice_api_types::runs::{EntryAction, PlanOut};
use sluice_api_types::syncs::SecretSyncOut;
use sluice_domain::SyncStatus;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a badge says at a glance: its colour (the CSS modifier `badge-<kind>`) and the
/// group the status filter of the syncs list matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadgeKind {
    Synced,
    Failed,
    Queued,
    Syncing,
    Retrying,
    Off,
    Never,
    /// A run deletes too many keys and waits for a confirmation.
    Held,
    /// The destination no longer holds what the sync wrote.
    Drifted,
}

impl BadgeKind {
    /// The filter groups, in the order the list offers them.
    pub const GROUPS: [BadgeKind; 5] =
        [BadgeKind::Synced, BadgeKind::Syncing, BadgeKind::Failed, BadgeKind::Off, BadgeKind::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            BadgeKind::Synced => "synced",
            BadgeKind::Failed => "failed",
            BadgeKind::Queued => "queued",
            BadgeKind::Syncing => "syncing",
            BadgeKind::Retrying => "retrying",
            BadgeKind::Off => "off",
            BadgeKind::Never => "never",
            BadgeKind::Held => "held",
            BadgeKind::Drifted => "drifted",
        }
    }

    /// The filter group (`Syncing` covers every kind of work in progress).
    pub fn group(self) -> BadgeKind {
        match self {
            BadgeKind::Queued | BadgeKind::Retrying => BadgeKind::Syncing,
            // Both need someone to look: they filter with the failed ones.
            BadgeKind::Held | BadgeKind::Drifted => BadgeKind::Failed,
            other => other,
        }
    }

    /// Whether the sync's last message belongs beside the badge (it failed, or will retry).
    pub fn explains(self) -> bool {
        matches!(self, BadgeKind::Failed | BadgeKind::Retrying)
    }

    /// What introduces the failure's message. The message says who refused (Railway's
    /// own words come as "Railway refused the credentials: …"); Sluice's errors are its own
    /// sentences, so the label blames no one.
    pub fn failure_label(self) -> &'static str {
        match self {
            BadgeKind::Retrying => "The last attempt failed:",
            _ => "The sync failed:",
        }
    }
}

impl std::fmt::Display for BadgeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sync's status as people see it: a coloured badge with a label and a longer title.
#[derive(Clone, Debug)]
pub struct Badge {
    pub kind: BadgeKind,
    pub label: String,
    /// What a tooltip shows: when it last synced, or why it failed.
    pub title: String,
    /// For a failed or retrying sync, when it is tried again ("Next attempt in 3 minutes"),
    /// shown beside the failure's own message on the details page; empty otherwise.
    pub next: String,
}

impl Badge {
    /// The filter group of this badge.
    pub fn group(&self) -> BadgeKind {
        self.kind.group()
    }
}

fn active(status: Option<SyncStatus>) -> bool {
    matches!(status, Some(SyncStatus::Pending | SyncStatus::Running))
}

/// The badge of a sync. Work in progress (a removal, an import, a queued or running sync)
/// shows first, then a failure, then "Auto-sync off" when auto-sync is off, then the last
/// run's outcome.
pub fn sync_badge(s: &SecretSyncOut) -> Badge {
    let last = match &s.last_synced_at {
        Some(at) => format!("Last synced {}", when(at).relative),
        None => "Never synced".to_string(),
    };
    let b = |kind, label: &str, title: String| Badge { kind, label: label.to_string(), title, next: String::new() };
    if active(s.remove_status) {
        let label = if s.remove_status == Some(SyncStatus::Running) { "Removing" } else { "Removal queued" };
        return b(BadgeKind::Syncing, label, "Removing this sync's variables from Railway".to_string());
    }
    if active(s.import_status) {
        return b(BadgeKind::Syncing, "Importing", "Importing variables from Railway".to_string());
    }
    match s.sync_status {
        Some(SyncStatus::Running) => return b(BadgeKind::Syncing, "Syncing", last),
        Some(SyncStatus::Pending) if s.sync_attempt > 0 => {
            let next = s.next_sync_attempt_at.as_deref().map(|t| format!("Next attempt {}", when(t).relative));
            let why = s.last_sync_message.clone().unwrap_or_default();
            let title = match &next {
                Some(n) => format!("Attempt {} failed: {why}; {}", s.sync_attempt, n.to_lowercase()),
                None => format!("Attempt {} failed: {why}", s.sync_attempt),
            };
            return Badge { next: next.unwrap_or_default(), ..b(BadgeKind::Retrying, "Retrying", title) };
        }
        Some(SyncStatus::Pending) => return b(BadgeKind::Queued, "Queued", last),
        Some(SyncStatus::Held) => {
            let why = s.last_sync_message.clone().unwrap_or_else(|| "A run waits for a confirmation".to_string());
            return b(BadgeKind::Held, "Held: confirm deletions", why);
        }
        _ => {}
    }
    if let Some(removed) = removed_since_synced(s)
        && s.sync_status != Some(SyncStatus::Failed)
    {
        return b(
            BadgeKind::Never,
            "Removed from Railway",
            format!("Its variables were removed from Railway {}; Sync now puts them back", when(removed).relative),
        );
    }
    // A failure stays in view when auto-sync is off: "Auto-sync off" would hide it.
    if !s.is_auto_sync_enabled && s.sync_status != Some(SyncStatus::Failed) {
        return b(BadgeKind::Off, "Auto-sync off", format!("Syncs only when asked. {last}"));
    }
    match s.sync_status {
        Some(SyncStatus::Succeeded) if s.drift_status.as_deref() == Some("drifted") => {
            let checked = s
                .last_drift_check_at
                .as_deref()
                .map(|t| format!(" (checked {})", when(t).relative))
                .unwrap_or_default();
            b(BadgeKind::Drifted, "Drifted", format!("Railway no longer holds what this sync wrote{checked}"))
        }
        Some(SyncStatus::Succeeded) => b(BadgeKind::Synced, "Synced", last),
        Some(SyncStatus::Failed) => {
            let why = s.last_sync_message.clone().unwrap_or_else(|| "The last sync failed".to_string());
            let next =
                s.next_sync_attempt_at.as_deref().map(|t| format!("Tried again on its own {}", when(t).relative));
            let title = match &next {
                Some(n) => format!("{why}; {}", n.to_lowercase()),
                None => why,
            };
            Badge { next: next.unwrap_or_default(), ..b(BadgeKind::Failed, "Failed to sync", title) }
        }
        _ => b(BadgeKind::Never, "Not synced", "No sync has run yet".to_string()),
    }
}

/// When the sync's variables were removed from the destination, if that came after its
/// last successful sync (Railway no longer holds what "Synced" would claim).
fn removed_since_synced(s: &SecretSyncOut) -> Option<&str> {
    if s.remove_status != Some(SyncStatus::Succeeded) {
        return None;
    }
    let removed = s.last_removed_at.as_deref()?;
    let parse = |t: &str| OffsetDateTime::parse(t, &Rfc3339).ok();
    match s.last_synced_at.as_deref() {
        Some(synced) if parse(synced) > parse(removed) => None,
        _ => Some(removed),
    }
}

/// A point in time, in words and exactly.
#[derive(Clone, Debug)]
pub struct When {
    /// `3 minutes ago`.
    pub relative: String,
    /// `2025-04-23 19:46:34 UTC`.
    pub exact: String,
}

/// Reads an ISO-8601 time as returned by the API.
pub fn when(iso: &str) -> When {
    match OffsetDateTime::parse(iso, &Rfc3339) {
        Ok(t) => When { relative: relative(t, OffsetDateTime::now_utc()), exact: exact(t) },
        Err(_) => When { relative: iso.to_string(), exact: iso.to_string() },
    }
}

fn exact(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn relative(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - t).whole_seconds();
    let plural = |n: i64, unit: &str| {
        if n == 1 { format!("1 {unit} ago") } else { format!("{n} {unit}s ago") }
    };
    let ahead = |n: i64, unit: &str| if n == 1 { format!("in 1 {unit}") } else { format!("in {n} {unit}s") };
    match secs {
        i64::MIN..=-86_400 => format!("at {}", exact(t)),
        -86_399..=-3600 => ahead(-secs / 3600, "hour"),
        -3599..=-60 => ahead((-secs + 59) / 60, "minute"),
        -59..=44 => "just now".to_string(),
        45..=3599 => plural((secs / 60).max(1), "minute"),
        3600..=86_399 => plural(secs / 3600, "hour"),
        86_400..=2_591_999 => plural(secs / 86_400, "day"),
        _ => format!("on {:04}-{:02}-{:02}", t.year(), t.month() as u8, t.day()),
    }
}

/// The label of a Railway connection's method.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "account-token" => "Account token",
        "team-token" => "Team token",
        "project-token" => "Project token",
        _ => "Token",
    }
}

/// The label of an initial sync behaviour.
pub fn initial_behavior_label(value: &str) -> &'static str {
    match value {
        "overwrite-destination" => "Overwrite destination secrets",
        "import-prioritize-source" => "Import secrets (prioritize Sluice)",
        "import-prioritize-destination" => "Import secrets (prioritize Railway)",
        _ => "Unknown",
    }
}

/// One key of a plan, for people.
#[derive(Clone, Debug)]
pub struct PlanRow {
    pub key: String,
    pub action: EntryAction,
    pub label: &'static str,
    /// The Sluice secret it comes from (when renamed by a key schema), or why it is skipped.
    pub note: String,
}

/// What a sync run would do, summarised for people (names and actions, never values).
#[derive(Clone, Debug)]
pub struct PlanDisplay {
    pub target: String,
    pub create: u64,
    pub update: u64,
    pub delete: u64,
    /// Unchanged and skipped keys: left alone.
    pub keep: u64,
    pub rows: Vec<PlanRow>,
    /// Keys imported from Railway into Sluice before the first push (`KEY (new)`).
    pub imports: Vec<String>,
    pub changes: bool,
    pub redeploy: bool,
    /// The services the run would redeploy, by name.
    pub redeploys: Vec<String>,
    /// Why a run of this plan would be held by the mass-deletion guard.
    pub held: Option<String>,
}

impl PlanDisplay {
    pub fn new(p: &PlanOut) -> PlanDisplay {
        let order = |a: EntryAction| match a {
            EntryAction::Create => 0,
            EntryAction::Update => 1,
            EntryAction::Delete => 2,
            EntryAction::Skip => 3,
            EntryAction::Unchanged => 4,
        };
        let mut rows: Vec<PlanRow> = p
            .entries
            .iter()
            .map(|e| {
                let note = match (&e.detail, &e.source_key) {
                    (Some(d), _) => d.clone(),
                    (None, Some(k)) if *k != e.key => format!("from {k}"),
                    _ => String::new(),
                };
                let label = match e.action {
                    EntryAction::Create => "Create",
                    EntryAction::Update => "Update",
                    EntryAction::Delete => "Delete",
                    EntryAction::Skip => "Left alone",
                    EntryAction::Unchanged => "Unchanged",
                };
                PlanRow { key: e.key.clone(), action: e.action, label, note }
            })
            .collect();
        rows.sort_by(|a, b| order(a.action).cmp(&order(b.action)).then_with(|| a.key.cmp(&b.key)));
        PlanDisplay {
            target: p.target.clone(),
            create: p.counts.create,
            update: p.counts.update,
            delete: p.counts.delete,
            keep: p.counts.unchanged + p.counts.skipped,
            rows,
            imports: p
                .imports
                .iter()
                .map(|i| format!("{} ({})", i.key, if i.action == EntryAction::Create { "new" } else { "updated" }))
                .collect(),
            changes: p.changes,
            redeploy: p.redeploy,
            redeploys: p.redeploys.clone(),
            held: p.held.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        let now = OffsetDateTime::from_unix_timestamp(1_745_437_594).expect("time");
        let ago = |s: i64| relative(now - time::Duration::seconds(s), now);
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(150), "2 minutes ago");
        assert_eq!(ago(7200), "2 hours ago");
        assert_eq!(ago(86_400 * 3), "3 days ago");
        assert!(ago(86_400 * 90).starts_with("on 2025-"));
        assert_eq!(ago(-30), "just now");
        assert_eq!(ago(-60), "in 1 minute");
        assert_eq!(ago(-9 * 60 - 10), "in 10 minutes", "rounded up: not earlier than said");
        assert_eq!(ago(-7200), "in 2 hours");
        assert!(ago(-86_400 * 2).starts_with("at 2025-"));
    }
}
