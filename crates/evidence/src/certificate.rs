//! Signed certificates: of one candidate's erasure
//! (`custodian.deletion-certificate/v1`), of a data-subject request's
//! erasures (`custodian.request-erasure-certificate/v1`: every candidate
//! erased for it, proven against one checkpoint) and of a tenant's erasure
//! (`custodian.tenant-erasure-certificate/v1`: the ledger entry
//! `tenant:<id>` of its keys' destruction, and the rows deleted). All three
//! are signed documents of the same shape; the deletion certificate:
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
    let (entry, proof) = proven_json(inclusion)?;
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
        "ledger_entry": entry,
        "inclusion_proof": proof,
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

/// The `ledger_entry` of `part` checked against its own chain hash and, by
/// `part`'s `inclusion_proof`, against the tree of `checkpoint`.
fn proven_entry(part: &Value, checkpoint: &Opened) -> Result<LedgerEntry, EvidenceError> {
    let entry: LedgerEntry = serde_json::from_value(
        part.get("ledger_entry")
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
    let index = u64_at(part, &["inclusion_proof", "leaf_index"])?;
    let size = u64_at(part, &["inclusion_proof", "tree_size"])?;
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
    let hashes = part
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
    Ok(entry)
}

/// The `ledger_entry` and `inclusion_proof` members of a proven entry.
fn proven_json(inclusion: &Inclusion) -> Result<(Value, Value), EvidenceError> {
    Ok((
        inclusion.entry.to_json(),
        json!({
            "leaf_index": inclusion.entry.leaf_index()?,
            "tree_size": inclusion.tree_size,
            "hashes": inclusion.proof.iter().map(b64).collect::<Vec<_>>(),
        }),
    ))
}

/// The format of a signed document, checked.
fn expect_format(doc: &Value, format: &str) -> Result<(), EvidenceError> {
    let found = str_at(doc, &["format"])?;
    if found != format {
        return Err(EvidenceError::Malformed(format!(
            "format {:?} is not {format}",
            short(found)
        )));
    }
    Ok(())
}

/// Checks that the certificate part `c` states what `entry` records.
fn states_entry(c: &Value, entry: &LedgerEntry) -> Result<(), EvidenceError> {
    for (name, recorded) in [
        ("candidate_id", &entry.candidate_id),
        ("tenant_id", &entry.tenant_id),
        ("reason", &entry.reason),
        ("basis", &entry.basis),
        ("shredded_at", &entry.shredded_at),
    ] {
        let stated = str_at(c, &[name])?;
        if stated != recorded {
            return Err(EvidenceError::Contents(format!(
                "the certificate's {name} ({:?}) is not the ledger entry's ({:?})",
                short(stated),
                short(recorded)
            )));
        }
    }
    Ok(())
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
    expect_format(&doc, FORMAT)?;
    let checkpoint = open_checkpoint(str_at(&doc, &["checkpoint"])?, keys)?;
    let entry = proven_entry(&doc, &checkpoint)?;
    states_entry(
        doc.get("certificate")
            .ok_or_else(|| EvidenceError::Malformed("no \"certificate\"".into()))?,
        &entry,
    )?;
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

pub const TENANT_FORMAT: &str = "custodian.tenant-erasure-certificate/v1";
pub const REQUEST_FORMAT: &str = "custodian.request-erasure-certificate/v1";

/// A tenant's erasure at the end of a switch or exit, as the vault did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantErasureFields {
    pub tenant_id: String,
    pub kek_versions: Vec<u32>,
    pub keys_destroyed: u64,
    /// The vault's tables and the rows deleted from each.
    pub rows_deleted: Vec<(String, u64)>,
}

/// The ledger subject of a tenant's erasure: `tenant:<id>`.
pub fn tenant_subject(tenant_id: &str) -> String {
    format!("tenant:{tenant_id}")
}

/// The signed certificate of a tenant's erasure: its keys destroyed (the
/// ledger entry `tenant:<id>`, proven) and its rows deleted.
pub fn sign_tenant_erasure_certificate(
    key: &ProcessorKey,
    fields: &TenantErasureFields,
    inclusion: &Inclusion,
) -> Result<String, EvidenceError> {
    let (entry, proof) = proven_json(inclusion)?;
    let document = json!({
        "format": TENANT_FORMAT,
        "erasure": {
            "tenant_id": fields.tenant_id,
            "keys_destroyed_at": inclusion.entry.shredded_at,
            "kek_versions": fields.kek_versions,
            "keys_destroyed": fields.keys_destroyed,
            "rows_deleted": fields.rows_deleted.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(),
        },
        "ledger_entry": entry,
        "inclusion_proof": proof,
        "checkpoint": inclusion.checkpoint,
    });
    sign_document(key, document)
}

/// One candidate erased for a request, with its entry's proof (against
/// the request certificate's one checkpoint).
#[derive(Debug, Clone)]
pub struct ProvenDeletion {
    pub fields: DeletionFields,
    pub entry: LedgerEntry,
    pub proof: Vec<Hash>,
}

/// The reference the vault records for an erasure (or restriction, or
/// read) done for a data-subject request.
pub fn request_reference(request_id: &str) -> String {
    format!("data-subject request {request_id}")
}

/// The basis a request's erasures carry (`<reason> by <actor>: <reference>`)
/// ends with this.
pub fn request_basis_suffix(request_id: &str) -> String {
    format!(": {}", request_reference(request_id))
}

/// The signed certificate of a data-subject request's erasure: every
/// candidate the vault erased for it, each entry proven against one
/// checkpoint of the ledger's tree of `tree_size`.
pub fn sign_request_erasure_certificate(
    key: &ProcessorKey,
    request_id: &str,
    tenant_id: &str,
    erased: &[ProvenDeletion],
    tree_size: u64,
    checkpoint: &str,
) -> Result<String, EvidenceError> {
    let mut items = Vec::with_capacity(erased.len());
    for e in erased {
        let (entry, proof) = proven_json(&Inclusion {
            entry: e.entry.clone(),
            tree_size,
            proof: e.proof.clone(),
            checkpoint: String::new(),
        })?;
        let f = &e.fields;
        items.push(json!({
            "certificate": {
                "candidate_id": f.candidate_id,
                "tenant_id": f.tenant_id,
                "external_ref": f.external_ref,
                "reason": f.reason,
                "basis": f.basis,
                "shredded_at": f.shredded_at,
                "destroyed": f.destroyed,
            },
            "ledger_entry": entry,
            "inclusion_proof": proof,
        }));
    }
    let document = json!({
        "format": REQUEST_FORMAT,
        "request": { "request_id": request_id, "tenant_id": tenant_id },
        "erased": items,
        "checkpoint": checkpoint,
    });
    sign_document(key, document)
}

/// What a valid tenant erasure certificate establishes.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedTenantErasure {
    pub tenant_id: String,
    pub keys_destroyed_at: String,
    pub keys_destroyed: u64,
    pub rows_deleted: u64,
    pub seq: i64,
    pub signed_by: String,
    pub checkpoint: Opened,
}

