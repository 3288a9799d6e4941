//! Evidence over the audit log: a Merkle tree over the global chain and one
//! per controller (formats: crates/evidence/src/audit.rs, docs/evidence.md),
//! kept by the vault because it alone holds the signing key.
//!
//! The trees follow the audit log of the main database (which every process
//! appends to) and live in the key store beside the ledger's. They are
//! extended after the audit entries commit, not inside the audit group
//! commit: the write path of every service stays as it is, and a checkpoint
//! covers the log up to its size. [`Vault::extend_audit`] runs at the end of
//! every reconcile (each sweep) and before a checkpoint or proof of "the
//! latest" is answered, so a DPO always gets a checkpoint that covers what it
//! was just shown. Each pass signs one checkpoint of the global tree and one
//! of each controller's tree it added to, in the key store's write
//! transaction.
//!
//! History is checked as it is extended: the events must follow on without
//! a gap, the event the tree ends with must still be the one it holds (a
//! main database restored to before the tree's size, or an event changed, is
//! refused), and the new tree must be consistent with the last checkpoint.
//! A refusal is an error to the caller and a log line; nothing is signed.

use std::collections::BTreeMap;

use evidence::audit::{AuditLeaf, AuditTree, ProvenEvent};
use evidence::tree::{self, Hash, Op};
use store::entities::audit_events;
use store::entities::vault::audit_checkpoints;

use super::notary::{consistency_in, evidence_err, grow, read_hashes};
use super::tree_store::AuditTreeStore;
use super::*;

/// Events added to the trees per transaction.
const AUDIT_PAGE: u64 = 50_000;
/// The most events one reconcile adds, so that a start (whose reconcile
/// the server waits for) or a sweep batch after an upgrade over a large
/// audit log does not build the whole tree at once: the trees catch up
/// this much per pass, and fully when a checkpoint or proof is asked for.
pub const AUDIT_PASS_LIMIT: u64 = 200_000;
/// The most events one proof request may name.
pub const MAX_PROVEN_EVENTS: usize = 100;

async fn latest<C: ConnectionTrait>(
    db: &C,
    tree: &str,
) -> Result<Option<audit_checkpoints::Model>, VaultError> {
    Ok(audit_checkpoints::Entity::find()
        .filter(audit_checkpoints::Column::Tree.eq(tree))
        .order_by_desc(audit_checkpoints::Column::TreeSize)
        .one(db)
        .await?)
}

fn root_of(c: &Option<audit_checkpoints::Model>) -> Result<Option<Hash>, VaultError> {
    c.as_ref()
        .map(|c| tree::parse_b64(&c.root_hash).map_err(evidence_err))
        .transpose()
}

/// The stored leaf hash of `index` in `store` equals `leaf`: the event the
/// tree holds is the one the log has now.
async fn holds<C: ConnectionTrait>(
    db: &C,
    table: &AuditTreeStore<'_>,
    index: u64,
    leaf: &AuditLeaf,
) -> Result<bool, VaultError> {
    let at = tree::stored_hash_index(0, index);
    let known = read_hashes(db, table, &[at]).await?;
    Ok(known.0.get(&at) == Some(&leaf.leaf_hash()))
}

fn diverged(what: String) -> VaultError {
    tracing::error!(problem = %what, "the audit log no longer matches its signed tree");
    metrics::counter!("custodian_audit_tree_refusals_total").increment(1);
    VaultError::Precondition(format!(
        "the audit log no longer matches its signed Merkle tree: {what}; nothing was signed \
         (see docs/evidence.md, \"When the audit tree refuses\")"
    ))
}

impl Vault {
    /// Appends every audit event the trees lack (up to the log's head when
    /// called) and signs a checkpoint of each tree that grew. Returns the
    /// global tree's size.
    pub async fn extend_audit(&self) -> Result<u64, VaultError> {
        self.extend_audit_by(None).await
    }

