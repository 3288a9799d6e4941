//! The shred ledger's entry as a leaf of its Merkle tree.
//!
//! Entry `seq` (1, 2, …) is leaf `seq - 1`. The leaf's bytes are the entry's
//! canonical JSON (see [`crate::canonical`]) with exactly these members:
//! `basis`, `candidate_id`, `hash`, `prev_hash`, `reason`, `seq` (an
//! integer), `shredded_at` (RFC 3339 UTC with microseconds and `Z`) and
//! `tenant_id`. The leaf hash is `SHA-256(0x00 || those bytes)`.
//!
//! `hash` is the entry's link in the ledger's own hash chain
//! ([`chain_hash`]), so a certificate's entry can be checked without the
//! rest of the ledger.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::EvidenceError;
use crate::tree::{Hash, record_hash};

/// The domain-separation tag of the chain hash.
pub const CHAIN_TAG: &str = "custodian.shred.v1";

/// One entry of the shred ledger: ids, reasons and policy names only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    pub seq: i64,
    pub candidate_id: String,
    pub tenant_id: String,
    pub reason: String,
    pub basis: String,
    /// RFC 3339 UTC with microseconds, as the ledger writes it.
    pub shredded_at: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chain hash of an entry: SHA-256 over each of the tag, `prev_hash`,
/// `seq` (decimal), `candidate_id`, `tenant_id`, `reason`, `basis` and
/// `shredded_at`, each as its UTF-8 length (8 bytes, big-endian) then its
/// bytes; lower-case hex.
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    candidate_id: &str,
    tenant_id: &str,
    reason: &str,
    basis: &str,
    shredded_at: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        CHAIN_TAG,
        prev_hash,
        &seq.to_string(),
        candidate_id,
        tenant_id,
        reason,
        basis,
        shredded_at,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl LedgerEntry {
    /// Recomputes the chain hash from the fields.
    pub fn compute_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            &self.candidate_id,
            &self.tenant_id,
            &self.reason,
            &self.basis,
            &self.shredded_at,
        )
    }

    /// The entry as a JSON value (what certificates carry).
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "seq": self.seq,
            "candidate_id": self.candidate_id,
            "tenant_id": self.tenant_id,
            "reason": self.reason,
            "basis": self.basis,
            "shredded_at": self.shredded_at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        })
    }

    /// The leaf's bytes: the canonical JSON.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        crate::canonical::to_vec(&self.to_json()).expect("strings and an integer")
    }

    pub fn leaf_hash(&self) -> Hash {
        record_hash(&self.leaf_bytes())
    }

    /// The leaf index of this entry.
    pub fn leaf_index(&self) -> Result<u64, EvidenceError> {
        u64::try_from(self.seq - 1).map_err(|_| {
            EvidenceError::Contents(format!("ledger seq {} is not 1 or more", self.seq))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaf_is_the_canonical_json_and_the_hash_chains() {
        let mut e = LedgerEntry {
            seq: 1,
            candidate_id: "c-1".into(),
            tenant_id: "t-1".into(),
            reason: "retention".into(),
            basis: "rejected: 4 weeks".into(),
            shredded_at: "2026-12-05T10:00:00.000000Z".into(),
            prev_hash: "0".repeat(64),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        assert_eq!(
            String::from_utf8(e.leaf_bytes()).unwrap(),
            format!(
                "{{\"basis\":\"rejected: 4 weeks\",\"candidate_id\":\"c-1\",\"hash\":\"{}\",\"prev_hash\":\"{}\",\"reason\":\"retention\",\"seq\":1,\"shredded_at\":\"2026-12-05T10:00:00.000000Z\",\"tenant_id\":\"t-1\"}}",
                e.hash,
                "0".repeat(64)
            )
        );
        assert_eq!(e.leaf_index().unwrap(), 0);
        let mut changed = e.clone();
        changed.reason = "request".into();
        assert_ne!(changed.compute_hash(), e.hash);
        assert_ne!(changed.leaf_hash(), e.leaf_hash());
    }
}
