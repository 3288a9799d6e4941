//! The audit log's Merkle trees and their signed checkpoints, in the key
//! store (owner: services/vault, which alone holds the signing key; see
//! crates/evidence/src/audit.rs and docs/evidence.md).
//!
//! - `audit_tree_hashes`: per tree (`global`, or `tenant:<id>` for one
//!   controller's events), every complete subtree's RFC 6962 hash once, at
//!   its stored-hash index; written only by appends.
//! - `audit_checkpoints`: every signed checkpoint, by tree and size; a
//!   tree's largest is its size, written in the transaction that adds the
//!   hashes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditTreeHashes {
    Table,
    Tree,
    Idx,
    Hash,
}

#[derive(DeriveIden)]
enum AuditCheckpoints {
    Table,
    Tree,
    TreeSize,
    RootHash,
    Note,
    SignedBy,
    SignedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditTreeHashes::Table)
                .if_not_exists()
                .col(string(AuditTreeHashes::Tree))
                .col(big_integer(AuditTreeHashes::Idx))
                .col(blob(AuditTreeHashes::Hash))
                .primary_key(
                    Index::create()
                        .col(AuditTreeHashes::Tree)
                        .col(AuditTreeHashes::Idx),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditCheckpoints::Table)
                .if_not_exists()
                .col(string(AuditCheckpoints::Tree))
                .col(big_integer(AuditCheckpoints::TreeSize))
                .col(string(AuditCheckpoints::RootHash))
                .col(text(AuditCheckpoints::Note))
                .col(string(AuditCheckpoints::SignedBy))
                .col(timestamp_with_time_zone(AuditCheckpoints::SignedAt))
                .primary_key(
                    Index::create()
                        .col(AuditCheckpoints::Tree)
                        .col(AuditCheckpoints::TreeSize),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditTreeHashes::Table.into_iden(),
            AuditCheckpoints::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
