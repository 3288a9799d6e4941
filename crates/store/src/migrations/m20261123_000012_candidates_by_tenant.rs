//! Candidates of one tenant in id order (owner: services/vault): the export
//! bundle and `ListCandidates` page through them without sorting the tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Candidates {
    Table,
    TenantId,
    Id,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_candidates_tenant_id")
                .table(Candidates::Table)
                .col(Candidates::TenantId)
                .col(Candidates::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_candidates_tenant_id")
                .table(Candidates::Table)
                .to_owned(),
        )
        .await
    }
}
