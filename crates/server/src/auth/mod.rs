//! Who is asking: bearer tokens (machine identities, users) and browser sessions,
//! resolved into an [`Actor`]; and what they may do ([`authz`]).

pub mod authz;
mod extract;
pub mod trusted_ips;

pub(crate) use extract::session_cookie;
pub use extract::{
    Actor, ActorKind, CSRF_HEADER, CachedToken, ClientAddr, MaybeActor, OIDC_AUTH, RequestMeta, SESSION_COOKIE,
    untrusted_ip,
};

use sluice_crypto::tokens;

/// Prefix of identity and user access tokens. Never `st.` (Infisical's CLI treats that
/// prefix as a legacy service token).
pub const ACCESS_TOKEN_PREFIX: &str = "sat_";
/// Prefix of browser session cookies.
pub const SESSION_PREFIX: &str = "sss_";

/// A fresh access token and its stored digest.
pub fn new_access_token() -> (String, String) {
    let t = tokens::random_token(ACCESS_TOKEN_PREFIX);
    let d = tokens::digest(&t);
    (t, d)
}
