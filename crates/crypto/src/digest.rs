//! Keyed digests of secret values, for remembering what was written somewhere without
//! keeping the value: HMAC-SHA256 under a key derived (HKDF-SHA256) from a project's data
//! key and a purpose label. Without the data key a digest says nothing about the value,
//! not even whether two projects hold the same one; a plain hash would let anyone with the
//! database test guesses.

use crate::envelope::DataKey;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A key for [`DigestKey::digest`], derived from a data key for one purpose.
pub struct DigestKey(Zeroizing<[u8; 32]>);

impl DigestKey {
    /// Derives the key of `purpose` (e.g. `b"sluice/sync-digest/v1"`) from `data_key`.
    pub fn derive(data_key: &DataKey, purpose: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(None, data_key.bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit of 8160; expanding cannot fail.
        hk.expand(purpose, out.as_mut_slice()).unwrap_or_default();
        Self(out)
    }

    /// The digest of `value` stored under `name`, as lowercase hex. The name is part of
    /// the message, so the same value under two names digests differently.
    pub fn digest(&self, name: &str, value: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_slice()).unwrap_or_else(|_| {
            // HMAC takes keys of any length.
            unreachable!("HMAC accepts a 32-byte key")
        });
        mac.update(&(name.len() as u64).to_be_bytes());
        mac.update(name.as_bytes());
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `value` under `name` has the digest `expected`, in constant time.
    pub fn matches(&self, name: &str, value: &[u8], expected: &str) -> bool {
        self.digest(name, value).as_bytes().ct_eq(expected.as_bytes()).into()
    }
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_depend_on_key_name_value_and_purpose() {
        let a = DataKey::generate();
        let b = DataKey::generate();
        let ka = DigestKey::derive(&a, b"p1");
        let d = ka.digest("API_KEY", b"v1");
        assert_eq!(d.len(), 64);
        assert_eq!(d, DigestKey::derive(&a, b"p1").digest("API_KEY", b"v1"));
        assert_ne!(d, ka.digest("API_KEY", b"v2"));
        assert_ne!(d, ka.digest("OTHER", b"v1"));
        assert_ne!(d, DigestKey::derive(&b, b"p1").digest("API_KEY", b"v1"));
        assert_ne!(d, DigestKey::derive(&a, b"p2").digest("API_KEY", b"v1"));
        // The name's length is framed: ("AB", "C…") and ("A", "BC…") differ.
        assert_ne!(ka.digest("AB", b"C"), ka.digest("A", b"BC"));
        assert!(ka.matches("API_KEY", b"v1", &d));
        assert!(!ka.matches("API_KEY", b"v2", &d));
        // Never the plain hash of the value.
        assert_ne!(d, hex::encode(<Sha256 as sha2::Digest>::digest(b"v1")));
    }
}
