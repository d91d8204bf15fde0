//! Typed identifiers. Every id is a UUID (v7 for new rows, so ids sort by creation time)
//! carried as its canonical lowercase string, which is how storage keeps it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a typed id over a UUID string.
macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Parses a UUID given by a caller; `None` when it is not one.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s.trim()).ok().map(|u| Self(u.to_string()))
            }

            /// Wraps a value read back from storage, which only ever holds valid ids.
            pub fn from_trusted(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

typed_id!(
    OrgId,
    UserId,
    IdentityId,
    ProjectId,
    EnvironmentId,
    FolderId,
    SecretId,
    SecretImportId,
    ClientSecretId,
    AccessTokenId,
    ConnectionId,
    SyncId,
    JobId,
    RunId,
    ChannelId,
    DeliveryId,
    EventId,
    AuditId,
    MembershipId,
    SessionId,
    TagId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_uuids_and_normalises_case() {
        let id = ProjectId::parse("3C90C3CC-0D44-4B50-8888-8DD25736052A").expect("uuid");
        assert_eq!(id.as_str(), "3c90c3cc-0d44-4b50-8888-8dd25736052a");
        assert!(ProjectId::parse("dev-project-id").is_none());
    }

    #[test]
    fn new_ids_sort_by_creation() {
        let a = SyncId::new();
        let b = SyncId::new();
        assert!(a < b);
    }
}
