//! Sluice's cryptography, all of it built on RustCrypto primitives.
//!
//! - [`envelope`]: the root key, per-project data keys wrapped by it, and AES-256-GCM
//!   sealing of values with the row's identity as associated data.
//! - [`tokens`]: random opaque tokens stored as SHA-256 digests.
//! - [`passwords`]: Argon2id hashes for user passwords and identity client secrets.

#![warn(missing_debug_implementations)]

pub mod envelope;
pub mod passwords;
pub mod tokens;

pub use envelope::{Aad, CryptoError, DataKey, RootKey};
