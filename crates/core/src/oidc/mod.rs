//! Verifying OIDC identity tokens (JWTs) for machine-identity login, as Infisical's OIDC
//! auth does: the issuer's discovery document names its JWKS; the token's signature is
//! checked with the key its `kid` names (RS256 or ES256), then expiry and not-before, and
//! the identity's bound issuer, audiences, subject and claims.
//!
//! Start with [`OidcVerifier::verify`]. [`policy`] holds the pure decisions (globs, claim
//! checks, which URLs may be fetched) with their tests; [`keys`] fetches and caches the
//! issuers' keys. Signature verification is `jsonwebtoken`'s; nothing here does crypto.
//! Nothing here knows HTTP servers: the API maps [`OidcError`] to its answers.

pub mod keys;
pub mod policy;

pub use keys::{OidcVerifier, check_ca_cert};
pub use policy::{OidcPolicy, check_fetch_url, glob_match};

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The token is bad (malformed, expired, wrong audience, signature, …): the caller's
    /// fault; the message says why, never with the token.
    #[error("{0}")]
    Rejected(String),
    /// The identity's issuer could not give its keys (unreachable, not HTTPS, invalid
    /// discovery document or JWKS, a CA certificate that does not parse): the
    /// configuration's fault, not the token's.
    #[error("{0}")]
    Issuer(String),
}

/// A token that passed every check: its claims (for audit entries and metadata).
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub claims: serde_json::Value,
}
