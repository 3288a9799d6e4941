//! Tables of `services/switching` in the main database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SwitchingRequests {
    Table,
    Id,
    TenantId,
    Kind,
    Election,
    NoticeMonths,
    RequestedAt,
    Destination,
    Status,
    UnfeasibleDeclaredAt,
    UnfeasibilityReasons,
    AlternativeTransitionEnd,
    ExtendedTransitionEnd,
    CompletedAt,
    ContractEnd,
    DeletionTermDays,
    TerminationReason,
    Certificate,
    ErasedAt,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum SwitchingExports {
    Table,
    Id,
    SwitchId,
    TenantId,
    Status,
    StartedAt,
    ReadyAt,
    Error,
    WrappedKeyId,
    Files,
    ManifestSha256,
    Documents,
    Candidates,
    Downloads,
    CreatedBy,
}

#[derive(DeriveIden)]
enum SwitchingExportChunks {
    Table,
    ExportId,
    Seq,
    Data,
}

#[derive(DeriveIden)]
enum SwitchingCharges {
    Table,
    Id,
    SwitchId,
    TenantId,
    AmountCents,
    ChargedOn,
    DirectCostCents,
    Description,
    LegalReview,
    RecordedAt,
    RecordedBy,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SwitchingRequests::Table)
                .if_not_exists()
                .col(string(SwitchingRequests::Id).primary_key())
                .col(string(SwitchingRequests::TenantId))
                .col(string(SwitchingRequests::Kind))
                .col(string(SwitchingRequests::Election))
                .col(integer(SwitchingRequests::NoticeMonths))
                .col(timestamp_with_time_zone(SwitchingRequests::RequestedAt))
                .col(text_null(SwitchingRequests::Destination))
                .col(string(SwitchingRequests::Status))
                .col(timestamp_with_time_zone_null(
                    SwitchingRequests::UnfeasibleDeclaredAt,
                ))
                .col(text_null(SwitchingRequests::UnfeasibilityReasons))
                .col(date_null(SwitchingRequests::AlternativeTransitionEnd))
                .col(date_null(SwitchingRequests::ExtendedTransitionEnd))
                .col(timestamp_with_time_zone_null(
                    SwitchingRequests::CompletedAt,
                ))
                .col(date_null(SwitchingRequests::ContractEnd))
                .col(integer_null(SwitchingRequests::DeletionTermDays))
                .col(text_null(SwitchingRequests::TerminationReason))
                .col(text_null(SwitchingRequests::Certificate))
                .col(timestamp_with_time_zone_null(SwitchingRequests::ErasedAt))
                .col(timestamp_with_time_zone(SwitchingRequests::CreatedAt))
                .col(string(SwitchingRequests::CreatedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_switching_requests_tenant")
                .table(SwitchingRequests::Table)
                .col(SwitchingRequests::TenantId)
                .col(SwitchingRequests::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SwitchingExports::Table)
                .if_not_exists()
                .col(string(SwitchingExports::Id).primary_key())
                .col(string(SwitchingExports::SwitchId))
                .col(string(SwitchingExports::TenantId))
                .col(string(SwitchingExports::Status))
                .col(timestamp_with_time_zone(SwitchingExports::StartedAt))
                .col(timestamp_with_time_zone_null(SwitchingExports::ReadyAt))
                .col(text_null(SwitchingExports::Error))
                .col(string(SwitchingExports::WrappedKeyId))
                .col(text_null(SwitchingExports::Files))
                .col(string_null(SwitchingExports::ManifestSha256))
                .col(big_integer(SwitchingExports::Documents))
                .col(big_integer(SwitchingExports::Candidates))
                .col(integer(SwitchingExports::Downloads))
                .col(string(SwitchingExports::CreatedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_switching_exports_switch")
                .table(SwitchingExports::Table)
                .col(SwitchingExports::SwitchId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SwitchingExportChunks::Table)
                .if_not_exists()
                .col(string(SwitchingExportChunks::ExportId))
                .col(integer(SwitchingExportChunks::Seq))
                .col(blob(SwitchingExportChunks::Data))
                .primary_key(
                    Index::create()
                        .col(SwitchingExportChunks::ExportId)
                        .col(SwitchingExportChunks::Seq),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SwitchingCharges::Table)
                .if_not_exists()
                .col(string(SwitchingCharges::Id).primary_key())
                .col(string(SwitchingCharges::SwitchId))
                .col(string(SwitchingCharges::TenantId))
                .col(big_integer(SwitchingCharges::AmountCents))
                .col(date(SwitchingCharges::ChargedOn))
                .col(big_integer(SwitchingCharges::DirectCostCents))
                .col(text(SwitchingCharges::Description))
                .col(boolean(SwitchingCharges::LegalReview))
                .col(timestamp_with_time_zone(SwitchingCharges::RecordedAt))
                .col(string(SwitchingCharges::RecordedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_switching_charges_switch")
                .table(SwitchingCharges::Table)
                .col(SwitchingCharges::SwitchId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SwitchingCharges::Table.into_iden(),
            SwitchingExportChunks::Table.into_iden(),
            SwitchingExports::Table.into_iden(),
            SwitchingRequests::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
