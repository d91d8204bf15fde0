//! The words Sluice stores and shows for states and kinds: sync statuses, run statuses,
//! job states and kinds, what triggered a job, who acted, what a secret version did,
//! which app a connection is for. Each is an enum with one spelling, declared once by
//! [`word_enum!`]: `as_str` gives the stored and wire text, `FromStr` (and serde, and
//! `TryFrom<String>`, which storage decodes through) parses it back.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A word that is not one of an enum's spellings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{value}\" (expected one of: {expected})")]
pub struct UnknownWord {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares an enum of words: one variant per spelling.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)*,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<Self, UnknownWord> {
                match s {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    other => Err(UnknownWord {
                        what: $what,
                        value: other.to_string(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownWord;

            fn try_from(s: String) -> Result<Self, UnknownWord> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use word_enum;

word_enum! {
    /// Where one of a sync's lifecycles (sync, import, remove) stands.
    pub enum SyncStatus: "sync status" {
        /// A job is queued.
        Pending = "pending",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        /// The run would delete too many of the sync's keys: nothing was written, and the
        /// plan waits for someone to confirm it.
        Held = "held",
    }
}

word_enum! {
    /// What a drift check does when the destination no longer holds what the sync wrote.
    #[derive(Default)]
    pub enum DriftPolicy: "drift policy" {
        /// Say so (the sync shows "Drifted"); write nothing.
        #[default]
        Report = "report",
        /// Queue a sync that puts Sluice's values back.
        Heal = "heal",
        /// Take the destination's values into Sluice, recorded as a change by the sync.
        Adopt = "adopt",
    }
}

word_enum! {
    /// What the latest drift check found.
    pub enum DriftStatus: "drift status" {
        /// The destination holds what the sync wrote.
        InSync = "in-sync",
        /// At least one key changed, disappeared or appeared at the destination.
        Drifted = "drifted",
    }
}

word_enum! {
    /// One destination key in a drift report.
    pub enum KeyDrift: "key drift" {
        /// Holds what the sync last wrote.
        InSync = "in-sync",
        /// Holds another value than the sync last wrote.
        ChangedAtDestination = "changed-at-destination",
        /// The sync wrote it; it is gone.
        DeletedAtDestination = "deleted-at-destination",
        /// Matches the key schema, but this sync never wrote it.
        AddedAtDestination = "added-at-destination",
        /// Sealed at the destination: its value cannot be read back, so it cannot be compared.
        Sealed = "sealed",
    }
}

word_enum! {
    /// Which services a change to a sync's variables redeploys.
    #[derive(Default)]
    pub enum RedeployPolicy: "redeploy policy" {
        /// The services the change reaches: the target service, and every service of the
        /// environment whose variables reference a changed variable.
        #[default]
        Affected = "affected",
        /// Write only; the values reach the app with its next deploy.
        None = "none",
    }
}

word_enum! {
    /// How one run (one attempt of a job) ended, or that it is still going.
    pub enum RunStatus: "run status" {
        Running = "running",
        Succeeded = "succeeded",
        /// The writes are done and deploys are on their way; the job comes back at
        /// `nextAttemptAt` to follow them.
        Deploying = "deploying",
        Failed = "failed",
        /// Failed; the job runs again at `nextAttemptAt`.
        Retrying = "retrying",
        /// Stopped without writing: another run took the sync over (older runs; see
        /// `Interrupted`).
        Abandoned = "abandoned",
        /// Stopped because its node lost the job (its lease ran out, or the node
        /// restarted): it wrote nothing after that, and another run took over.
        Interrupted = "interrupted",
        /// Stopped without writing: the plan deletes too many keys and waits for someone
        /// to confirm it.
        Held = "held",
    }
}

word_enum! {
    /// The state of a job in the queue.
    pub enum JobState: "job state" {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        /// Its sync was deleted before it ran.
        Cancelled = "cancelled",
        /// A newer queued job of the same sync took over its retry.
        Superseded = "superseded",
        /// Its plan deletes too many keys: it wrote nothing and waits for a confirmation.
        Held = "held",
    }
}

impl JobState {
    /// Whether the job will not run again.
    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

word_enum! {
    /// What a job does; each kind has its own status lifecycle on the sync.
    pub enum JobKind: "job kind" {
        /// Push the source to the destination.
        Sync = "sync",
        /// Pull the destination's managed keys into the source.
        Import = "import",
        /// Delete the managed keys the source has from the destination.
        Remove = "remove",
        /// Compare the destination with what the sync last wrote.
        Drift = "drift",
    }
}

word_enum! {
    /// What made a job.
    pub enum Trigger: "trigger" {
        /// The sync was created with auto-sync on.
        Create = "create",
        /// The sync's configuration changed.
        Update = "update",
        /// Auto-sync was switched on.
        Enable = "enable",
        /// Someone asked (`sync-secrets`, `import-secrets`, `remove-secrets`).
        Manual = "manual",
        /// A secret the sync depends on changed.
        SecretChange = "secret-change",
        /// Deleting the sync with `removeSecrets=true`.
        Delete = "delete",
        /// A scheduled check (drift).
        Schedule = "schedule",
        /// A drift check found the destination changed and the sync heals it.
        Drift = "drift",
        /// A node took over a job whose holder's lease ran out: the sync is verified
        /// after the previous holder's last possible write.
        Repair = "repair",
        /// Reconciliation: a sync that failed is tried again on its own, on a schedule.
        Reconcile = "reconcile",
    }
}

word_enum! {
    /// Who did something, in audit entries, secret versions, change events and runs.
    pub enum ActorType: "actor type" {
        User = "user",
        Identity = "identity",
        /// Sluice itself (the sync engine, start-up provisioning).
        Platform = "platform",
        /// Someone not authenticated (a failed login).
        Anonymous = "anonymous",
    }
}

word_enum! {
    /// What a secret version records.
    pub enum VersionAction: "version action" {
        Created = "created",
        Updated = "updated",
        Deleted = "deleted",
    }
}

/// The platform an app connection or a sync talks to. A database may hold apps this build
/// does not know (written by a later Sluice, or restored from an Infisical export): they
/// read back as [`App::Other`] and are refused where a Railway one is needed, never
/// fail the read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum App {
    Railway,
    Other(String),
}

impl App {
    /// The stored and wire spelling (`railway`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Railway => "railway",
            Self::Other(name) => name,
        }
    }

    /// The name people read (`Railway`, `GitHub`).
    pub fn display_name(&self) -> String {
        match self {
            Self::Railway => "Railway".to_string(),
            Self::Other(name) => match name.as_str() {
                "github" => "GitHub".to_string(),
                "aws" => "AWS".to_string(),
                other => {
                    let mut c = other.chars();
                    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
                }
            },
        }
    }
}

impl From<String> for App {
    fn from(s: String) -> Self {
        if s == "railway" { Self::Railway } else { Self::Other(s) }
    }
}

impl FromStr for App {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s.to_string()))
    }
}

