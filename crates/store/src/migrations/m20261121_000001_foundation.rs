use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    Role,
    TenantId,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    At,
    TenantId,
    TenantSeq,
    ActorId,
    ActorRole,
    Action,
    ObjectType,
    ObjectId,
    Reason,
    Details,
    PrevHash,
    Hash,
    TenantPrevHash,
    TenantHash,
}

#[derive(DeriveIden)]
enum AuditHeads {
    Table,
    Chain,
    Seq,
    Hash,
}

#[derive(DeriveIden)]
enum Controllers {
    Table,
    Id,
    LegalName,
    KvkNumber,
    Country,
    PrivacyEmail,
    DpoName,
    DpoEmail,
    WebhookUrl,
    WebhookSecret,
    CreatedAt,
    UpdatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .if_not_exists()
                .col(string(ApiTokens::Id).primary_key())
                .col(string(ApiTokens::Name))
                .col(string(ApiTokens::Role))
                .col(string_null(ApiTokens::TenantId))
                .col(string_uniq(ApiTokens::TokenHash))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .if_not_exists()
                .col(big_integer(AuditEvents::Seq).primary_key())
                .col(timestamp_with_time_zone(AuditEvents::At))
                .col(string_null(AuditEvents::TenantId))
                .col(big_integer(AuditEvents::TenantSeq))
                .col(string(AuditEvents::ActorId))
                .col(string(AuditEvents::ActorRole))
                .col(string(AuditEvents::Action))
                .col(string(AuditEvents::ObjectType))
                .col(string(AuditEvents::ObjectId))
                .col(text_null(AuditEvents::Reason))
                .col(text(AuditEvents::Details))
                .col(string(AuditEvents::PrevHash))
                .col(string(AuditEvents::Hash))
                .col(string_null(AuditEvents::TenantPrevHash))
                .col(string_null(AuditEvents::TenantHash))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_events_tenant")
                .table(AuditEvents::Table)
                .col(AuditEvents::TenantId)
                .col(AuditEvents::TenantSeq)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_events_object")
                .table(AuditEvents::Table)
                .col(AuditEvents::ObjectId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditHeads::Table)
                .if_not_exists()
                .col(string(AuditHeads::Chain).primary_key())
                .col(big_integer(AuditHeads::Seq))
                .col(string(AuditHeads::Hash))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuditHeads::Table)
                .columns([AuditHeads::Chain, AuditHeads::Seq, AuditHeads::Hash])
                .values_panic(["global".into(), 0i64.into(), crate::GENESIS_HASH.into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Controllers::Table)
                .if_not_exists()
                .col(string(Controllers::Id).primary_key())
                .col(string(Controllers::LegalName))
                .col(string_uniq(Controllers::KvkNumber))
                .col(string(Controllers::Country))
                .col(string(Controllers::PrivacyEmail))
                .col(string(Controllers::DpoName))
                .col(string(Controllers::DpoEmail))
                .col(string_null(Controllers::WebhookUrl))
                .col(string_null(Controllers::WebhookSecret))
                .col(timestamp_with_time_zone(Controllers::CreatedAt))
                .col(timestamp_with_time_zone(Controllers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Controllers::Table.into_iden(),
            AuditHeads::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            ApiTokens::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
