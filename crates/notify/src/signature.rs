//! Webhook signatures as the Standard Webhooks specification has them
//! (<https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>,
//! "Signature scheme" and "Webhook headers"; summary at <https://www.standardwebhooks.com/verify>):
//!
//! - the secret is random, at least 24 bytes (we make 32), shown to people as
//!   `whsec_<base64>`; the HMAC key is the base64-decoded part;
//! - the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, the timestamp in
//!   unix seconds and the body byte for byte as sent;
//! - the `webhook-signature` header is `v1,<base64 of HMAC-SHA256>` (a space-separated list,
//!   of which we send one).
//!
//! The test below checks the reference vector the Standard Webhooks libraries share.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use sluice_domain::SecretToken;
use std::fmt;

/// How a signing secret is shown.
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of a secret we make.
const SECRET_BYTES: usize = 32;
/// The specification's bounds on a symmetric secret.
const MIN_BYTES: usize = 24;
const MAX_BYTES: usize = 64;

/// A webhook signing secret (`whsec_…`). `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct SigningSecret(SecretToken);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a signing secret starts with whsec_")]
    Prefix,
    #[error("a signing secret is whsec_ followed by base64")]
    Base64,
    #[error("a signing secret holds 24 to 64 bytes")]
    Length,
}

impl SigningSecret {
    /// A fresh secret of 32 random bytes.
    pub fn generate() -> Self {
        let bytes: [u8; SECRET_BYTES] = rand::random();
        Self(SecretToken::new(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))))
    }

    /// A secret as shown to people (as stored, after opening).
    pub fn parse(text: &SecretToken) -> Result<Self, SecretError> {
        let secret = Self(text.clone());
        let len = secret.key()?.len();
        if !(MIN_BYTES..=MAX_BYTES).contains(&len) {
            return Err(SecretError::Length);
        }
        Ok(secret)
    }

    /// The HMAC key: the base64-decoded part.
    fn key(&self) -> Result<Vec<u8>, SecretError> {
        let encoded = self.0.expose().strip_prefix(SECRET_PREFIX).ok_or(SecretError::Prefix)?;
        STANDARD.decode(encoded).map_err(|_| SecretError::Base64)
    }

    /// The secret as shown once to its owner.
    pub fn token(&self) -> &SecretToken {
        &self.0
    }

    /// The `webhook-signature` header of a message.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // A parsed or generated secret always decodes.
        sign(&self.key().unwrap_or_default(), msg_id, timestamp, body)
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

/// `v1,<base64 HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}")>`.
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_vector_signs_as_every_standard_webhooks_library_does() {
        let secret = SigningSecret::parse(&SecretToken::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).expect("valid");
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn generated_secrets_are_whsec_base64_of_32_bytes_and_never_print() {
        let a = SigningSecret::generate();
        let b = SigningSecret::generate();
        assert_ne!(a.token().expose(), b.token().expose());
        assert!(a.token().expose().starts_with(SECRET_PREFIX));
        assert_eq!(a.key().expect("decodes").len(), 32);
        assert!(SigningSecret::parse(a.token()).is_ok());
        assert_eq!(format!("{a:?}"), "SigningSecret(<redacted>)");
    }

    #[test]
    fn malformed_secrets_are_refused() {
        let parse = |s: &str| SigningSecret::parse(&SecretToken::new(s)).err();
        assert_eq!(parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Some(SecretError::Prefix));
        assert_eq!(parse("whsec_!!!"), Some(SecretError::Base64));
        assert_eq!(parse("whsec_AAAA"), Some(SecretError::Length));
    }
}