    /// [`Self::extend_audit`], adding at most `limit` events when given
    /// (pages of at most that many).
    pub async fn extend_audit_by(&self, limit: Option<u64>) -> Result<u64, VaultError> {
        let (head, _) = audit::global_head(&self.main).await?;
        let mut added = 0u64;
        let size = latest(&self.keys.db, "global")
            .await?
            .map_or(0, |c| c.tree_size);
        if size >= head {
            return Ok(size as u64);
        }
        loop {
            let txn = begin_write(&self.keys.db).await?;
            let last = latest(&txn, "global").await?;
            let size = last.as_ref().map_or(0, |c| c.tree_size as u64);
            let events = audit_events::Entity::find()
                .filter(audit_events::Column::Seq.gt(size as i64))
                .filter(audit_events::Column::Seq.lte(head))
                .order_by_asc(audit_events::Column::Seq)
                .limit(limit.map_or(AUDIT_PAGE, |l| l.clamp(1, AUDIT_PAGE)))
                .all(&self.main)
                .await?;
            if events.is_empty() {
                txn.rollback().await?;
                return Ok(size);
            }
            if size > 0 {
                let at_end = audit_events::Entity::find_by_id(size as i64)
                    .one(&self.main)
                    .await?
                    .ok_or_else(|| diverged(format!("event {size}, the tree's last, is gone")))?;
                if !holds(
                    &txn,
                    &AuditTreeStore("global"),
                    size - 1,
                    &audit::leaf(&at_end),
                )
                .await?
                {
                    return Err(diverged(format!(
                        "event {size}, the tree's last, is not the event the tree holds"
                    )));
                }
            }
            let mut leaves = Vec::with_capacity(events.len());
            let mut by_tenant: BTreeMap<String, Vec<AuditLeaf>> = BTreeMap::new();
            for (i, e) in events.iter().enumerate() {
                let want = (size + i as u64 + 1) as i64;
                if e.seq != want {
                    return Err(diverged(format!(
                        "the log has event {} where the tree expects {want}: events are missing",
                        e.seq
                    )));
                }
                let leaf = audit::leaf(e);
                leaves.push(leaf.leaf_hash());
                if !leaf.tenant_id.is_empty() {
                    by_tenant
                        .entry(leaf.tenant_id.clone())
                        .or_default()
                        .push(leaf);
                }
            }
            let new = size + leaves.len() as u64;
            let root = grow(
                &txn,
                &AuditTreeStore("global"),
                size,
                &leaves,
                root_of(&last)?,
            )
            .await?;
            let origin = evidence::audit::global_origin(self.notary.public().name());
            self.insert_audit_checkpoint(&txn, "global", &origin, new, root)
                .await?;
            for (tenant, evs) in by_tenant {
                let t = AuditTree::Tenant(tenant);
                let key = t.key();
                let last = latest(&txn, &key).await?;
                let tsize = last.as_ref().map_or(0, |c| c.tree_size as u64);
                for (i, e) in evs.iter().enumerate() {
                    let want = (tsize + i as u64 + 1) as i64;
                    if e.tenant_seq != want {
                        return Err(diverged(format!(
                            "event {} is number {} of its controller's chain where the \
                             controller's tree expects {want}",
                            e.seq, e.tenant_seq
                        )));
                    }
                }
                let hashes: Vec<Hash> = evs.iter().map(AuditLeaf::leaf_hash).collect();
                let troot =
                    grow(&txn, &AuditTreeStore(&key), tsize, &hashes, root_of(&last)?).await?;
                let origin = t.origin(self.notary.public().name());
                self.insert_audit_checkpoint(
                    &txn,
                    &key,
                    &origin,
                    tsize + hashes.len() as u64,
                    troot,
                )
                .await?;
            }
            txn.commit().await?;
            metrics::counter!("custodian_audit_checkpoints_total").increment(1);
            added += new - size;
            if new >= head as u64 || limit.is_some_and(|l| added >= l) {
                return Ok(new);
            }
        }
    }