impl fmt::Display for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for App {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for App {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::from(String::deserialize(d)?))
    }
}

word_enum! {
    /// How a Railway connection authenticates: the kind of Railway token it holds. The
    /// names are the ones Infisical stores.
    pub enum TokenKind: "Railway token kind" {
        /// Account ("personal") token: everything the user can reach.
        Account = "account-token",
        /// Workspace (formerly "team") token: one workspace.
        Workspace = "team-token" | "workspace-token",
        /// Project token: one environment of one project.
        Project = "project-token",
    }
}

impl TokenKind {
    /// The kind a connection method names: exactly one of the stored spellings (the
    /// `workspace-token` alias is accepted when reading, never as a method).
    pub fn from_method(method: &str) -> Option<TokenKind> {
        TokenKind::ALL.iter().copied().find(|k| k.as_str() == method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_through_text_serde_and_try_from() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + Serialize + for<'de> Deserialize<'de>,
            <T as FromStr>::Err: fmt::Debug,
        {
            for v in all {
                let text = v.to_string();
                assert_eq!(text.parse::<T>().expect("parses"), *v);
                let json = serde_json::to_string(v).expect("serializes");
                assert_eq!(json, format!("\"{text}\""));
                assert_eq!(serde_json::from_str::<T>(&json).expect("deserializes"), *v);
            }
        }
        check(SyncStatus::ALL);
        check(RunStatus::ALL);
        check(JobState::ALL);
        check(JobKind::ALL);
        check(Trigger::ALL);
        check(ActorType::ALL);
        check(VersionAction::ALL);
        check(TokenKind::ALL);
    }

    #[test]
    fn unknown_words_say_what_was_expected() {
        let e = "paused".parse::<SyncStatus>().expect_err("not a status");
        assert_eq!(
            e.to_string(),
            "unknown sync status \"paused\" (expected one of: pending, running, succeeded, failed, held)"
        );
        assert!(serde_json::from_str::<Trigger>("\"secret_change\"").is_err());
        assert_eq!(Trigger::SecretChange.as_str(), "secret-change");
        assert_eq!(TokenKind::try_from("team-token".to_string()), Ok(TokenKind::Workspace));
        assert_eq!("workspace-token".parse::<TokenKind>(), Ok(TokenKind::Workspace));
        assert_eq!(TokenKind::from_method("workspace-token"), None);
        assert_eq!(TokenKind::from_method("team-token"), Some(TokenKind::Workspace));
        assert_eq!(TokenKind::Workspace.as_str(), "team-token");
    }

    #[test]
    fn apps_this_build_does_not_know_read_back() {
        assert_eq!("railway".parse::<App>(), Ok(App::Railway));
        let gh: App = "github".parse().expect("any name");
        assert_eq!(gh, App::Other("github".into()));
        assert_eq!((gh.as_str(), gh.display_name()), ("github", "GitHub".to_string()));
        assert_eq!(App::Other("vercel".into()).display_name(), "Vercel");
    }

    #[test]
    fn finished_job_states() {
        assert!(!JobState::Queued.is_finished());
        assert!(!JobState::Running.is_finished());
        assert!(JobState::Superseded.is_finished());
    }
}
