//! The vault's key tables in the key store database (owner: services/vault).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MasterCheck {
    Table,
    Id,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TenantKeks {
    Table,
    TenantId,
    Version,
    Wrapped,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TenantIndexKeys {
    Table,
    TenantId,
    Wrapped,
}

#[derive(DeriveIden)]
enum CandidateDeks {
    Table,
    CandidateId,
    TenantId,
    KekVersion,
    Wrapped,
}

#[derive(DeriveIden)]
enum ShredLedger {
    Table,
    Seq,
    CandidateId,
    TenantId,
    Reason,
    Basis,
    ShreddedAt,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum KeystoreState {
    Table,
    Id,
    /// Bytes of the ledger file known to be applied to this database.
    LedgerFileOffset,
    /// The seq of the last entry in the file at that offset.
    LedgerFileSeq,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MasterCheck::Table)
                .if_not_exists()
                .col(integer(MasterCheck::Id).primary_key())
                .col(blob(MasterCheck::Value))
                .col(timestamp_with_time_zone(MasterCheck::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TenantKeks::Table)
                .if_not_exists()
                .col(string(TenantKeks::TenantId))
                .col(integer(TenantKeks::Version))
                .col(blob(TenantKeks::Wrapped))
                .col(timestamp_with_time_zone(TenantKeks::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(TenantKeks::TenantId)
                        .col(TenantKeks::Version),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TenantIndexKeys::Table)
                .if_not_exists()
                .col(string(TenantIndexKeys::TenantId).primary_key())
                .col(blob(TenantIndexKeys::Wrapped))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CandidateDeks::Table)
                .if_not_exists()
                .col(string(CandidateDeks::CandidateId).primary_key())
                .col(string(CandidateDeks::TenantId))
                .col(integer(CandidateDeks::KekVersion))
                .col(blob(CandidateDeks::Wrapped))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_candidate_deks_tenant_version")
                .table(CandidateDeks::Table)
                .col(CandidateDeks::TenantId)
                .col(CandidateDeks::KekVersion)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ShredLedger::Table)
                .if_not_exists()
                .col(big_integer(ShredLedger::Seq).primary_key())
                .col(string_uniq(ShredLedger::CandidateId))
                .col(string(ShredLedger::TenantId))
                .col(string(ShredLedger::Reason))
                .col(text(ShredLedger::Basis))
                .col(timestamp_with_time_zone(ShredLedger::ShreddedAt))
                .col(string(ShredLedger::PrevHash))
                .col(string(ShredLedger::Hash))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(KeystoreState::Table)
                .if_not_exists()
                .col(integer(KeystoreState::Id).primary_key())
                .col(big_integer(KeystoreState::LedgerFileOffset))
                .col(big_integer(KeystoreState::LedgerFileSeq))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(KeystoreState::Table)
                .columns([
                    KeystoreState::Id,
                    KeystoreState::LedgerFileOffset,
                    KeystoreState::LedgerFileSeq,
                ])
                .values_panic([1.into(), 0i64.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            KeystoreState::Table.into_iden(),
            ShredLedger::Table.into_iden(),
            CandidateDeks::Table.into_iden(),
            TenantIndexKeys::Table.into_iden(),
            TenantKeks::Table.into_iden(),
            MasterCheck::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
