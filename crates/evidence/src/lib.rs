//! Evidence a third party can verify with the processor's public key alone.
//!
//! - [`keys`]: the processor's Ed25519 signing key, in the C2SP signed-note
//!   key formats (`PRIVATE+KEY+name+id+key` and `name+id+key`).
//! - [`tree`]: the RFC 6962 Merkle tree over a log (leaf hash
//!   `SHA-256(0x00 || leaf)`, node hash `SHA-256(0x01 || left || right)`),
//!   stored as Go sumdb/tlog "stored hashes" (every complete subtree once,
//!   at a dense index), so appends, roots and proofs read `O(log n)` hashes.
//! - [`checkpoint`]: C2SP `tlog-checkpoint` texts signed as C2SP
//!   `signed-note`s.
//! - [`ledger`]: the shred ledger's entry as a leaf: its chain hash and its
//!   canonical JSON.
//! - [`audit`]: the audit log's events as leaves (a global tree and one
//!   per tenant) and the audit proof file.
//! - [`certificate`]: signed deletion certificates (canonical JSON with a
//!   detached signature) and their verification, offline.
//!
//! This crate does no IO: the stores read and write the hashes it names,
//! and the verifier (`custodianctl verify`) reads files. The formats are
//! described byte for byte in `docs/evidence.md`.

pub mod audit;
pub mod canonical;
pub mod certificate;
pub mod checkpoint;
pub mod keys;
pub mod ledger;
pub mod tree;

pub use checkpoint::{Opened, open_checkpoint, sign_checkpoint};
pub use keys::{KeyError, ProcessorKey, PublicKey};
pub use tree::Hash;

/// What failed when evidence was checked, in words a DPO can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceError {
    #[error("not well-formed: {0}")]
    Malformed(String),
    #[error("signature: {0}")]
    Signature(String),
    #[error("proof: {0}")]
    Proof(String),
    #[error("contents: {0}")]
    Contents(String),
}

/// At most `max` characters of `s`, for error messages that quote input.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    out
}
