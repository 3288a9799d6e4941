use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KeystoreInfo {
    Table,
    Id,
    FormatVersion,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(KeystoreInfo::Table)
                .if_not_exists()
                .col(integer(KeystoreInfo::Id).primary_key())
                .col(integer(KeystoreInfo::FormatVersion))
                .col(timestamp_with_time_zone(KeystoreInfo::CreatedAt))
                .to_owned(),
        )
        .await?;
        let now = chrono::Utc::now();
        m.exec_stmt(
            Query::insert()
                .into_table(KeystoreInfo::Table)
                .columns([
                    KeystoreInfo::Id,
                    KeystoreInfo::FormatVersion,
                    KeystoreInfo::CreatedAt,
                ])
                .values_panic([1.into(), 1.into(), now.into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(KeystoreInfo::Table).to_owned())
            .await
    }
}
