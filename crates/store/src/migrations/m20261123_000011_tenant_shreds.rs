//! The tenant-erasure fence in the key store database (owner: services/vault):
//! a tenant named here has had its KEKs destroyed and can never get a key again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantShreds {
    Table,
    TenantId,
    DestroyedAt,
    KekVersions,
    KeysDestroyed,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TenantShreds::Table)
                .if_not_exists()
                .col(string(TenantShreds::TenantId).primary_key())
                .col(timestamp_with_time_zone(TenantShreds::DestroyedAt))
                .col(text(TenantShreds::KekVersions))
                .col(big_integer(TenantShreds::KeysDestroyed))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TenantShreds::Table).to_owned())
            .await
    }
}
