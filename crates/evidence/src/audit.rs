//! The audit log as Merkle tree leaves, and the audit proof file.
//!
//! Two kinds of tree are kept over the audit log:
//!
//! - the **global** tree: every event, event `seq` (1, 2, …) is leaf
//!   `seq - 1`; its checkpoints' origin is `<key name>/audit`;
//! - one **tenant** tree per controller: that controller's events, event
//!   `tenant_seq` is leaf `tenant_seq - 1`; origin `<key name>/audit/<tenant
//!   id>`. A controller's DPO verifies against its own tree and never sees
//!   another tenant's events or their number.
//!
//! The leaf's bytes are the event's canonical JSON ([`crate::canonical`])
//! with exactly these members: `action`, `actor_id`, `actor_role`, `at`
//! (RFC 3339 UTC with microseconds and `Z`), `details` (the details JSON as a
//! string, byte for byte as stored), `object_id`, `object_type`, `reason`
//! (`""` when none), `seq`, `tenant_id` (`""` for a processor-wide event),
//! `tenant_seq` (0 then) and `writer` (who wrote it: the database login role
//! on PostgreSQL; a member only of events written since writers are
//! recorded). The same bytes are the leaf in both trees.
//!
//! The proof file (`custodian.audit-proof/v1`) is one JSON object:
//! `format`, `checkpoint` (the signed note of the tree proven against) and
//! `events`, a list of `{event, leaf_index, hashes}`: the event's leaf
//! object, its index and its RFC 6962 audit path (base64). It needs no
//! signature of its own: the checkpoint is signed and every event is proven
//! against it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::checkpoint::{Opened, open_checkpoint};
use crate::keys::PublicKey;
use crate::tree::{Hash, b64, check_inclusion, parse_b64, record_hash};
use crate::{EvidenceError, short};

pub const PROOF_FORMAT: &str = "custodian.audit-proof/v1";

/// The global tree's origin for the key named `name`.
pub fn global_origin(name: &str) -> String {
    format!("{name}/audit")
}

/// A tenant tree's origin for the key named `name`.
pub fn tenant_origin(name: &str, tenant_id: &str) -> String {
    format!("{name}/audit/{tenant_id}")
}

/// One audit event as a leaf: ids, verbs and field names, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLeaf {
    pub seq: i64,
    /// RFC 3339 UTC with microseconds.
    pub at: String,
    pub tenant_id: String,
    pub tenant_seq: i64,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub reason: String,
    /// The details JSON, as stored.
    pub details: String,
    /// Who wrote the event (the database login role on PostgreSQL, the
    /// process on SQLite); empty, and then not a member of the leaf, for
    /// events written before writers were recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub writer: String,
}

/// Which tree a leaf is proven in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTree {
    Global,
    Tenant(String),
}

impl AuditTree {
    /// The tree's key in the store: `global` or `tenant:<id>`.
    pub fn key(&self) -> String {
        match self {
            AuditTree::Global => "global".into(),
            AuditTree::Tenant(t) => format!("tenant:{t}"),
        }
    }

    pub fn origin(&self, name: &str) -> String {
        match self {
            AuditTree::Global => global_origin(name),
            AuditTree::Tenant(t) => tenant_origin(name, t),
        }
    }
}

impl AuditLeaf {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "seq": self.seq,
            "at": self.at,
            "tenant_id": self.tenant_id,
            "tenant_seq": self.tenant_seq,
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "reason": self.reason,
            "details": self.details,
        });
        if !self.writer.is_empty() {
            v["writer"] = json!(self.writer);
        }
        v
    }

    pub fn leaf_bytes(&self) -> Vec<u8> {
        crate::canonical::to_vec(&self.to_json()).expect("strings and integers")
    }

    pub fn leaf_hash(&self) -> Hash {
        record_hash(&self.leaf_bytes())
    }

    /// The leaf's index in `tree`.
    pub fn leaf_index(&self, tree: &AuditTree) -> Result<u64, EvidenceError> {
        let (n, what) = match tree {
            AuditTree::Global => (self.seq, "seq"),
            AuditTree::Tenant(t) => {
                if &self.tenant_id != t {
                    return Err(EvidenceError::Contents(format!(
                        "event {} is of controller {:?}, not of {:?}",
                        self.seq,
                        short(&self.tenant_id),
                        short(t)
                    )));
                }
                (self.tenant_seq, "tenant_seq")
            }
        };
        u64::try_from(n - 1).map_err(|_| {
            EvidenceError::Contents(format!("event {}: {what} {n} is not 1 or more", self.seq))
        })
    }
}

