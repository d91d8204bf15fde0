//! Railway tokens: the header each kind ([`TokenKind`], stored on connections, so it
//! lives in `sluice-domain`) is sent in, the credentials an operation takes, and what a
//! token reaches ([`TokenReach`]), which is what a credential check or auto-detection returns.
//!
//! The network side (`check_credentials`, `detect_token`) lives in
//! `operations/identity.rs`; this file is pure data.

use serde::{Deserialize, Serialize};
use sluice_domain::SecretToken;
pub use sluice_domain::TokenKind;

use super::types::Named;

/// The one HTTP header a token kind is sent in, and the value prefix: account and
/// workspace tokens as `Authorization: Bearer`, project tokens as `Project-Access-Token`.
pub(crate) fn header(kind: TokenKind) -> (&'static str, &'static str) {
    match kind {
        TokenKind::Account | TokenKind::Workspace => ("authorization", "Bearer "),
        TokenKind::Project => ("project-access-token", ""),
    }
}

/// A token together with its declared kind: what every operation needs, since the kind
/// decides the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub kind: TokenKind,
    pub token: SecretToken,
}

impl Credentials {
    pub fn new(kind: TokenKind, token: SecretToken) -> Self {
        Self { kind, token }
    }

    /// A connection's credentials from its stored method and its token; `None` when the
    /// method is not one of the token kinds' stored names.
    pub fn for_connection(method: &str, token: SecretToken) -> Option<Self> {
        TokenKind::from_method(method).map(|kind| Self::new(kind, token))
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
        for &kind in TokenKind::ALL {
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
        assert_eq!(header(TokenKind::Account), ("authorization", "Bearer "));
        assert_eq!(header(TokenKind::Workspace), ("authorization", "Bearer "));
        assert_eq!(header(TokenKind::Project), ("project-access-token", ""));
    }

    #[test]
    fn token_never_prints() {
        let t = SecretToken::new(" 5f0c2a3e-secret \n");
        assert_eq!(t.expose(), "5f0c2a3e-secret");
        assert!(!format!("{t:?} {t}").contains("secret"));
        let c = Credentials::new(TokenKind::Project, t);
        assert!(!format!("{c:?}").contains("secret"));
    }
}
