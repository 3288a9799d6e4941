//! Evidence over the shred ledger: its RFC 6962 Merkle tree (stored hashes
//! in the key store), a signed checkpoint each time the tree grows, proofs,
//! and signed deletion certificates (formats: crates/evidence,
//! docs/evidence.md).
//!
//! The tree follows the key store's `shred_ledger` table, which reconcile
//! keeps equal to the ledger outside the databases: entry `seq` is leaf
//! `seq - 1`. [`Vault::extend_tree`] runs at the end of every reconcile, so
//! after every shred batch, erasure and start; it appends what is new and
//! signs one checkpoint per pass, in the key store's write transaction (so
//! two vault processes never interleave, and the hashes and the checkpoint
//! commit together). Before it signs, it proves the new tree consistent with
//! the last checkpoint it signed: a tree whose stored history was changed
//! is refused, not signed over.

use evidence::tree::{self, Hash, Known, Op};
use evidence::{ProcessorKey, PublicKey};
use store::entities::vault::{ledger_checkpoints, signing_keys};

use super::tree_store::{LedgerTree, TreeStore};
use super::*;

/// Entries added to the tree per transaction (and checkpoint).
const TREE_PAGE: u64 = 50_000;

/// The processor's signing key and the names of its logs.
pub struct Notary {
    pub(super) key: ProcessorKey,
    /// The shred ledger's checkpoint origin: `<key name>/shred-ledger`.
    origin: String,
}

impl Notary {
    pub fn new(key: ProcessorKey) -> Notary {
        let origin = format!("{}/shred-ledger", key.public().name());
        Notary { key, origin }
    }

