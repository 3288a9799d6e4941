//! Candidates by due erasure in a total order (owner: services/vault): the
//! vault's obligations are read earliest first, ties by id, and stop at the
//! page (issue 17). Erasure instants are ends of days, so thousands of
//! candidates share one; an index on `delete_after` alone made every page
//! sort all of them. `(delete_after, id)` replaces it (the sweep's claim reads
//! its prefix) and `(tenant_id, delete_after, id)` serves a controller's own
//! list.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Candidates {
    Table,
    TenantId,
    DeleteAfter,
    Id,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_candidates_due_id")
                .table(Candidates::Table)
                .col(Candidates::DeleteAfter)
                .col(Candidates::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_candidates_tenant_due_id")
                .table(Candidates::Table)
                .col(Candidates::TenantId)
                .col(Candidates::DeleteAfter)
                .col(Candidates::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_candidates_due")
                .table(Candidates::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_candidates_due")
                .table(Candidates::Table)
                .col(Candidates::DeleteAfter)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        for name in ["idx_candidates_tenant_due_id", "idx_candidates_due_id"] {
            m.drop_index(Index::drop().name(name).table(Candidates::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
