//! Opaque bearer tokens: 256 random bits, shown once, stored as a SHA-256 digest.
//! Access tokens never start with `st.`, which Infisical's CLI reserves for legacy
//! service tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A fresh token `<prefix><43 base64url characters>`.
pub fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a token, as stored and looked up.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hex SHA-256 of bytes (for `credentialsHash` and similar fingerprints).
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Constant-time comparison of two digests.
pub fn digests_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_prefixed() {
        let a = random_token("sat_");
        let b = random_token("sat_");
        assert_ne!(a, b);
        assert!(a.starts_with("sat_") && a.len() == 4 + 43);
        assert!(!a.starts_with("st."));
        assert_eq!(digest(&a).len(), 64);
        assert!(digests_equal(&digest(&a), &digest(&a)));
        assert!(!digests_equal(&digest(&a), &digest(&b)));
    }
}
