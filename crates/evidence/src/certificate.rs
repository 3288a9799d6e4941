//! Signed deletion certificates.
//!
//! The file is one JSON object with two members:
//!
//! - `document`: what is certified —
//!   - `format`: `custodian.deletion-certificate/v1`;
//!   - `certificate`: the candidate's erasure (`candidate_id`, `tenant_id`,
//!     `external_ref`, `reason`, `basis`, `shredded_at`, `destroyed`);
//!   - `ledger_entry`: the shred ledger's entry (see [`crate::ledger`]);
//!   - `inclusion_proof`: `leaf_index`, `tree_size` and `hashes` (base64),
//!     the RFC 6962 audit path of the entry's leaf;
//!   - `checkpoint`: the signed checkpoint (C2SP signed note) of the ledger's
//!     tree at `tree_size`;
//! - `signature`: `algorithm` (`ed25519`), `key` (`name+id` of the
//!   processor's key) and `value`: the base64 Ed25519 signature over the
//!   bytes `custodian.signed-document/v1` `\n` followed by the canonical
//!   JSON ([`crate::canonical`]) of `document`.
//!
//! Issued, the file is the canonical JSON of the whole object and a newline.
//! Verification needs the processor's public key(s) and nothing else.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use crate::checkpoint::{Opened, open_checkpoint};
use crate::keys::{ProcessorKey, PublicKey};
use crate::ledger::LedgerEntry;
use crate::tree::{Hash, b64, check_inclusion, parse_b64};
use crate::{EvidenceError, short};

pub const FORMAT: &str = "custodian.deletion-certificate/v1";
/// Prefixed to the canonical document before signing, so that a signature
/// over a document can never be taken for one over a checkpoint note.
pub const SIGNING_CONTEXT: &[u8] = b"custodian.signed-document/v1\n";

/// The erasure a certificate states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionFields {
    pub candidate_id: String,
    pub tenant_id: String,
    pub external_ref: String,
    pub reason: String,
    pub basis: String,
    pub shredded_at: String,
    pub destroyed: Vec<String>,
}

/// Where the entry sits in the ledger's tree.
#[derive(Debug, Clone)]
pub struct Inclusion {
    pub entry: LedgerEntry,
    pub tree_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint of the tree at `tree_size`.
    pub checkpoint: String,
}

/// Signs a document with the processor's key: the file's text.
pub fn sign_document(key: &ProcessorKey, document: Value) -> Result<String, EvidenceError> {
    let mut msg = SIGNING_CONTEXT.to_vec();
    msg.extend(crate::canonical::to_vec(&document)?);
    let sig = key.sign(&msg);
    let file = json!({
        "document": document,
        "signature": {
            "algorithm": "ed25519",
            "key": key.public().handle(),
            "value": B64.encode(sig),
        }
    });
    let mut text = String::from_utf8(crate::canonical::to_vec(&file)?).expect("UTF-8");
    text.push('\n');
    Ok(text)
}

