//! Envelope encryption for the candidate vault. Pure: no IO beyond the OS
//! random source, no async, no storage.
//!
//! Key hierarchy (DESIGN.md, "Candidate vault crypto"):
//! master key → per-tenant KEK versions (wrapped by the master) → one random
//! DEK per candidate (wrapped by a tenant KEK). Per-candidate keys are never
//! derived from a master key: a random DEK can be destroyed, a derived one
//! could always be derived again.
//!
//! Every ciphertext (field or wrapped key) has the same frame:
//!
//! ```text
//! [format: u8 = 1][key version: u32 BE][nonce: 12 bytes][AES-256-GCM ciphertext][tag: 16 bytes]
//! ```
//!
//! The associated data binds the frame header and the context (tenant id,
//! candidate id, field name, schema version; or the ids of a wrapped key), so
//! a ciphertext moved to another record, field or tenant does not decrypt.
//! Associated data holds ids and field names only, never personal data.

mod frame;
mod index;
mod keys;

pub use frame::{FORMAT_V1, HEADER_LEN, OVERHEAD, TAG_LEN};
pub use index::{IndexKey, normalize_email, normalize_phone};
pub use keys::{Dek, FieldContext, Kek, MasterKey, random_bytes};

/// Why something could not be decrypted or parsed. Deliberately vague about
/// which of key or data was wrong: the answer would help an attacker only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("decryption failed: wrong key, wrong context or tampered data")]
    Decrypt,
    #[error("unsupported ciphertext format {0}")]
    Format(u8),
    #[error("ciphertext is truncated")]
    Truncated,
    #[error("a key must be 32 bytes, got {0}")]
    KeyLength(usize),
    #[error("key is not valid hex")]
    KeyEncoding,
}
