//! VaultService: candidates' personal data encrypted at rest (one random DEK
//! per candidate under a tenant KEK under the master key), retention policies
//! that set `delete_after`, legal holds, and deletion by crypto-shredding with
//! a ledger that survives backup restores.
//!
//! - [`domain`]: validation, categories, the retention computation (no IO).
//! - [`keys`]: the key store database: master check, KEKs, index keys, DEKs, rotation.
//! - [`ledger`]: the shred ledger entry and its append-only file.
//! - [`service`]: the operations over both databases, by concern: `candidate`
//!   (intake, reads, subject lookups, changes, consent), `retention` (policy,
//!   holds), `erasure` (one candidate, the sweep), `reconcile` (the erasure
//!   fence), `tenant` (export pages and keys, tenant erasure).
//! - [`grpc`]: the thin tonic adapter.

pub mod domain;
pub mod grpc;
pub mod keys;
pub mod ledger;
pub mod obligations;
pub mod peer;
pub mod service;
pub mod signing_key;

pub use service::{LeafRef, Notary, Proven, ReconcileReport, SweepReport, TenantDirectory, Vault};