/// Checks a signed document's signature against `keys`; returns the
/// document and the `name+id` of the key that signed it.
pub fn open_document(text: &str, keys: &[PublicKey]) -> Result<(Value, String), EvidenceError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| EvidenceError::Malformed(format!("not JSON ({e}): {:?}", short(text))))?;
    let document = file
        .get("document")
        .filter(|d| d.is_object())
        .ok_or_else(|| EvidenceError::Malformed("no \"document\" object".into()))?;
    let sig = file
        .get("signature")
        .ok_or_else(|| EvidenceError::Malformed("no \"signature\"".into()))?;
    let field = |name: &str| {
        sig.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| EvidenceError::Malformed(format!("signature has no \"{name}\"")))
    };
    if field("algorithm")? != "ed25519" {
        return Err(EvidenceError::Signature(format!(
            "algorithm {:?} is not ed25519",
            short(field("algorithm")?)
        )));
    }
    let handle = field("key")?;
    let key = keys.iter().find(|k| k.handle() == handle).ok_or_else(|| {
        EvidenceError::Signature(format!(
            "signed by key {:?}, which is not among the keys given ({})",
            short(handle),
            keys.iter()
                .map(PublicKey::handle)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let value = B64
        .decode(field("value")?)
        .map_err(|_| EvidenceError::Malformed("signature value is not base64".into()))?;
    let mut msg = SIGNING_CONTEXT.to_vec();
    msg.extend(crate::canonical::to_vec(document)?);
    if !key.verify(&msg, &value) {
        return Err(EvidenceError::Signature(format!(
            "the signature by {handle} does not match the document: it was changed after signing"
        )));
    }
    Ok((document.clone(), handle.to_owned()))
}

/// The signed deletion certificate of one candidate.
pub fn sign_deletion_certificate(
    key: &ProcessorKey,
    fields: &DeletionFields,
    inclusion: &Inclusion,
) -> Result<String, EvidenceError> {
    let document = json!({
        "format": FORMAT,
        "certificate": {
            "candidate_id": fields.candidate_id,
            "tenant_id": fields.tenant_id,
            "external_ref": fields.external_ref,
            "reason": fields.reason,
            "basis": fields.basis,
            "shredded_at": fields.shredded_at,
            "destroyed": fields.destroyed,
        },
        "ledger_entry": inclusion.entry.to_json(),
        "inclusion_proof": {
            "leaf_index": inclusion.entry.leaf_index()?,
            "tree_size": inclusion.tree_size,
            "hashes": inclusion.proof.iter().map(b64).collect::<Vec<_>>(),
        },
        "checkpoint": inclusion.checkpoint,
    });
    sign_document(key, document)
}

/// What a valid certificate establishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub candidate_id: String,
    pub tenant_id: String,
    pub shredded_at: String,
    pub reason: String,
    pub seq: i64,
    pub signed_by: String,
    pub checkpoint: Opened,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "candidate {} of controller {} was erased (its key destroyed) at {} ({}); \
             entry {} of the shred ledger, included in the checkpoint {}; certificate signed by {}",
            self.candidate_id,
            self.tenant_id,
            self.shredded_at,
            self.reason,
            self.seq,
            self.checkpoint,
            self.signed_by
        )
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Result<&'a str, EvidenceError> {
    let mut x = v;
    for p in path {
        x = x.get(p).ok_or_else(|| {
            EvidenceError::Malformed(format!("no \"{}\" in the document", path.join(".")))
        })?;
    }
    x.as_str()
        .ok_or_else(|| EvidenceError::Malformed(format!("\"{}\" is not a string", path.join("."))))
}

fn u64_at(v: &Value, path: &[&str]) -> Result<u64, EvidenceError> {
    let mut x = v;
    for p in path {
        x = x.get(p).ok_or_else(|| {
            EvidenceError::Malformed(format!("no \"{}\" in the document", path.join(".")))
        })?;
    }
    x.as_u64().ok_or_else(|| {
        EvidenceError::Malformed(format!("\"{}\" is not a whole number", path.join(".")))
    })
}

/// Verifies a deletion certificate with the processor's public key(s)
/// alone: its signature, the checkpoint's signature, the ledger entry's
/// chain hash, the entry's inclusion in the checkpoint's tree, and that
/// the certificate states what the entry records.
pub fn verify_deletion_certificate(
    text: &str,
    keys: &[PublicKey],
) -> Result<Verified, EvidenceError> {
    let (doc, signed_by) = open_document(text, keys)?;
    let format = str_at(&doc, &["format"])?;
    if format != FORMAT {
        return Err(EvidenceError::Malformed(format!(
            "format {:?} is not {FORMAT}",
            short(format)
        )));
    }
    let checkpoint = open_checkpoint(str_at(&doc, &["checkpoint"])?, keys)?;
    let entry: LedgerEntry = serde_json::from_value(
        doc.get("ledger_entry")
            .cloned()
            .ok_or_else(|| EvidenceError::Malformed("no \"ledger_entry\"".into()))?,
    )
    .map_err(|e| EvidenceError::Malformed(format!("ledger_entry: {e}")))?;
    if entry.compute_hash() != entry.hash {
        return Err(EvidenceError::Contents(format!(
            "ledger entry {}'s hash does not match its fields",
            entry.seq
        )));
    }
    let index = u64_at(&doc, &["inclusion_proof", "leaf_index"])?;
    let size = u64_at(&doc, &["inclusion_proof", "tree_size"])?;
    if index != entry.leaf_index()? {
        return Err(EvidenceError::Contents(format!(
            "the proof is for leaf {index}, but entry {} is leaf {}",
            entry.seq,
            entry.seq - 1
        )));
    }
    if size != checkpoint.size {
        return Err(EvidenceError::Contents(format!(
            "the proof is for a tree of size {size}, the checkpoint for size {}",
            checkpoint.size
        )));
    }
    let hashes = doc
        .pointer("/inclusion_proof/hashes")
        .and_then(Value::as_array)
        .ok_or_else(|| EvidenceError::Malformed("no inclusion_proof.hashes list".into()))?
        .iter()
        .map(|h| {
            h.as_str()
                .ok_or_else(|| EvidenceError::Malformed("a proof hash is not a string".into()))
                .and_then(parse_b64)
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_inclusion(&hashes, size, checkpoint.root, index, entry.leaf_hash())?;
    for (name, stated, recorded) in [
        (
            "candidate_id",
            str_at(&doc, &["certificate", "candidate_id"])?,
            &entry.candidate_id,
        ),
        (
            "tenant_id",
            str_at(&doc, &["certificate", "tenant_id"])?,
            &entry.tenant_id,
        ),
        (
            "reason",
            str_at(&doc, &["certificate", "reason"])?,
            &entry.reason,
        ),
        (
            "basis",
            str_at(&doc, &["certificate", "basis"])?,
            &entry.basis,
        ),
        (
            "shredded_at",
            str_at(&doc, &["certificate", "shredded_at"])?,
            &entry.shredded_at,
        ),
    ] {
        if stated != recorded {
            return Err(EvidenceError::Contents(format!(
                "the certificate's {name} ({:?}) is not the ledger entry's ({:?})",
                short(stated),
                short(recorded)
            )));
        }
    }
    Ok(Verified {
        candidate_id: entry.candidate_id,
        tenant_id: entry.tenant_id,
        shredded_at: entry.shredded_at,
        reason: entry.reason,
        seq: entry.seq,
        signed_by,
        checkpoint,
    })
}

/// Verifies that the checkpoint `new` extends the checkpoint `old` (both
/// signed by one of `keys`, the same origin) with the consistency `proof`.
pub fn verify_consistency(
    old: &str,
    new: &str,
    proof: &[Hash],
    keys: &[PublicKey],
) -> Result<(Opened, Opened), EvidenceError> {
    let o = open_checkpoint(old, keys)?;
    let n = open_checkpoint(new, keys)?;
    if o.origin != n.origin {
        return Err(EvidenceError::Contents(format!(
            "the checkpoints are of two logs: {:?} and {:?}",
            short(&o.origin),
            short(&n.origin)
        )));
    }
    if n.size < o.size {
        return Err(EvidenceError::Contents(format!(
            "the new checkpoint (size {}) is smaller than the old (size {}): entries were removed",
            n.size, o.size
        )));
    }
    if o.size == 0 {
        return Ok((o, n));
    }
    if o.size == n.size {
        if o.root != n.root {
            return Err(EvidenceError::Proof(format!(
                "two different trees of size {}: history was rewritten",
                o.size
            )));
        }
        return Ok((o, n));
    }
    crate::tree::check_consistency(proof, o.size, o.root, n.size, n.root)?;
    Ok((o, n))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::checkpoint::sign_checkpoint;
    use crate::tree::{Known, Op, append, consistency, inclusion, needs, root};

    fn fetch(store: &HashMap<u64, Hash>, op: Op) -> Known {
        Known(needs(op).into_iter().map(|i| (i, store[&i])).collect())
    }

    fn entries(n: i64) -> Vec<LedgerEntry> {
        let mut prev = "0".repeat(64);
        (1..=n)
            .map(|seq| {
                let mut e = LedgerEntry {
                    seq,
                    candidate_id: format!("cand-{seq}"),
                    tenant_id: "tenant-a".into(),
                    reason: "retention".into(),
                    basis: "rejected: 4 weeks".into(),
                    shredded_at: "2026-12-05T10:00:00.000000Z".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn issue(key: &ProcessorKey, all: &[LedgerEntry], seq: usize) -> String {
        let mut store = HashMap::new();
        let leaves: Vec<Hash> = all.iter().map(LedgerEntry::leaf_hash).collect();
        let size = all.len() as u64;
        store.extend(
            append(
                0,
                &leaves,
                &fetch(
                    &store,
                    Op::Append {
                        size: 0,
                        count: size,
                    },
                ),
            )
            .unwrap(),
        );
        let r = root(size, &fetch(&store, Op::Root { size })).unwrap();
        let e = &all[seq - 1];
        let index = e.leaf_index().unwrap();
        let proof = inclusion(size, index, &fetch(&store, Op::Inclusion { size, index })).unwrap();
        let fields = DeletionFields {
            candidate_id: e.candidate_id.clone(),
            tenant_id: e.tenant_id.clone(),
            external_ref: "ats-17".into(),
            reason: e.reason.clone(),
            basis: e.basis.clone(),
            shredded_at: e.shredded_at.clone(),
            destroyed: vec!["data key".into(), "encrypted profile".into()],
        };
        sign_deletion_certificate(
            key,
            &fields,
            &Inclusion {
                entry: e.clone(),
                tree_size: size,
                proof,
                checkpoint: sign_checkpoint(key, "custodian.example/shred-ledger", size, r)
                    .unwrap(),
            },
        )
        .unwrap()
    }

    #[test]
    fn a_certificate_verifies_and_every_changed_byte_is_caught() {
        let key = ProcessorKey::from_seed("custodian.example", [9; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let all = entries(13);
        let cert = issue(&key, &all, 6);
        let v = verify_deletion_certificate(&cert, &keys).unwrap();
        assert_eq!(
            (v.candidate_id.as_str(), v.seq, v.checkpoint.size),
            ("cand-6", 6, 13)
        );
        assert!(v.to_string().contains("cand-6"));
        // Every single byte changed (to another printable byte) is caught.
        let bytes = cert.as_bytes();
        for i in 0..bytes.len() - 1 {
            let mut t = bytes.to_vec();
            t[i] = if t[i] == b'A' { b'B' } else { b'A' };
            let Ok(s) = String::from_utf8(t) else {
                continue;
            };
            assert!(
                verify_deletion_certificate(&s, &keys).is_err(),
                "byte {i} ({:?}) changed and still verified",
                bytes[i] as char
            );
        }
        // Another key does not verify it.
        let other = ProcessorKey::from_seed("custodian.example", [10; 32]).unwrap();
        assert!(matches!(
            verify_deletion_certificate(&cert, &[other.public().clone()]),
            Err(EvidenceError::Signature(_))
        ));
    }

    #[test]
    fn a_checkpoint_that_is_not_an_extension_is_caught() {
        let key = ProcessorKey::from_seed("custodian.example", [9; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let all = entries(20);
        let leaves: Vec<Hash> = all.iter().map(LedgerEntry::leaf_hash).collect();
        let mut store = HashMap::new();
        store.extend(
            append(
                0,
                &leaves,
                &fetch(&store, Op::Append { size: 0, count: 20 }),
            )
            .unwrap(),
        );
        let cp = |s: &HashMap<u64, Hash>, size: u64| {
            sign_checkpoint(
                &key,
                "o",
                size,
                root(size, &fetch(s, Op::Root { size })).unwrap(),
            )
            .unwrap()
        };
        let old = cp(&store, 8);
        let new = cp(&store, 20);
        let p = consistency(8, 20, &fetch(&store, Op::Consistency { old: 8, new: 20 })).unwrap();
        verify_consistency(&old, &new, &p, &keys).unwrap();
        // A log rebuilt without entry 3.
        let mut rewritten = leaves.clone();
        rewritten.remove(2);
        let mut forged = HashMap::new();
        forged.extend(
            append(
                0,
                &rewritten,
                &fetch(&forged, Op::Append { size: 0, count: 19 }),
            )
            .unwrap(),
        );
        let new = cp(&forged, 19);
        let p = consistency(8, 19, &fetch(&forged, Op::Consistency { old: 8, new: 19 })).unwrap();
        assert!(matches!(
            verify_consistency(&old, &new, &p, &keys),
            Err(EvidenceError::Proof(_))
        ));
        // Smaller, and same size with another root.
        assert!(verify_consistency(&cp(&store, 20), &cp(&store, 8), &[], &keys).is_err());
        assert!(verify_consistency(&cp(&store, 8), &cp(&forged, 8), &[], &keys).is_err());
    }
}
