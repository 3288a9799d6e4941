//! Where the evidence trees keep their hashes: storage only, as a
//! transparency log's storage drivers do it (they read and write tiles; the
//! tree logic above takes what they fetch). The shred ledger's tree lives in
//! `ledger_tree_hashes`, each audit tree (`global`, `tenant:<id>`) in its
//! rows of `audit_tree_hashes`, both in the key store. The tree integration
//! ([`super::notary`]: append, roots, proofs, the refusal to sign over a
//! changed history) works over [`TreeStore`] and never names a table.

use evidence::tree::Hash;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use store::entities::vault::{audit_tree_hashes, ledger_tree_hashes};

/// One tree's stored node hashes, by node index.
pub(crate) trait TreeStore {
    /// The tree as a person reads it in an error.
    fn name(&self) -> String;

    /// The stored hashes among `idx` (missing ones are left out).
    async fn read<C: ConnectionTrait>(
        &self,
        db: &C,
        idx: &[u64],
    ) -> Result<Vec<(u64, Vec<u8>)>, DbErr>;

    /// Stores new node hashes (never rewrites one).
    async fn write<C: ConnectionTrait>(&self, db: &C, hashes: &[(u64, Hash)]) -> Result<(), DbErr>;
}

/// The shred ledger's tree.
pub(crate) struct LedgerTree;

/// One audit tree: `global` or `tenant:<id>`.
pub(crate) struct AuditTreeStore<'a>(pub &'a str);

impl TreeStore for LedgerTree {
    fn name(&self) -> String {
        "the ledger's tree".into()
    }

    async fn read<C: ConnectionTrait>(
        &self,
        db: &C,
        idx: &[u64],
    ) -> Result<Vec<(u64, Vec<u8>)>, DbErr> {
        Ok(ledger_tree_hashes::Entity::find()
            .filter(ledger_tree_hashes::Column::Idx.is_in(idx.iter().map(|i| *i as i64)))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.idx as u64, r.hash))
            .collect())
    }

    async fn write<C: ConnectionTrait>(&self, db: &C, hashes: &[(u64, Hash)]) -> Result<(), DbErr> {
        ledger_tree_hashes::Entity::insert_many(hashes.iter().map(|(i, h)| {
            ledger_tree_hashes::ActiveModel {
                idx: Set(*i as i64),
                hash: Set(h.0.to_vec()),
            }
        }))
        .exec_without_returning(db)
        .await?;
        Ok(())
    }
}

impl TreeStore for AuditTreeStore<'_> {
    fn name(&self) -> String {
        format!("the audit tree {}", self.0)
    }

    async fn read<C: ConnectionTrait>(
        &self,
        db: &C,
        idx: &[u64],
    ) -> Result<Vec<(u64, Vec<u8>)>, DbErr> {
        Ok(audit_tree_hashes::Entity::find()
            .filter(audit_tree_hashes::Column::Tree.eq(self.0))
            .filter(audit_tree_hashes::Column::Idx.is_in(idx.iter().map(|i| *i as i64)))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.idx as u64, r.hash))
            .collect())
    }

    async fn write<C: ConnectionTrait>(&self, db: &C, hashes: &[(u64, Hash)]) -> Result<(), DbErr> {
        audit_tree_hashes::Entity::insert_many(hashes.iter().map(|(i, h)| {
            audit_tree_hashes::ActiveModel {
                tree: Set(self.0.to_owned()),
                idx: Set(*i as i64),
                hash: Set(h.0.to_vec()),
            }
        }))
        .exec_without_returning(db)
        .await?;
        Ok(())
    }
}
