//! The switch lifecycle after issue 14 (owner: services/switching): a
//! customer's withdrawal, the agreement ended by the worker, the retrieval
//! reminder, and the erasure notice that must reach the webhook before the
//! webhook is removed. One column per statement: SQLite alters one at a time.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SwitchingRequests {
    Table,
    WithdrawnAt,
    WithdrawalReason,
    AgreementEndedAt,
    RetrievalRemindedFor,
    ErasureNoticeId,
    WebhookClosedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let cols = [
            ColumnDef::new(SwitchingRequests::WithdrawnAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(SwitchingRequests::WithdrawalReason)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(SwitchingRequests::AgreementEndedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(SwitchingRequests::RetrievalRemindedFor)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(SwitchingRequests::ErasureNoticeId)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(SwitchingRequests::WebhookClosedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut c in cols {
            m.alter_table(
                Table::alter()
                    .table(SwitchingRequests::Table)
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in [
            SwitchingRequests::WithdrawnAt,
            SwitchingRequests::WithdrawalReason,
            SwitchingRequests::AgreementEndedAt,
            SwitchingRequests::RetrievalRemindedFor,
            SwitchingRequests::ErasureNoticeId,
            SwitchingRequests::WebhookClosedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(SwitchingRequests::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
