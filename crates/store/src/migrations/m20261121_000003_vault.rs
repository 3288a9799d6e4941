//! The candidate vault's tables in the main database (owner: services/vault).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
    TenantId,
    ExternalRef,
    VacancyRef,
    AppliedOn,
    Categories,
    Status,
    ClosedOn,
    Consent,
    ConsentGivenOn,
    ConsentWithdrawnOn,
    LegalHold,
    HoldReason,
    Restricted,
    DeleteAfter,
    RetentionBasis,
    Profile,
    CvSize,
    ShredClaimedAt,
    ClaimedUntil,
    ShredReason,
    ShredBasis,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CandidateDocuments {
    Table,
    CandidateId,
    TenantId,
    Body,
}

#[derive(DeriveIden)]
enum CandidateIndex {
    Table,
    TenantId,
    Hash,
    CandidateId,
}

#[derive(DeriveIden)]
enum RetentionPolicies {
    Table,
    TenantId,
    RejectedWeeks,
    TalentPoolMonths,
    HiredMonths,
    Anchor,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeletionCertificates {
    Table,
    CandidateId,
    TenantId,
    ExternalRef,
    Reason,
    Basis,
    ShreddedAt,
    LedgerSeq,
    LedgerHash,
}

#[derive(DeriveIden)]
enum VaultState {
    Table,
    Id,
    AppliedSeq,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Candidates::Table)
                .if_not_exists()
                .col(string(Candidates::Id).primary_key())
                .col(string(Candidates::TenantId))
                .col(string(Candidates::ExternalRef))
                .col(string(Candidates::VacancyRef))
                .col(date(Candidates::AppliedOn))
                .col(text(Candidates::Categories))
                .col(string(Candidates::Status))
                .col(date_null(Candidates::ClosedOn))
                .col(string(Candidates::Consent))
                .col(date_null(Candidates::ConsentGivenOn))
                .col(date_null(Candidates::ConsentWithdrawnOn))
                .col(boolean(Candidates::LegalHold))
                .col(text_null(Candidates::HoldReason))
                .col(boolean(Candidates::Restricted))
                .col(timestamp_with_time_zone_null(Candidates::DeleteAfter))
                .col(text_null(Candidates::RetentionBasis))
                .col(blob(Candidates::Profile))
                .col(big_integer(Candidates::CvSize))
                .col(timestamp_with_time_zone_null(Candidates::ShredClaimedAt))
                .col(timestamp_with_time_zone_null(Candidates::ClaimedUntil))
                .col(string_null(Candidates::ShredReason))
                .col(text_null(Candidates::ShredBasis))
                .col(timestamp_with_time_zone(Candidates::CreatedAt))
                .col(timestamp_with_time_zone(Candidates::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_candidates_tenant_ref")
                .table(Candidates::Table)
                .col(Candidates::TenantId)
                .col(Candidates::ExternalRef)
                .unique()
                .to_owned(),
        )
        .await?;
        // The sweep reads what is due, not what is stored.
        m.create_index(
            Index::create()
                .name("idx_candidates_due")
                .table(Candidates::Table)
                .col(Candidates::DeleteAfter)
                .to_owned(),
        )
        .await?;

        m.create_index(
            Index::create()
                .name("idx_candidates_claimed")
                .table(Candidates::Table)
                .col(Candidates::ClaimedUntil)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CandidateDocuments::Table)
                .if_not_exists()
                .col(string(CandidateDocuments::CandidateId).primary_key())
                .col(string(CandidateDocuments::TenantId))
                .col(blob(CandidateDocuments::Body))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CandidateIndex::Table)
                .if_not_exists()
                .col(string(CandidateIndex::TenantId))
                .col(string(CandidateIndex::Hash))
                .col(string(CandidateIndex::CandidateId))
                .primary_key(
                    Index::create()
                        .col(CandidateIndex::TenantId)
                        .col(CandidateIndex::Hash)
                        .col(CandidateIndex::CandidateId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_candidate_index_candidate")
                .table(CandidateIndex::Table)
                .col(CandidateIndex::CandidateId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RetentionPolicies::Table)
                .if_not_exists()
                .col(string(RetentionPolicies::TenantId).primary_key())
                .col(integer(RetentionPolicies::RejectedWeeks))
                .col(integer(RetentionPolicies::TalentPoolMonths))
                .col(integer(RetentionPolicies::HiredMonths))
                .col(string(RetentionPolicies::Anchor))
                .col(timestamp_with_time_zone(RetentionPolicies::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DeletionCertificates::Table)
                .if_not_exists()
                .col(string(DeletionCertificates::CandidateId).primary_key())
                .col(string(DeletionCertificates::TenantId))
                .col(string(DeletionCertificates::ExternalRef))
                .col(string(DeletionCertificates::Reason))
                .col(text(DeletionCertificates::Basis))
                .col(timestamp_with_time_zone(DeletionCertificates::ShreddedAt))
                .col(big_integer(DeletionCertificates::LedgerSeq))
                .col(string(DeletionCertificates::LedgerHash))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(VaultState::Table)
                .if_not_exists()
                .col(integer(VaultState::Id).primary_key())
                .col(big_integer(VaultState::AppliedSeq))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(VaultState::Table)
                .columns([VaultState::Id, VaultState::AppliedSeq])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            VaultState::Table.into_iden(),
            DeletionCertificates::Table.into_iden(),
            RetentionPolicies::Table.into_iden(),
            CandidateIndex::Table.into_iden(),
            CandidateDocuments::Table.into_iden(),
            Candidates::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
