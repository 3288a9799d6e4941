//! The people who use the console: the processor's staff and each
//! customer's DPO, each with a name, an e-mail address, a language, a role
//! and (a customer's DPO) a tenant; matched at sign-in by the issuer and
//! subject of their OpenID Provider once known. A removed person keeps its
//! row (`removed_at`) for the audit log's names.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    Name,
    Email,
    Language,
    Role,
    TenantId,
    Issuer,
    Subject,
    InvitedAt,
    InvitedBy,
    SignedInAt,
    RemovedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(People::Table)
                .if_not_exists()
                .col(ColumnDef::new(People::Id).string().not_null().primary_key())
                .col(ColumnDef::new(People::Name).string().not_null())
                .col(ColumnDef::new(People::Email).string().not_null())
                .col(ColumnDef::new(People::Language).string().not_null())
                .col(ColumnDef::new(People::Role).string().not_null())
                .col(ColumnDef::new(People::TenantId).string().null())
                .col(ColumnDef::new(People::Issuer).string().null())
                .col(ColumnDef::new(People::Subject).string().null())
                .col(
                    ColumnDef::new(People::InvitedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(People::InvitedBy).string().not_null())
                .col(
                    ColumnDef::new(People::SignedInAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(People::RemovedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        // The people of a tenant, and finding a person by address.
        m.create_index(
            Index::create()
                .name("ix_people_tenant_email")
                .table(People::Table)
                .col(People::TenantId)
                .col(People::Email)
                .to_owned(),
        )
        .await?;
        // One live invitation per address, per tenant and among the staff
        // (the check before an insert answers ALREADY_EXISTS; this keeps two
        // concurrent invitations from both passing it). Both databases take
        // a partial index on an expression.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_people_live_email \
                 ON people (COALESCE(tenant_id, ''), email) WHERE removed_at IS NULL",
            )
            .await?;
        // One person per account of a provider.
        m.create_index(
            Index::create()
                .name("ux_people_issuer_subject")
                .table(People::Table)
                .col(People::Issuer)
                .col(People::Subject)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(People::Table).to_owned())
            .await
    }
}
