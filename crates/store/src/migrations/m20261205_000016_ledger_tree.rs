//! The shred ledger's Merkle tree, its signed checkpoints and the signing
//! keys they were signed with, in the key store (owner: services/vault; see
//! crates/evidence and docs/evidence.md).
//!
//! - `ledger_tree_hashes`: every complete subtree's RFC 6962 hash once, at
//!   its stored-hash index (Go sumdb/tlog order); written only by appends.
//! - `ledger_checkpoints`: every signed checkpoint, by tree size; the
//!   largest is the tree's size, written in the transaction that adds the
//!   hashes.
//! - `signing_keys`: every public key the vault has signed with, so that
//!   checkpoints and certificates signed before a rotation stay verifiable.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerTreeHashes {
    Table,
    Idx,
    Hash,
}

#[derive(DeriveIden)]
enum LedgerCheckpoints {
    Table,
    TreeSize,
    RootHash,
    Note,
    SignedBy,
    SignedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    KeyHandle,
    PublicKey,
    FirstUsedAt,
    RetiredAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LedgerTreeHashes::Table)
                .if_not_exists()
                .col(big_integer(LedgerTreeHashes::Idx).primary_key())
                .col(blob(LedgerTreeHashes::Hash))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LedgerCheckpoints::Table)
                .if_not_exists()
                .col(big_integer(LedgerCheckpoints::TreeSize).primary_key())
                .col(string(LedgerCheckpoints::RootHash))
                .col(text(LedgerCheckpoints::Note))
                .col(string(LedgerCheckpoints::SignedBy))
                .col(timestamp_with_time_zone(LedgerCheckpoints::SignedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .if_not_exists()
                .col(string(SigningKeys::KeyHandle).primary_key())
                .col(text(SigningKeys::PublicKey))
                .col(timestamp_with_time_zone(SigningKeys::FirstUsedAt))
                .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            LedgerTreeHashes::Table.into_iden(),
            LedgerCheckpoints::Table.into_iden(),
            SigningKeys::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
