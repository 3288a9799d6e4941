//! Tables of `services/requests` in the main database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DsrRequests {
    Table,
    Id,
    TenantId,
    Kind,
    Channel,
    ReceivedAt,
    State,
    IdentifiedBy,
    SubjectHashes,
    CandidateRef,
    Description,
    Suspension,
    IdentityRequestedAt,
    IdentityReceivedAt,
    ExtendedAt,
    ExtensionReasons,
    ForwardedMessageId,
    SubjectInformedAt,
    AnsweredAt,
    Outcome,
    RefusalReasons,
    ComplaintInfo,
    JudicialRemedyInfo,
    ClosedAt,
    CreatedAt,
    CreatedBy,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DsrRequests::Table)
                .if_not_exists()
                .col(string(DsrRequests::Id).primary_key())
                .col(string(DsrRequests::TenantId))
                .col(string(DsrRequests::Kind))
                .col(string(DsrRequests::Channel))
                .col(timestamp_with_time_zone(DsrRequests::ReceivedAt))
                .col(string(DsrRequests::State))
                .col(text(DsrRequests::IdentifiedBy))
                .col(text(DsrRequests::SubjectHashes))
                .col(string_null(DsrRequests::CandidateRef))
                .col(text_null(DsrRequests::Description))
                .col(string(DsrRequests::Suspension))
                .col(timestamp_with_time_zone_null(
                    DsrRequests::IdentityRequestedAt,
                ))
                .col(timestamp_with_time_zone_null(
                    DsrRequests::IdentityReceivedAt,
                ))
                .col(timestamp_with_time_zone_null(DsrRequests::ExtendedAt))
                .col(text_null(DsrRequests::ExtensionReasons))
                .col(string_null(DsrRequests::ForwardedMessageId))
                .col(timestamp_with_time_zone_null(
                    DsrRequests::SubjectInformedAt,
                ))
                .col(timestamp_with_time_zone_null(DsrRequests::AnsweredAt))
                .col(text_null(DsrRequests::Outcome))
                .col(text_null(DsrRequests::RefusalReasons))
                .col(text_null(DsrRequests::ComplaintInfo))
                .col(text_null(DsrRequests::JudicialRemedyInfo))
                .col(timestamp_with_time_zone_null(DsrRequests::ClosedAt))
                .col(timestamp_with_time_zone(DsrRequests::CreatedAt))
                .col(string(DsrRequests::CreatedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dsr_requests_tenant")
                .table(DsrRequests::Table)
                .col(DsrRequests::TenantId)
                .col(DsrRequests::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dsr_requests_state")
                .table(DsrRequests::Table)
                .col(DsrRequests::State)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DsrRequests::Table).to_owned())
            .await
    }
}