    async fn insert_audit_checkpoint<C: ConnectionTrait>(
        &self,
        txn: &C,
        tree: &str,
        origin: &str,
        size: u64,
        root: Hash,
    ) -> Result<(), VaultError> {
        let note = evidence::sign_checkpoint(&self.notary.key, origin, size, root)
            .map_err(evidence_err)?;
        audit_checkpoints::ActiveModel {
            tree: Set(tree.to_owned()),
            tree_size: Set(size as i64),
            root_hash: Set(tree::b64(&root)),
            note: Set(note),
            signed_by: Set(self.notary.public().handle()),
            signed_at: Set(store::now_micros()),
        }
        .insert(txn)
        .await?;
        Ok(())
    }

    /// The checkpoint of `tree` of `size`, or the latest (`None`: the tree
    /// extended first, so it covers the log as it is now).
    pub async fn audit_checkpoint(
        &self,
        tree: &AuditTree,
        size: Option<u64>,
    ) -> Result<Checkpoint, VaultError> {
        let key = tree.key();
        let found = match size {
            None => {
                self.extend_audit().await?;
                latest(&self.keys.db, &key).await?
            }
            Some(s) => {
                audit_checkpoints::Entity::find_by_id((key.clone(), s as i64))
                    .one(&self.keys.db)
                    .await?
            }
        };
        found.map(Checkpoint::from).ok_or_else(|| match size {
            None => VaultError::NotFound,
            Some(s) => VaultError::Precondition(format!(
                "no checkpoint of this audit tree of size {s} was signed; \
                 GetAuditCheckpoint gives the latest"
            )),
        })
    }

    /// Inclusion proofs of the events `seqs` in `tree`, against its
    /// checkpoint of `size` (or the latest). An event the tree does not hold
    /// (another controller's, for a controller's tree) is not found.
    pub async fn audit_proof(
        &self,
        tree: &AuditTree,
        seqs: &[i64],
        size: Option<u64>,
    ) -> Result<(Checkpoint, Vec<ProvenEvent>), VaultError> {
        let checkpoint = self.audit_checkpoint(tree, size).await?;
        let t = checkpoint.tree_size;
        let key = tree.key();
        let rows = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.is_in(seqs.iter().copied()))
            .all(&self.main)
            .await?;
        let mut proven = Vec::with_capacity(seqs.len());
        for seq in seqs {
            let leaf = rows
                .iter()
                .find(|r| r.seq == *seq)
                .map(audit::leaf)
                .ok_or(VaultError::NotFound)?;
            let index = match leaf.leaf_index(tree) {
                Ok(i) => i,
                // Another controller's event does not exist for this tree.
                Err(_) => return Err(VaultError::NotFound),
            };
            if index >= t {
                return Err(VaultError::Precondition(format!(
                    "event {seq} is not in the tree of size {t}: ask for a later checkpoint"
                )));
            }
            // The audit path and the leaf itself, in one read.
            let at = tree::stored_hash_index(0, index);
            let mut want = tree::needs(Op::Inclusion { size: t, index });
            want.push(at);
            let known = read_hashes(&self.keys.db, &AuditTreeStore(&key), &want).await?;
            if known.0.get(&at) != Some(&leaf.leaf_hash()) {
                return Err(diverged(format!(
                    "event {seq} is not the event the tree holds at its place"
                )));
            }
            proven.push(ProvenEvent {
                hashes: tree::inclusion(t, index, &known).map_err(evidence_err)?,
                leaf_index: index,
                event: leaf,
            });
        }
        Ok((checkpoint, proven))
    }

    /// The consistency proof of `tree` from size `old` to its checkpoint of
    /// `new` (or the latest), with that checkpoint.
    pub async fn audit_consistency(
        &self,
        tree: &AuditTree,
        old: u64,
        new: Option<u64>,
    ) -> Result<(Vec<Hash>, Checkpoint), VaultError> {
        let cp = self.audit_checkpoint(tree, new).await?;
        let proof = consistency_in(
            &self.keys.db,
            &AuditTreeStore(&tree.key()),
            old,
            cp.tree_size,
        )
        .await?;
        Ok((proof, cp))
    }
}