impl std::fmt::Display for VerifiedTenantErasure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "every key of controller {} was destroyed at {} ({} data keys) and {} rows deleted; \
             entry {} of the shred ledger, included in the checkpoint {}; certificate signed by {}",
            self.tenant_id,
            self.keys_destroyed_at,
            self.keys_destroyed,
            self.rows_deleted,
            self.seq,
            self.checkpoint,
            self.signed_by
        )
    }
}

/// Verifies a tenant erasure certificate with the public key(s) alone.
pub fn verify_tenant_erasure_certificate(
    text: &str,
    keys: &[PublicKey],
) -> Result<VerifiedTenantErasure, EvidenceError> {
    let (doc, signed_by) = open_document(text, keys)?;
    expect_format(&doc, TENANT_FORMAT)?;
    let checkpoint = open_checkpoint(str_at(&doc, &["checkpoint"])?, keys)?;
    let entry = proven_entry(&doc, &checkpoint)?;
    let tenant = str_at(&doc, &["erasure", "tenant_id"])?;
    if entry.candidate_id != tenant_subject(tenant) || entry.tenant_id != tenant {
        return Err(EvidenceError::Contents(format!(
            "the ledger entry is of {:?}, not the erasure of controller {:?}",
            short(&entry.candidate_id),
            short(tenant)
        )));
    }
    let at = str_at(&doc, &["erasure", "keys_destroyed_at"])?;
    if at != entry.shredded_at {
        return Err(EvidenceError::Contents(format!(
            "the certificate's keys_destroyed_at ({:?}) is not the ledger entry's ({:?})",
            short(at),
            short(&entry.shredded_at)
        )));
    }
    let rows = doc
        .pointer("/erasure/rows_deleted")
        .and_then(Value::as_array)
        .ok_or_else(|| EvidenceError::Malformed("no erasure.rows_deleted list".into()))?
        .iter()
        .map(|r| u64_at(r, &["rows"]))
        .sum::<Result<u64, _>>()?;
    Ok(VerifiedTenantErasure {
        tenant_id: entry.tenant_id,
        keys_destroyed_at: entry.shredded_at,
        keys_destroyed: u64_at(&doc, &["erasure", "keys_destroyed"])?,
        rows_deleted: rows,
        seq: entry.seq,
        signed_by,
        checkpoint,
    })
}

