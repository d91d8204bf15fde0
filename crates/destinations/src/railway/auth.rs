//! Railway tokens: their kinds, the header each kind is sent in, and what a token
//! reaches ([`TokenReach`]), which is what a credential check or auto-detection returns.
//!
//! The network side (`check_credentials`, `detect_token`) lives in
//! `operations/identity.rs`; this file is pure data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::types::Named;

/// The three kinds of Railway token. The serde/string names are the ones Sluice
/// connections store (`account-token`, `team-token`, `project-token`, as Infisical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenKind {
    /// Account ("personal") token: everything the user can reach. `Authorization: Bearer`.
    #[serde(rename = "account-token")]
    Account,
    /// Workspace (formerly "team") token: one workspace. `Authorization: Bearer`.
    #[serde(rename = "team-token", alias = "workspace-token")]
    Workspace,
    /// Project token: one environment of one project. `Project-Access-Token`.
    #[serde(rename = "project-token")]
    Project,
}

impl TokenKind {
    /// All kinds, in the order auto-detection probes them.
    pub const ALL: [TokenKind; 3] = [Self::Account, Self::Workspace, Self::Project];

    /// The name Sluice stores for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account-token",
            Self::Workspace => "team-token",
            Self::Project => "project-token",
        }
    }

    /// The one HTTP header this kind is sent in, and the value prefix.
    pub(crate) fn header(self) -> (&'static str, &'static str) {
        match self {
            Self::Account | Self::Workspace => ("authorization", "Bearer "),
            Self::Project => ("project-access-token", ""),
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token-kind name that is not one of `account-token`, `team-token`, `project-token`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Railway token kind {0:?}: expected account-token, team-token or project-token")]
pub struct UnknownTokenKind(pub String);

impl FromStr for TokenKind {
    type Err = UnknownTokenKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "account-token" => Ok(Self::Account),
            "team-token" | "workspace-token" => Ok(Self::Workspace),
            "project-token" => Ok(Self::Project),
            other => Err(UnknownTokenKind(other.to_owned())),
        }
    }
}

/// A Railway token value. `Debug` and `Display` print `[redacted]`; the only way to the
/// text is [`Token::expose`], used by the transport when it sets the header.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token, trimming surrounding whitespace (pasted tokens often carry a newline).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_owned())
    }

    /// The secret text. Call it only to put the token on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A token together with its declared kind: what every operation needs, since the kind
/// decides the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub kind: TokenKind,
    pub token: Token,
}

impl Credentials {
    pub fn new(kind: TokenKind, token: Token) -> Self {
        Self { kind, token }
    }
}

/// What a token can reach, as established by a credential check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TokenReach {
    /// An account token and the workspaces it reaches.
    Account { workspaces: Vec<Named> },
    /// A workspace token and its one workspace.
    Workspace { workspace: Named },
    /// A project token and the one (project, environment) pair it is bound to.
    Project { project: Named, environment: Named },
}

impl TokenReach {
    /// The token kind this reach implies.
    pub fn kind(&self) -> TokenKind {
        match self {
            Self::Account { .. } => TokenKind::Account,
            Self::Workspace { .. } => TokenKind::Workspace,
            Self::Project { .. } => TokenKind::Project,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_through_str_and_serde() {
        for kind in TokenKind::ALL {
            assert_eq!(kind.as_str().parse::<TokenKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<TokenKind>(&json).expect("parse"), kind);
        }
        assert_eq!("workspace-token".parse::<TokenKind>(), Ok(TokenKind::Workspace));
        assert!("bearer".parse::<TokenKind>().is_err());
    }

    #[test]
    fn each_kind_has_exactly_one_header() {
        assert_eq!(TokenKind::Account.header(), ("authorization", "Bearer "));
        assert_eq!(TokenKind::Workspace.header(), ("authorization", "Bearer "));
        assert_eq!(TokenKind::Project.header(), ("project-access-token", ""));
    }

    #[test]
    fn token_never_prints() {
        let t = Token::new(" 5f0c2a3e-secret \n");
        assert_eq!(t.expose(), "5f0c2a3e-secret");
        assert!(!format!("{t:?} {t}").contains("secret"));
        let c = Credentials::new(TokenKind::Project, t);
        assert!(!format!("{c:?}").contains("secret"));
    }
}
