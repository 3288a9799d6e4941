//! The hashing of the chain. Kept apart so the format is easy to review: a
//! change here is a change of the on-disk audit format.

use sha2::{Digest, Sha256};
use store::entities::audit_events;

/// SHA-256 over every field of an entry except the chain links, each field
/// length-prefixed so that no two different entries share an encoding.
///
/// Two versions: `custodian.audit.v2` for an entry with a writer (the
/// writer is the last field), `custodian.audit.v1` for an entry written
/// before writers were recorded. PostgreSQL's `audit_append` (migration
/// 000020) computes v2 in SQL: a change here is a change there.
pub fn content_digest(e: &audit_events::Model) -> String {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(match e.writer {
        Some(_) => b"custodian.audit.v2",
        None => b"custodian.audit.v1",
    });
    field(&e.seq.to_be_bytes());
    field(
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            .as_bytes(),
    );
    field(e.tenant_id.as_deref().unwrap_or("").as_bytes());
    field(&e.tenant_seq.to_be_bytes());
    field(e.actor_id.as_bytes());
    field(e.actor_role.as_bytes());
    field(e.action.as_bytes());
    field(e.object_type.as_bytes());
    field(e.object_id.as_bytes());
    field(e.reason.as_deref().unwrap_or("").as_bytes());
    field(e.details.as_bytes());
    if let Some(w) = &e.writer {
        field(w.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The link of one chain: `SHA-256(chain || prev || digest)`.
pub fn link_hash(chain: &str, prev: &str, digest: &str) -> String {
    let mut h = Sha256::new();
    h.update(chain.as_bytes());
    h.update([0]);
    h.update(prev.as_bytes());
    h.update([0]);
    h.update(digest.as_bytes());
    hex::encode(h.finalize())
}

/// The entry as a leaf of the audit Merkle trees (crates/evidence/src/audit.rs).
pub fn leaf(e: &audit_events::Model) -> evidence::audit::AuditLeaf {
    evidence::audit::AuditLeaf {
        seq: e.seq,
        at: e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        tenant_id: e.tenant_id.clone().unwrap_or_default(),
        tenant_seq: e.tenant_seq,
        actor_id: e.actor_id.clone(),
        actor_role: e.actor_role.clone(),
        action: e.action.clone(),
        object_type: e.object_type.clone(),
        object_id: e.object_id.clone(),
        reason: e.reason.clone().unwrap_or_default(),
        details: e.details.clone(),
        writer: e.writer.clone().unwrap_or_default(),
    }
}