/// What a valid request erasure certificate establishes.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedRequestErasure {
    pub request_id: String,
    pub tenant_id: String,
    pub candidates: Vec<String>,
    pub seqs: Vec<i64>,
    pub signed_by: String,
    pub checkpoint: Opened,
}

impl std::fmt::Display for VerifiedRequestErasure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "for data-subject request {} of controller {}, {} candidate(s) were erased ({}); \
             entries {} of the shred ledger, included in the checkpoint {}; certificate signed by {}",
            self.request_id,
            self.tenant_id,
            self.candidates.len(),
            self.candidates.join(", "),
            self.seqs
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            self.checkpoint,
            self.signed_by
        )
    }
}

/// Verifies a request erasure certificate with the public key(s) alone.
pub fn verify_request_erasure_certificate(
    text: &str,
    keys: &[PublicKey],
) -> Result<VerifiedRequestErasure, EvidenceError> {
    let (doc, signed_by) = open_document(text, keys)?;
    expect_format(&doc, REQUEST_FORMAT)?;
    let checkpoint = open_checkpoint(str_at(&doc, &["checkpoint"])?, keys)?;
    let request_id = str_at(&doc, &["request", "request_id"])?.to_owned();
    let tenant_id = str_at(&doc, &["request", "tenant_id"])?.to_owned();
    let suffix = request_basis_suffix(&request_id);
    let erased = doc
        .get("erased")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| EvidenceError::Malformed("no \"erased\" list with a candidate".into()))?;
    let (mut candidates, mut seqs) = (Vec::new(), Vec::new());
    for item in erased {
        let entry = proven_entry(item, &checkpoint)?;
        states_entry(
            item.get("certificate").ok_or_else(|| {
                EvidenceError::Malformed("an erased item has no \"certificate\"".into())
            })?,
            &entry,
        )?;
        if entry.tenant_id != tenant_id
            || entry.reason != "request"
            || !entry.basis.ends_with(&suffix)
        {
            return Err(EvidenceError::Contents(format!(
                "ledger entry {} is not an erasure for request {:?} of controller {:?}",
                entry.seq,
                short(&request_id),
                short(&tenant_id)
            )));
        }
        if candidates.contains(&entry.candidate_id) {
            return Err(EvidenceError::Contents(format!(
                "candidate {:?} is listed twice",
                short(&entry.candidate_id)
            )));
        }
        candidates.push(entry.candidate_id);
        seqs.push(entry.seq);
    }
    Ok(VerifiedRequestErasure {
        request_id,
        tenant_id,
        candidates,
        seqs,
        signed_by,
        checkpoint,
    })
}

