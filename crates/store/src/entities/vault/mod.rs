//! Tables of the candidate vault (owner: services/vault). `candidates`,
//! `candidate_documents`, `candidate_index`, `retention_policies`,
//! `deletion_certificates` and `vault_state` live in the main database;
//! `master_check`, `tenant_keks`, `tenant_index_keys`, `candidate_deks`,
//! `shred_ledger`, `tenant_shreds`, `keystore_state`, `ledger_tree_hashes`,
//! `ledger_checkpoints`, `signing_keys`, `audit_tree_hashes` and
//! `audit_checkpoints` in the key store.

pub mod audit_checkpoints;
pub mod audit_tree_hashes;
pub mod candidate_deks;
pub mod candidate_documents;
pub mod candidate_index;
pub mod candidates;
pub mod deletion_certificates;
pub mod keystore_state;
pub mod ledger_checkpoints;
pub mod ledger_tree_hashes;
pub mod master_check;
pub mod retention_policies;
pub mod shred_ledger;
pub mod signing_keys;
pub mod tenant_index_keys;
pub mod tenant_keks;
pub mod tenant_shreds;
pub mod vault_state;
