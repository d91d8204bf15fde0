//! Envelope encryption.
//!
//! The root key (32 bytes, from configuration, never stored) wraps one random data key per
//! project. Data keys seal secret values, comments and connection credentials. Every sealed
//! blob is `version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, and the
//! associated data binds it to the row it belongs to, so a ciphertext copied into another
//! row fails to open.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

const BLOB_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the root key must be 32 bytes encoded as base64 ({0})")]
    BadRootKey(String),
    #[error("decryption failed: wrong key, or the data was altered or moved to another row")]
    Open,
    #[error("sealed data is malformed")]
    Malformed,
    #[error("encryption failed")]
    Seal,
}

/// Associated data naming the row a blob belongs to, built from labelled parts so that
/// `("ab","c")` and `("a","bc")` never collide.
#[derive(Clone, Debug, Default)]
pub struct Aad(Vec<u8>);

impl Aad {
    pub fn new(purpose: &str) -> Self {
        let mut a = Self(Vec::with_capacity(128));
        a.push(purpose);
        a
    }

    /// Appends one length-prefixed part.
    pub fn with(mut self, part: &str) -> Self {
        self.push(part);
        self
    }

    fn push(&mut self, part: &str) {
        self.0.extend_from_slice(&(part.len() as u32).to_be_bytes());
        self.0.extend_from_slice(part.as_bytes());
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A secret's value or comment: bound to project, environment, folder and key name.
    pub fn secret(project: &str, environment: &str, folder: &str, key: &str, field: &str) -> Self {
        Self::new("sluice/secret/v1").with(project).with(environment).with(folder).with(key).with(field)
    }

    /// A project's data key, wrapped by the root key.
    pub fn project_key(project: &str) -> Self {
        Self::new("sluice/project-key/v1").with(project)
    }

    /// An app connection's credentials.
    pub fn connection(org: &str, connection: &str) -> Self {
        Self::new("sluice/connection/v1").with(org).with(connection)
    }
}

/// 32 bytes of key material that is wiped when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct KeyBytes([u8; 32]);

fn seal_with(key: &KeyBytes, plaintext: &[u8], aad: &Aad) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key.0));
    let nonce = Nonce::generate();
    let ct = cipher.encrypt(&nonce, Payload { msg: plaintext, aad: aad.as_bytes() }).map_err(|_| CryptoError::Seal)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(BLOB_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open_with(key: &KeyBytes, blob: &[u8], aad: &Aad) -> Result<Vec<u8>, CryptoError> {
    if blob.len() < 1 + NONCE_LEN + TAG_LEN || blob[0] != BLOB_VERSION {
        return Err(CryptoError::Malformed);
    }
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key.0));
    let nonce = Nonce::try_from(&blob[1..1 + NONCE_LEN]).map_err(|_| CryptoError::Malformed)?;
    cipher.decrypt(&nonce, Payload { msg: &blob[1 + NONCE_LEN..], aad: aad.as_bytes() }).map_err(|_| CryptoError::Open)
}

fn random_key() -> KeyBytes {
    let k = Key::<Aes256Gcm>::generate();
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&k);
    KeyBytes(bytes)
}

/// The root key from configuration. It wraps data keys and is never written anywhere.
#[derive(Clone)]
pub struct RootKey(KeyBytes);

impl RootKey {
    pub fn generate() -> Self {
        Self(random_key())
    }

