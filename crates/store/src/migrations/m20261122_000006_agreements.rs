//! Tables of `services/agreements` in the main database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
    TenantId,
    Status,
    LatestVersion,
    ActivatedAt,
    NoticeGivenOn,
    EndsOn,
    EndedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgreementVersions {
    Table,
    AgreementId,
    Version,
    Terms,
    Note,
    CreatedAt,
    CreatedBy,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agreements::Table)
                .if_not_exists()
                .col(string(Agreements::Id).primary_key())
                .col(string(Agreements::TenantId))
                .col(string(Agreements::Status))
                .col(integer(Agreements::LatestVersion))
                .col(timestamp_with_time_zone_null(Agreements::ActivatedAt))
                .col(date_null(Agreements::NoticeGivenOn))
                .col(date_null(Agreements::EndsOn))
                .col(timestamp_with_time_zone_null(Agreements::EndedAt))
                .col(timestamp_with_time_zone(Agreements::CreatedAt))
                .col(timestamp_with_time_zone(Agreements::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AgreementVersions::Table)
                .if_not_exists()
                .col(string(AgreementVersions::AgreementId))
                .col(integer(AgreementVersions::Version))
                .col(text(AgreementVersions::Terms))
                .col(text(AgreementVersions::Note))
                .col(timestamp_with_time_zone(AgreementVersions::CreatedAt))
                .col(string(AgreementVersions::CreatedBy))
                .primary_key(
                    Index::create()
                        .col(AgreementVersions::AgreementId)
                        .col(AgreementVersions::Version),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_agreements_tenant")
                .table(Agreements::Table)
                .col(Agreements::TenantId)
                .col(Agreements::Status)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AgreementVersions::Table.into_iden(),
            Agreements::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