    pub fn public(&self) -> &PublicKey {
        self.key.public()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Which ledger entry a proof is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafRef {
    Candidate(String),
    Seq(i64),
}

/// An entry's inclusion proof against a checkpoint.
pub struct Proven {
    pub entry: evidence::ledger::LedgerEntry,
    pub proof: Vec<Hash>,
    pub checkpoint: Checkpoint,
}

pub(super) fn evidence_err(e: evidence::EvidenceError) -> VaultError {
    internal(e.to_string())
}

/// The stored hashes `want` of the tree in `store`; a missing or malformed
/// one means the key store's tree tables were changed.
pub(super) async fn read_hashes<C: ConnectionTrait>(
    db: &C,
    store: &impl TreeStore,
    want: &[u64],
) -> Result<Known, VaultError> {
    let mut known = Known::default();
    for chunk in want.chunks(500) {
        for (idx, hash) in store.read(db, chunk).await? {
            let h: [u8; 32] = hash.as_slice().try_into().map_err(|_| {
                internal(format!(
                    "{}: stored hash {idx} is not 32 bytes",
                    store.name()
                ))
            })?;
            known.0.insert(idx, Hash(h));
        }
    }
    if let Some(missing) = want.iter().find(|i| !known.0.contains_key(i)) {
        return Err(internal(format!(
            "{} lacks stored hash {missing}: the key store's tree tables were changed",
            store.name()
        )));
    }
    Ok(known)
}

/// The consistency proof of the tree in `store` from size `old` to `new`
/// (a signed checkpoint's size); `old` must be from 1 to `new`.
pub(super) async fn consistency_in<C: ConnectionTrait>(
    db: &C,
    store: &impl TreeStore,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, VaultError> {
    if old == 0 || old > new {
        return Err(VaultError::Invalid(field_err(
            "old_size",
            format!("must be from 1 to the new tree size ({new}); it is {old}"),
        )));
    }
    let known = read_hashes(db, store, &tree::needs(Op::Consistency { old, new })).await?;
    tree::consistency(old, new, &known).map_err(evidence_err)
}

/// Appends `leaves` to the tree of `size` in `store`, within `txn`, and
/// returns the new root. When the tree had a signed root (`last`), the new
/// tree must prove consistent with it: a tree whose stored history was
/// changed is refused ([`TreeRefusal`], with both sizes and roots), not
/// signed over.
pub(super) async fn grow<C: ConnectionTrait>(
    txn: &C,
    store: &impl TreeStore,
    size: u64,
    leaves: &[Hash],
    last: Option<Hash>,
) -> Result<Hash, VaultError> {
    let new = size + leaves.len() as u64;
    let known = read_hashes(
        txn,
        store,
        &tree::needs(Op::Append {
            size,
            count: leaves.len() as u64,
        }),
    )
    .await?;
    let added = tree::append(size, leaves, &known).map_err(evidence_err)?;
    let mut all = known;
    all.0.extend(added.iter().copied());
    for chunk in added.chunks(1000) {
        store.write(txn, chunk).await?;
    }
    // What the root and the self-check read beyond what is in hand.
    let mut want = tree::needs(Op::Root { size: new });
    if size > 0 {
        want.extend(tree::needs(Op::Consistency { old: size, new }));
    }
    want.retain(|i| !all.0.contains_key(i));
    want.sort_unstable();
    want.dedup();
    all.0.extend(read_hashes(txn, store, &want).await?.0);
    let root = tree::root(new, &all).map_err(evidence_err)?;
    if let Some(old_root) = last {
        let proof = tree::consistency(size, new, &all).map_err(evidence_err)?;
        tree::check_consistency(&proof, size, old_root, new, root).map_err(|_| {
            VaultError::Refused(TreeRefusal {
                tree: store.name(),
                signed_size: size,
                signed_root: tree::b64(&old_root),
                size: new,
                root: tree::b64(&root),
            })
        })?;
    }
    Ok(root)
}

pub(super) async fn latest_checkpoint<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<ledger_checkpoints::Model>, VaultError> {
    Ok(ledger_checkpoints::Entity::find()
        .order_by_desc(ledger_checkpoints::Column::TreeSize)
        .one(db)
        .await?)
}

impl Vault {
    pub fn notary(&self) -> &Notary {
        &self.notary
    }

    /// Records the signing key in use (and retires the others), so that
    /// every key ever used stays published. Run at start.
    pub async fn register_signing_key(&self) -> Result<(), VaultError> {
        let public = self.notary.public();
        let now = store::now_micros();
        let txn = begin_write(&self.keys.db).await?;
        if signing_keys::Entity::find_by_id(public.handle())
            .one(&txn)
            .await?
            .is_none()
        {
            signing_keys::ActiveModel {
                key_handle: Set(public.handle()),
                public_key: Set(public.text().to_owned()),
                first_used_at: Set(now),
                retired_at: Set(None),
            }
            .insert(&txn)
            .await?;
        }
        signing_keys::Entity::update_many()
            .col_expr(signing_keys::Column::RetiredAt, Expr::value(now))
            .filter(signing_keys::Column::KeyHandle.ne(public.handle()))
            .filter(signing_keys::Column::RetiredAt.is_null())
            .exec(&txn)
            .await?;
        // The key in use is never retired (a key brought back is current).
        signing_keys::Entity::update_many()
            .col_expr(
                signing_keys::Column::RetiredAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(signing_keys::Column::KeyHandle.eq(public.handle()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Every key the vault has signed with, the one in use first.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>, VaultError> {
        let mut keys = signing_keys::Entity::find()
            .order_by_asc(signing_keys::Column::FirstUsedAt)
            .all(&self.keys.db)
            .await?;
        keys.sort_by_key(|k| k.retired_at.is_some());
        Ok(keys.into_iter().map(SigningKey::from).collect())
    }

    /// Appends every ledger entry the tree lacks (up to the ledger's head
    /// when called: entries other processes add meanwhile are theirs to
    /// append, so a busy ledger never keeps one caller looping) and signs a
    /// checkpoint of each new size. Returns the tree's size.
    pub async fn extend_tree(&self) -> Result<u64, VaultError> {
        let head = shred_ledger::Entity::find()
            .order_by_desc(shred_ledger::Column::Seq)
            .one(&self.keys.db)
            .await?
            .map_or(0, |r| r.seq);
        // Nothing new (every idle sweep): no write transaction, no lock.
        let size = latest_checkpoint(&self.keys.db)
            .await?
            .map_or(0, |c| c.tree_size);
        if size >= head {
            return Ok(size as u64);
        }
        loop {
            let txn = begin_write(&self.keys.db).await?;
            let last = latest_checkpoint(&txn).await?;
            let size = last.as_ref().map(|c| c.tree_size as u64).unwrap_or(0);
            let rows = shred_ledger::Entity::find()
                .filter(shred_ledger::Column::Seq.gt(size as i64))
                .filter(shred_ledger::Column::Seq.lte(head))
                .order_by_asc(shred_ledger::Column::Seq)
                .limit(TREE_PAGE)
                .all(&txn)
                .await?;
            if rows.is_empty() {
                txn.rollback().await?;
                return Ok(size);
            }
            let mut leaves = Vec::with_capacity(rows.len());
            for (i, r) in rows.into_iter().enumerate() {
                let want = (size + i as u64 + 1) as i64;
                if r.seq != want {
                    return Err(internal(format!(
                        "the shred ledger has entry {} where the tree expects {want}: entries are missing",
                        r.seq
                    )));
                }
                leaves.push(model_entry(r).to_evidence().leaf_hash());
            }
            let new = size + leaves.len() as u64;
            let last_root = match &last {
                Some(c) => Some(tree::parse_b64(&c.root_hash).map_err(evidence_err)?),
                None => None,
            };
            let root = grow(&txn, &LedgerTree, size, &leaves, last_root).await?;
            let note = evidence::sign_checkpoint(&self.notary.key, &self.notary.origin, new, root)
                .map_err(evidence_err)?;
            ledger_checkpoints::ActiveModel {
                tree_size: Set(new as i64),
                root_hash: Set(tree::b64(&root)),
                note: Set(note),
                signed_by: Set(self.notary.public().handle()),
                signed_at: Set(store::now_micros()),
            }
            .insert(&txn)
            .await?;
            txn.commit().await?;
            metrics::counter!("custodian_ledger_checkpoints_total").increment(1);
        }
    }

    /// The checkpoint of `size`, or the latest (`None`).
    pub async fn checkpoint(&self, size: Option<u64>) -> Result<Checkpoint, VaultError> {
        let found = match size {
            None => latest_checkpoint(&self.keys.db).await?,
            Some(s) => {
                ledger_checkpoints::Entity::find_by_id(s as i64)
                    .one(&self.keys.db)
                    .await?
            }
        };
        found.map(Checkpoint::from).ok_or_else(|| match size {
            None => VaultError::Precondition("no checkpoint yet: nothing has been erased".into()),
            Some(s) => VaultError::Precondition(format!(
                "no checkpoint of tree size {s} was signed; GetCheckpoint gives the latest"
            )),
        })
    }

    /// The inclusion proof of a ledger entry (of a tenant `scope` allows)
    /// against the checkpoint of `size` (or the latest).
    pub async fn inclusion(
        &self,
        scope: &Scope,
        leaf: &LeafRef,
        size: Option<u64>,
    ) -> Result<Proven, VaultError> {
        let row = match leaf {
            LeafRef::Seq(seq) => {
                shred_ledger::Entity::find_by_id(*seq)
                    .one(&self.keys.db)
                    .await?
            }
            LeafRef::Candidate(id) => {
                shred_ledger::Entity::find()
                    .filter(shred_ledger::Column::CandidateId.eq(id.clone()))
                    .one(&self.keys.db)
                    .await?
            }
        }
        .filter(|r| scope.allows(&r.tenant_id))
        .ok_or(VaultError::NotFound)?;
        let mut checkpoint = self.checkpoint(size).await;
        if size.is_none()
            && checkpoint
                .as_ref()
                .map_or(true, |c| (c.tree_size as i64) < row.seq)
        {
            // Shredded, and the tree not yet extended (a crash between the
            // two): extend it now.
            self.extend_tree().await?;
            checkpoint = self.checkpoint(None).await;
        }
        let checkpoint = checkpoint?;
        if (checkpoint.tree_size as i64) < row.seq {
            return Err(VaultError::Precondition(format!(
                "entry {} is not in the tree of size {}: ask for a later checkpoint",
                row.seq, checkpoint.tree_size
            )));
        }
        let entry = model_entry(row).to_evidence();
        let index = entry.leaf_index().map_err(evidence_err)?;
        let t = checkpoint.tree_size;
        let known = read_hashes(
            &self.keys.db,
            &LedgerTree,
            &tree::needs(Op::Inclusion { size: t, index }),
        )
        .await?;
        let proof = tree::inclusion(t, index, &known).map_err(evidence_err)?;
        Ok(Proven {
            entry,
            proof,
            checkpoint,
        })
    }

    /// The consistency proof from the tree of `old` to the checkpoint of
    /// `new` (or the latest), with that checkpoint.
    pub async fn consistency(
        &self,
        old: u64,
        new: Option<u64>,
    ) -> Result<(Vec<Hash>, Checkpoint), VaultError> {
        let cp = self.checkpoint(new).await?;
        let proof = consistency_in(&self.keys.db, &LedgerTree, old, cp.tree_size).await?;
        Ok((proof, cp))
    }
}
