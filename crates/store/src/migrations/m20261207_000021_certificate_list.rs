//! The deletion certificates of a tenant, newest first: what the console's
//! certificate list and `ListDeletionCertificates` read a page of.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeletionCertificates {
    Table,
    TenantId,
    ShreddedAt,
    CandidateId,
}

const INDEX: &str = "ix_deletion_certificates_tenant_shredded";

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(DeletionCertificates::Table)
                .col(DeletionCertificates::TenantId)
                .col(DeletionCertificates::ShreddedAt)
                .col(DeletionCertificates::CandidateId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(DeletionCertificates::Table)
                .to_owned(),
        )
        .await
    }
}
