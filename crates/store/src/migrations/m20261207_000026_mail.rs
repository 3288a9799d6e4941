//! E-mail to people (issue 32): a person's preferences (which alerts, the
//! time of the daily digest), the mail outbox and the planner's cursor.
//!
//! - `people.alerts_off`: the topics a person turned off, comma-separated
//!   (empty: every topic its role may receive is on); `people.digest_at`:
//!   the local (Europe/Amsterdam) time of its daily digest, `HH:MM`, or
//!   none (no digest). Existing people get every alert and a digest at 08:00.
//! - `mail_messages`: one e-mail to one person, written with its whole text
//!   when it is planned, under a unique `dedup_key` (the alert and its
//!   threshold, the audit entry, or the digest's day), so planning twice
//!   plans once; delivered by the worker like the webhook outbox (claim
//!   with a lease, attempts, backoff, dead letters).
//! - `mail_cursors`: how far the planner has read the audit log for events
//!   people are alerted about.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    AlertsOff,
    DigestAt,
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    Id,
    DedupKey,
    PersonId,
    Address,
    Language,
    TenantId,
    Kind,
    Topic,
    ObligationService,
    ObligationUid,
    Due,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    CreatedAt,
    SentAt,
    LastError,
}

#[derive(DeriveIden)]
enum MailCursors {
    Table,
    Name,
    Position,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        m.alter_table(
            Table::alter()
                .table(People::Table)
                .add_column(
                    ColumnDef::new(People::AlertsOff)
                        .string()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(People::Table)
                .add_column(
                    ColumnDef::new(People::DigestAt)
                        .string()
                        .null()
                        .default("08:00"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MailMessages::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(MailMessages::Id)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(MailMessages::DedupKey).string().not_null())
                .col(ColumnDef::new(MailMessages::PersonId).string().not_null())
                .col(ColumnDef::new(MailMessages::Address).string().not_null())
                .col(ColumnDef::new(MailMessages::Language).string().not_null())
                .col(ColumnDef::new(MailMessages::TenantId).string().null())
                .col(ColumnDef::new(MailMessages::Kind).string().not_null())
                .col(ColumnDef::new(MailMessages::Topic).string().not_null())
                .col(
                    ColumnDef::new(MailMessages::ObligationService)
                        .string()
                        .null(),
                )
                .col(ColumnDef::new(MailMessages::ObligationUid).string().null())
                .col(
                    ColumnDef::new(MailMessages::Due)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(MailMessages::Subject).text().not_null())
                .col(ColumnDef::new(MailMessages::TextBody).text().not_null())
                .col(ColumnDef::new(MailMessages::HtmlBody).text().not_null())
                .col(ColumnDef::new(MailMessages::Status).string().not_null())
                .col(ColumnDef::new(MailMessages::Attempts).integer().not_null())
                .col(
                    ColumnDef::new(MailMessages::NextAttemptAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(MailMessages::ClaimedUntil)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(MailMessages::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(MailMessages::SentAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(MailMessages::LastError).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_mail_dedup_key")
                .table(MailMessages::Table)
                .col(MailMessages::DedupKey)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mail_due")
                .table(MailMessages::Table)
                .col(MailMessages::Status)
                .col(MailMessages::NextAttemptAt)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MailCursors::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(MailCursors::Name)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(MailCursors::Position)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(MailCursors::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(MailMessages::Table).to_owned())
            .await?;
        for c in [People::DigestAt, People::AlertsOff] {
            m.alter_table(
                Table::alter()
                    .table(People::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