/// Any signed certificate, verified.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifiedCertificate {
    Deletion(Verified),
    TenantErasure(VerifiedTenantErasure),
    RequestErasure(VerifiedRequestErasure),
}

impl std::fmt::Display for VerifiedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifiedCertificate::Deletion(v) => v.fmt(f),
            VerifiedCertificate::TenantErasure(v) => v.fmt(f),
            VerifiedCertificate::RequestErasure(v) => v.fmt(f),
        }
    }
}

/// Verifies a signed certificate of any of the three formats, chosen by
/// the document's `format`.
pub fn verify_certificate(
    text: &str,
    keys: &[PublicKey],
) -> Result<VerifiedCertificate, EvidenceError> {
    let format = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| {
            v.pointer("/document/format")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    match format.as_str() {
        TENANT_FORMAT => {
            verify_tenant_erasure_certificate(text, keys).map(VerifiedCertificate::TenantErasure)
        }
        REQUEST_FORMAT => {
            verify_request_erasure_certificate(text, keys).map(VerifiedCertificate::RequestErasure)
        }
        _ => verify_deletion_certificate(text, keys).map(VerifiedCertificate::Deletion),
    }
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
    use crate::tree::testing::{every_changed_byte_fails, fetch, proof_of, root_of, stored};
    use crate::tree::{Op, consistency};

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
        let leaves: Vec<Hash> = all.iter().map(LedgerEntry::leaf_hash).collect();
        let size = all.len() as u64;
        let store = stored(&leaves);
        let r = root_of(&store, size);
        let e = &all[seq - 1];
        let index = e.leaf_index().unwrap();
        let proof = proof_of(&store, size, index);
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
        every_changed_byte_fails(&cert, |s| verify_deletion_certificate(s, &keys).is_ok());
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
        let store = stored(&leaves);
        let cp = |s: &HashMap<u64, Hash>, size: u64| {
            sign_checkpoint(&key, "o", size, root_of(s, size)).unwrap()
        };
        let old = cp(&store, 8);
        let new = cp(&store, 20);
        let p = consistency(8, 20, &fetch(&store, Op::Consistency { old: 8, new: 20 })).unwrap();
        verify_consistency(&old, &new, &p, &keys).unwrap();
        // A log rebuilt without entry 3.
        let mut rewritten = leaves.clone();
        rewritten.remove(2);
        let forged = stored(&rewritten);
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

    /// `all`'s tree: its signed checkpoint and each entry's proof.
    fn tree_of(key: &ProcessorKey, all: &[LedgerEntry]) -> (String, Vec<Vec<Hash>>) {
        let leaves: Vec<Hash> = all.iter().map(LedgerEntry::leaf_hash).collect();
        let size = leaves.len() as u64;
        let store = stored(&leaves);
        let r = root_of(&store, size);
        let proofs = (0..size)
            .map(|index| proof_of(&store, size, index))
            .collect();
        (
            sign_checkpoint(key, "custodian.example/shred-ledger", size, r).unwrap(),
            proofs,
        )
    }

    fn flips_fail(text: &str, keys: &[PublicKey]) {
        every_changed_byte_fails(text, |s| verify_certificate(s, keys).is_ok());
    }

    #[test]
    fn a_tenant_erasure_certificate_verifies_and_names_its_controller() {
        let key = ProcessorKey::from_seed("custodian.example", [9; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let mut all = entries(6);
        // Entry 7: the tenant's erasure.
        let mut t = LedgerEntry {
            seq: 7,
            candidate_id: tenant_subject("tenant-a"),
            tenant_id: "tenant-a".into(),
            reason: "tenant_erasure".into(),
            basis: "switch".into(),
            shredded_at: "2026-12-05T11:00:00.000000Z".into(),
            prev_hash: all[5].hash.clone(),
            hash: String::new(),
        };
        t.hash = t.compute_hash();
        all.push(t.clone());
        let (cp, proofs) = tree_of(&key, &all);
        let fields = TenantErasureFields {
            tenant_id: "tenant-a".into(),
            kek_versions: vec![1, 2],
            keys_destroyed: 40,
            rows_deleted: vec![("candidates".into(), 40), ("retention_policies".into(), 1)],
        };
        let inc = |entry: &LedgerEntry, proof: &Vec<Hash>| Inclusion {
            entry: entry.clone(),
            tree_size: 7,
            proof: proof.clone(),
            checkpoint: cp.clone(),
        };
        let cert = sign_tenant_erasure_certificate(&key, &fields, &inc(&t, &proofs[6])).unwrap();
        let VerifiedCertificate::TenantErasure(v) = verify_certificate(&cert, &keys).unwrap()
        else {
            panic!("not read as a tenant erasure");
        };
        assert_eq!(
            (v.tenant_id.as_str(), v.rows_deleted, v.seq),
            ("tenant-a", 41, 7)
        );
        flips_fail(&cert, &keys);
        // A candidate's entry passed off as the tenant's erasure is caught.
        let wrong =
            sign_tenant_erasure_certificate(&key, &fields, &inc(&all[0], &proofs[0])).unwrap();
        assert!(matches!(
            verify_certificate(&wrong, &keys),
            Err(EvidenceError::Contents(_))
        ));
    }

    #[test]
    fn a_request_erasure_certificate_proves_every_candidate_of_the_request() {
        let key = ProcessorKey::from_seed("custodian.example", [9; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let mut all = entries(5);
        // Entries 2 and 4 were erased for request R-1.
        for i in [1, 3] {
            all[i].reason = "request".into();
            all[i].basis = format!("request by token:x{}", request_basis_suffix("R-1"));
        }
        let mut prev = "0".repeat(64);
        for e in &mut all {
            e.prev_hash = prev.clone();
            e.hash = e.compute_hash();
            prev = e.hash.clone();
        }
        let (cp, proofs) = tree_of(&key, &all);
        let proven = |i: usize| ProvenDeletion {
            fields: DeletionFields {
                candidate_id: all[i].candidate_id.clone(),
                tenant_id: all[i].tenant_id.clone(),
                external_ref: format!("ats-{i}"),
                reason: all[i].reason.clone(),
                basis: all[i].basis.clone(),
                shredded_at: all[i].shredded_at.clone(),
                destroyed: vec!["data key".into()],
            },
            entry: all[i].clone(),
            proof: proofs[i].clone(),
        };
        let cert = sign_request_erasure_certificate(
            &key,
            "R-1",
            "tenant-a",
            &[proven(1), proven(3)],
            5,
            &cp,
        )
        .unwrap();
        let VerifiedCertificate::RequestErasure(v) = verify_certificate(&cert, &keys).unwrap()
        else {
            panic!("not read as a request erasure");
        };
        assert_eq!(v.candidates, vec!["cand-2", "cand-4"]);
        assert_eq!(v.seqs, vec![2, 4]);
        assert!(v.to_string().contains("request R-1"), "{v}");
        flips_fail(&cert, &keys);
        // An erasure of another basis (the retention sweep's) is not one of the request's.
        let other = sign_request_erasure_certificate(
            &key,
            "R-1",
            "tenant-a",
            &[proven(1), proven(2)],
            5,
            &cp,
        )
        .unwrap();
        assert!(matches!(
            verify_certificate(&other, &keys),
            Err(EvidenceError::Contents(_))
        ));
        // Nor is one for another request.
        let again = sign_request_erasure_certificate(&key, "R-2", "tenant-a", &[proven(1)], 5, &cp)
            .unwrap();
        assert!(verify_certificate(&again, &keys).is_err());
    }
}
