//! Roles of organization and project members, and what each may do.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgRole {
    /// Manages the organization: members, identities, app connections, every project.
    Admin,
    /// Sees the organization; reaches projects only through project membership.
    Member,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }
}

impl FromStr for OrgRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Self::Admin),
            "member" | "no-access" => Ok(Self::Member),
            other => Err(format!("unknown organization role \"{other}\"; expected admin or member")),
        }
    }
}

impl fmt::Display for OrgRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member's role in a project. Ordered: a higher role may do all a lower one may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectRole {
    /// Reads secrets, syncs and their history.
    Viewer,
    /// Reads and writes secrets; manages and runs syncs.
    Member,
    /// Everything, including memberships, environments and the audit log.
    Admin,
}

impl ProjectRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }

    pub fn can_read(self) -> bool {
        true
    }

    pub fn can_write(self) -> bool {
        self >= Self::Member
    }

    pub fn can_administer(self) -> bool {
        self == Self::Admin
    }
}

impl FromStr for ProjectRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Self::Admin),
            "member" | "developer" => Ok(Self::Member),
            "viewer" => Ok(Self::Viewer),
            other => Err(format!("unknown project role \"{other}\"; expected admin, member or viewer")),
        }
    }
}

impl fmt::Display for ProjectRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_by_power() {
        assert!(!ProjectRole::Viewer.can_write());
        assert!(ProjectRole::Member.can_write());
        assert!(!ProjectRole::Member.can_administer());
        assert!(ProjectRole::Admin.can_administer());
        assert_eq!("developer".parse::<ProjectRole>(), Ok(ProjectRole::Member));
        assert!("owner".parse::<ProjectRole>().is_err());
    }
}
