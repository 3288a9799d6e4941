//! Tables of `crates/outbox` in the main database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    TenantId,
    Topic,
    SubjectType,
    SubjectId,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    CreatedAt,
    DeliveredAt,
    LastError,
}

#[derive(DeriveIden)]
enum OutboxAttempts {
    Table,
    Id,
    MessageId,
    Number,
    StartedAt,
    DurationMs,
    HttpStatus,
    Outcome,
    Error,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OutboxMessages::Table)
                .if_not_exists()
                .col(string(OutboxMessages::Id).primary_key())
                .col(string(OutboxMessages::TenantId))
                .col(string(OutboxMessages::Topic))
                .col(string(OutboxMessages::SubjectType))
                .col(string(OutboxMessages::SubjectId))
                .col(text(OutboxMessages::Body))
                .col(string(OutboxMessages::Status))
                .col(integer(OutboxMessages::Attempts))
                .col(timestamp_with_time_zone(OutboxMessages::NextAttemptAt))
                .col(timestamp_with_time_zone_null(OutboxMessages::ClaimedUntil))
                .col(timestamp_with_time_zone(OutboxMessages::CreatedAt))
                .col(timestamp_with_time_zone_null(OutboxMessages::DeliveredAt))
                .col(text_null(OutboxMessages::LastError))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutboxAttempts::Table)
                .if_not_exists()
                .col(string(OutboxAttempts::Id).primary_key())
                .col(string(OutboxAttempts::MessageId))
                .col(integer(OutboxAttempts::Number))
                .col(timestamp_with_time_zone(OutboxAttempts::StartedAt))
                .col(big_integer(OutboxAttempts::DurationMs))
                .col(integer(OutboxAttempts::HttpStatus))
                .col(string(OutboxAttempts::Outcome))
                .col(text_null(OutboxAttempts::Error))
                .to_owned(),
        )
        .await?;
        // The worker reads what is due, not what is stored.
        m.create_index(
            Index::create()
                .name("idx_outbox_due")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::Status)
                .col(OutboxMessages::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_tenant")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::TenantId)
                .col(OutboxMessages::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_subject")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::SubjectId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_outbox_attempts_number")
                .table(OutboxAttempts::Table)
                .col(OutboxAttempts::MessageId)
                .col(OutboxAttempts::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OutboxAttempts::Table.into_iden(),
            OutboxMessages::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
