//! Open requests in receipt order (owner: services/requests): the
//! obligation source reads them earliest first, of every tenant or of one,
//! and stops early (issue 17), so these indexes replace a read of the whole
//! queue per `ListObligations`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DsrRequests {
    Table,
    TenantId,
    State,
    ReceivedAt,
    Id,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_dsr_requests_state_received")
                .table(DsrRequests::Table)
                .col(DsrRequests::State)
                .col(DsrRequests::ReceivedAt)
                .col(DsrRequests::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dsr_requests_tenant_state_received")
                .table(DsrRequests::Table)
                .col(DsrRequests::TenantId)
                .col(DsrRequests::State)
                .col(DsrRequests::ReceivedAt)
                .col(DsrRequests::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_dsr_requests_tenant_state_received",
            "idx_dsr_requests_state_received",
        ] {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(DsrRequests::Table)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