    pub fn from_base64(s: &str) -> Result<Self, CryptoError> {
        let mut raw = STANDARD.decode(s.trim()).map_err(|e| CryptoError::BadRootKey(format!("not base64: {e}")))?;
        if raw.len() != 32 {
            let n = raw.len();
            raw.zeroize();
            return Err(CryptoError::BadRootKey(format!("decoded to {n} bytes")));
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&raw);
        raw.zeroize();
        Ok(Self(KeyBytes(bytes)))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.0)
    }

    pub fn wrap(&self, data_key: &DataKey, aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.0, &data_key.0.0, aad)
    }

    pub fn unwrap(&self, wrapped: &[u8], aad: &Aad) -> Result<DataKey, CryptoError> {
        let mut raw = open_with(&self.0, wrapped, aad)?;
        if raw.len() != 32 {
            raw.zeroize();
            return Err(CryptoError::Malformed);
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&raw);
        raw.zeroize();
        Ok(DataKey(KeyBytes(bytes)))
    }

    /// A value stored once per database so that starting with another root key is
    /// detected before anything is served.
    pub fn check_value(&self) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.0, b"sluice root key check", &Aad::new("sluice/root-key-check/v1"))
    }

    pub fn verify_check_value(&self, blob: &[u8]) -> bool {
        open_with(&self.0, blob, &Aad::new("sluice/root-key-check/v1")).is_ok_and(|v| v == b"sluice root key check")
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

/// A project's data key.
#[derive(Clone)]
pub struct DataKey(KeyBytes);

impl DataKey {
    pub fn generate() -> Self {
        Self(random_key())
    }

    pub fn seal(&self, plaintext: &[u8], aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.0, plaintext, aad)
    }

    pub fn open(&self, blob: &[u8], aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.0, blob, aad)
    }

    /// The key's bytes, for deriving keys from it (crate-internal: never stored or shown).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0.0
    }

    /// Opens a blob holding UTF-8 text.
    pub fn open_string(&self, blob: &[u8], aad: &Aad) -> Result<String, CryptoError> {
        String::from_utf8(self.open(blob, aad)?).map_err(|_| CryptoError::Malformed)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wrapped_data_key_opens_only_with_its_root_key_and_project() {
        let root = RootKey::generate();
        let dk = DataKey::generate();
        let wrapped = root.wrap(&dk, &Aad::project_key("p1")).expect("wrap");
        let back = root.unwrap(&wrapped, &Aad::project_key("p1")).expect("unwrap");
        let aad = Aad::secret("p1", "e", "f", "K", "value");
        let blob = dk.seal(b"hello", &aad).expect("seal");
        assert_eq!(back.open(&blob, &aad).expect("open"), b"hello");
        assert_eq!(root.unwrap(&wrapped, &Aad::project_key("p2")).err(), Some(CryptoError::Open));
        assert_eq!(RootKey::generate().unwrap(&wrapped, &Aad::project_key("p1")).err(), Some(CryptoError::Open));
    }

    #[test]
    fn ciphertext_moved_to_another_row_fails() {
        let dk = DataKey::generate();
        let blob = dk.seal(b"v", &Aad::secret("p", "e", "f", "A", "value")).expect("seal");
        assert!(dk.open(&blob, &Aad::secret("p", "e", "f", "B", "value")).is_err());
        assert!(dk.open(&blob, &Aad::secret("p", "e", "f", "A", "comment")).is_err());
    }

    #[test]
    fn root_key_check_detects_another_key() {
        let root = RootKey::generate();
        let check = root.check_value().expect("check");
        assert!(root.verify_check_value(&check));
        assert!(!RootKey::generate().verify_check_value(&check));
        let again = RootKey::from_base64(&root.to_base64()).expect("b64");
        assert!(again.verify_check_value(&check));
    }

    #[test]
    fn bad_root_keys_are_explained() {
        assert!(matches!(RootKey::from_base64("nope!"), Err(CryptoError::BadRootKey(_))));
        assert!(matches!(RootKey::from_base64("AAAA"), Err(CryptoError::BadRootKey(m)) if m.contains("3 bytes")));
        assert_eq!(format!("{:?}", RootKey::generate()), "RootKey(<redacted>)");
    }

    #[test]
    fn aad_parts_do_not_collide() {
        assert_ne!(Aad::new("x").with("ab").with("c").as_bytes(), Aad::new("x").with("a").with("bc").as_bytes());
    }

    proptest! {
        #[test]
        fn seal_open_round_trip(msg in proptest::collection::vec(any::<u8>(), 0..512), key in "[A-Z_]{1,20}") {
            let dk = DataKey::generate();
            let aad = Aad::secret("p", "e", "f", &key, "value");
            let blob = dk.seal(&msg, &aad).expect("seal");
            prop_assert_eq!(dk.open(&blob, &aad).expect("open"), msg);
        }
    }
}
