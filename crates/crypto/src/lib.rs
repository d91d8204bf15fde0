//! Sluice's cryptography, all of it built on RustCrypto primitives.
//!
//! - [`envelope`]: the root key, per-project data keys wrapped by it, and AES-256-GCM
//!   sealing of values with the row's identity as associated data.
//! - [`digest`]: keyed digests (HMAC-SHA256 under an HKDF-derived key) of values, to
//!   remember what was written without keeping it.
//! - [`tokens`]: random opaque tokens stored as SHA-256 digests.
//! - [`passwords`]: Argon2id hashes for user passwords and identity client secrets.

#![warn(missing_debug_implementations)]

pub mod digest;
pub mod envelope;
pub mod passwords;
pub mod tokens;

pub use digest::DigestKey;
pub use envelope::{Aad, CryptoError, DataKey, RootKey};