/// One event with its audit path.
#[derive(Debug, Clone)]
pub struct ProvenEvent {
    pub event: AuditLeaf,
    pub leaf_index: u64,
    pub hashes: Vec<Hash>,
}

/// The proof file's text: canonical JSON and a newline.
pub fn proof_file(checkpoint: &str, events: &[ProvenEvent]) -> Result<String, EvidenceError> {
    let file = json!({
        "format": PROOF_FORMAT,
        "checkpoint": checkpoint,
        "events": events.iter().map(|e| json!({
            "event": e.event.to_json(),
            "leaf_index": e.leaf_index,
            "hashes": e.hashes.iter().map(b64).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let mut text = String::from_utf8(crate::canonical::to_vec(&file)?).expect("UTF-8");
    text.push('\n');
    Ok(text)
}

/// What a valid proof file establishes.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedAudit {
    pub tree: AuditTree,
    /// The events' global seqs, in the file's order.
    pub seqs: Vec<i64>,
    /// Who wrote them (events from before writers were recorded name none).
    pub writers: std::collections::BTreeSet<String>,
    pub checkpoint: Opened,
}

impl std::fmt::Display for VerifiedAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whose = match &self.tree {
            AuditTree::Global => "the processor's audit log".to_owned(),
            AuditTree::Tenant(t) => format!("controller {t}'s audit log"),
        };
        let seqs = self
            .seqs
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        write!(
            f,
            "{} audit event(s) (seq {seqs}) are in {whose} as kept: included in the checkpoint {}",
            self.seqs.len(),
            self.checkpoint
        )?;
        if !self.writers.is_empty() {
            let w: Vec<&str> = self.writers.iter().map(String::as_str).collect();
            write!(f, "; written by {}", w.join(", "))?;
        }
        Ok(())
    }
}

/// Verifies a proof file with the processor's public key(s) alone: the
/// checkpoint's signature, that its origin is an audit log of `keys`'
/// names, and each event's inclusion in that tree.
pub fn verify_audit_proof(text: &str, keys: &[PublicKey]) -> Result<VerifiedAudit, EvidenceError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| EvidenceError::Malformed(format!("not JSON ({e}): {:?}", short(text))))?;
    let format = file.get("format").and_then(Value::as_str).unwrap_or("");
    if format != PROOF_FORMAT {
        return Err(EvidenceError::Malformed(format!(
            "format {:?} is not {PROOF_FORMAT}",
            short(format)
        )));
    }
    let note = file
        .get("checkpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| EvidenceError::Malformed("no \"checkpoint\" string".into()))?;
    let checkpoint = open_checkpoint(note, keys)?;
    let tree = keys
        .iter()
        .find_map(|k| {
            let global = global_origin(k.name());
            if checkpoint.origin == global {
                Some(AuditTree::Global)
            } else {
                checkpoint
                    .origin
                    .strip_prefix(&format!("{global}/"))
                    .filter(|t| !t.is_empty())
                    .map(|t| AuditTree::Tenant(t.to_owned()))
            }
        })
        .ok_or_else(|| {
            EvidenceError::Contents(format!(
                "the checkpoint is of {:?}, not of an audit log",
                short(&checkpoint.origin)
            ))
        })?;
    let events = file
        .get("events")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| EvidenceError::Malformed("no \"events\" list with an event".into()))?;
    let mut seqs = Vec::with_capacity(events.len());
    let mut writers = std::collections::BTreeSet::new();
    for (i, e) in events.iter().enumerate() {
        // A writer is a name or absent: `""` would stand for an absent one.
        if e.pointer("/event/writer")
            .is_some_and(|w| w.as_str().is_none_or(str::is_empty))
        {
            return Err(EvidenceError::Malformed(format!(
                "events[{i}].event.writer is not a name"
            )));
        }
        let leaf: AuditLeaf =
            serde_json::from_value(e.get("event").cloned().ok_or_else(|| {
                EvidenceError::Malformed(format!("events[{i}] has no \"event\""))
            })?)
            .map_err(|err| EvidenceError::Malformed(format!("events[{i}].event: {err}")))?;
        let index = e.get("leaf_index").and_then(Value::as_u64).ok_or_else(|| {
            EvidenceError::Malformed(format!("events[{i}].leaf_index is not a whole number"))
        })?;
        let expected = leaf.leaf_index(&tree)?;
        if index != expected {
            return Err(EvidenceError::Contents(format!(
                "the proof of event {} is for leaf {index}, but the event is leaf {expected}",
                leaf.seq
            )));
        }
        let hashes = e
            .get("hashes")
            .and_then(Value::as_array)
            .ok_or_else(|| EvidenceError::Malformed(format!("events[{i}].hashes is not a list")))?
            .iter()
            .map(|h| {
                h.as_str()
                    .ok_or_else(|| EvidenceError::Malformed("a proof hash is not a string".into()))
                    .and_then(parse_b64)
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_inclusion(
            &hashes,
            checkpoint.size,
            checkpoint.root,
            index,
            leaf.leaf_hash(),
        )
        .map_err(|err| {
            EvidenceError::Proof(format!(
                "event {} is not in the tree of the checkpoint ({err})",
                leaf.seq
            ))
        })?;
        seqs.push(leaf.seq);
        if !leaf.writer.is_empty() {
            writers.insert(leaf.writer);
        }
    }
    Ok(VerifiedAudit {
        tree,
        seqs,
        writers,
        checkpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProcessorKey;
    use crate::checkpoint::sign_checkpoint;
    use crate::tree::testing::{every_changed_byte_fails, proof_of, root_of, stored};

    fn events(n: i64) -> Vec<AuditLeaf> {
        (1..=n)
            .map(|seq| AuditLeaf {
                seq,
                at: "2026-12-05T10:00:00.000000Z".into(),
                tenant_id: if seq % 2 == 0 {
                    "t-a".into()
                } else {
                    "t-b".into()
                },
                tenant_seq: (seq + 1) / 2,
                actor_id: "token:x".into(),
                actor_role: "controller".into(),
                action: "candidate.read".into(),
                object_type: "candidate".into(),
                object_id: format!("c-{seq}"),
                reason: "screening".into(),
                details: "{\"fields\":[\"cv\"]}".into(),
                // Events from before writers were recorded, then events with one.
                writer: if seq > 2 {
                    "custodian_vault".into()
                } else {
                    String::new()
                },
            })
            .collect()
    }

    /// The proof file of `pick` (global seqs) in `tree` over `all`.
    fn issue(key: &ProcessorKey, all: &[AuditLeaf], tree: &AuditTree, pick: &[i64]) -> String {
        let leaves: Vec<&AuditLeaf> = all
            .iter()
            .filter(|e| match tree {
                AuditTree::Global => true,
                AuditTree::Tenant(t) => &e.tenant_id == t,
            })
            .collect();
        let hashes: Vec<Hash> = leaves.iter().map(|e| e.leaf_hash()).collect();
        let size = hashes.len() as u64;
        let store = stored(&hashes);
        let r = root_of(&store, size);
        let proven: Vec<ProvenEvent> = pick
            .iter()
            .map(|seq| {
                let e = all[*seq as usize - 1].clone();
                let index = e.leaf_index(tree).unwrap();
                ProvenEvent {
                    hashes: proof_of(&store, size, index),
                    leaf_index: index,
                    event: e,
                }
            })
            .collect();
        let cp = sign_checkpoint(key, &tree.origin(key.public().name()), size, r).unwrap();
        proof_file(&cp, &proven).unwrap()
    }

    #[test]
    fn the_leaf_is_the_canonical_json() {
        let e = &events(2)[1];
        assert_eq!(
            String::from_utf8(e.leaf_bytes()).unwrap(),
            "{\"action\":\"candidate.read\",\"actor_id\":\"token:x\",\"actor_role\":\"controller\",\"at\":\"2026-12-05T10:00:00.000000Z\",\"details\":\"{\\\"fields\\\":[\\\"cv\\\"]}\",\"object_id\":\"c-2\",\"object_type\":\"candidate\",\"reason\":\"screening\",\"seq\":2,\"tenant_id\":\"t-a\",\"tenant_seq\":1}"
        );
        assert_eq!(e.leaf_index(&AuditTree::Global).unwrap(), 1);
        assert_eq!(e.leaf_index(&AuditTree::Tenant("t-a".into())).unwrap(), 0);
        assert!(e.leaf_index(&AuditTree::Tenant("t-b".into())).is_err());
    }

    #[test]
    fn a_proof_file_verifies_in_both_trees_and_every_changed_byte_is_caught() {
        let key = ProcessorKey::from_seed("custodian.example", [5; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let all = events(23);
        let tenant = AuditTree::Tenant("t-a".into());
        let file = issue(&key, &all, &tenant, &[4, 10, 22]);
        let v = verify_audit_proof(&file, &keys).unwrap();
        assert_eq!(v.tree, tenant);
        assert_eq!(v.seqs, vec![4, 10, 22]);
        assert_eq!(v.checkpoint.size, 11);
        assert!(v.to_string().contains("controller t-a"), "{v}");
        assert!(
            v.to_string().ends_with("; written by custodian_vault"),
            "{v}"
        );
        let global = issue(&key, &all, &AuditTree::Global, &[1, 23]);
        assert_eq!(
            verify_audit_proof(&global, &keys).unwrap().tree,
            AuditTree::Global
        );
        every_changed_byte_fails(&file, |s| verify_audit_proof(s, &keys).is_ok());
        let other = ProcessorKey::from_seed("custodian.example", [6; 32]).unwrap();
        assert!(matches!(
            verify_audit_proof(&file, &[other.public().clone()]),
            Err(EvidenceError::Signature(_))
        ));
    }

    #[test]
    fn the_writer_is_a_member_of_the_leaf_when_there_is_one_and_never_empty() {
        let e = &events(3)[2];
        let bytes = String::from_utf8(e.leaf_bytes()).unwrap();
        assert!(
            bytes.ends_with(",\"writer\":\"custodian_vault\"}"),
            "{bytes}"
        );
        let key = ProcessorKey::from_seed("custodian.example", [5; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let file = issue(&key, &events(3), &AuditTree::Global, &[1, 3]);
        assert_eq!(
            verify_audit_proof(&file, &keys).unwrap().writers,
            ["custodian_vault".to_owned()].into_iter().collect()
        );
        // An empty writer would stand for none: refused, not normalised.
        let mut f: Value = serde_json::from_str(&file).unwrap();
        f["events"][1]["event"]["writer"] = json!("");
        assert!(matches!(
            verify_audit_proof(&f.to_string(), &keys),
            Err(EvidenceError::Malformed(_))
        ));
        // Another writer is another leaf.
        f["events"][1]["event"]["writer"] = json!("custodian_controllers");
        assert!(matches!(
            verify_audit_proof(&f.to_string(), &keys),
            Err(EvidenceError::Proof(_))
        ));
    }

    #[test]
    fn an_event_removed_from_the_log_is_caught() {
        let key = ProcessorKey::from_seed("custodian.example", [5; 32]).unwrap();
        let keys = vec![key.public().clone()];
        let all = events(9);
        let kept = issue(&key, &all, &AuditTree::Global, &[7]);
        // The log rebuilt without event 3: event 7 now sits at leaf 5, so
        // its proof against the rebuilt tree names another leaf index.
        let mut rewritten = all.clone();
        rewritten.remove(2);
        let mut seq7 = rewritten[5].clone();
        assert_eq!(seq7.seq, 7);
        // Renumbering it to fit the rebuilt tree changes the leaf.
        seq7.seq = 6;
        rewritten[5] = seq7;
        let forged = issue(&key, &rewritten, &AuditTree::Global, &[6]);
        let f: Value = serde_json::from_str(&forged).unwrap();
        let k: Value = serde_json::from_str(&kept).unwrap();
        // The forged tree's checkpoint with the kept event's proof fails.
        let mut mixed = k.clone();
        mixed["checkpoint"] = f["checkpoint"].clone();
        let mixed = String::from_utf8(crate::canonical::to_vec(&mixed).unwrap()).unwrap();
        assert!(matches!(
            verify_audit_proof(&mixed, &keys),
            Err(EvidenceError::Proof(_))
        ));
        assert!(verify_audit_proof(&kept, &keys).is_ok());
    }
}
