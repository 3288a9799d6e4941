//! What a person's calendar feed has served: one row per event (the
//! obligation's UID), so that an obligation that is done (and no longer
//! listed) is served once more as a cancelled event for 30 days, and the
//! calendar program takes it out instead of keeping a deadline that is
//! met. Holds what the feed showed: the event's summary (what must happen,
//! the customer's name), its start and its link; no personal data.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CalendarEvents {
    Table,
    PersonId,
    Uid,
    Summary,
    Start,
    Url,
    FirstSeen,
    GoneAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarEvents::Table)
                .if_not_exists()
                .col(ColumnDef::new(CalendarEvents::PersonId).string().not_null())
                .col(ColumnDef::new(CalendarEvents::Uid).string().not_null())
                .col(ColumnDef::new(CalendarEvents::Summary).string().not_null())
                .col(ColumnDef::new(CalendarEvents::Start).string().not_null())
                .col(ColumnDef::new(CalendarEvents::Url).string().not_null())
                .col(
                    ColumnDef::new(CalendarEvents::FirstSeen)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CalendarEvents::GoneAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .primary_key(
                    Index::create()
                        .col(CalendarEvents::PersonId)
                        .col(CalendarEvents::Uid),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarEvents::Table).to_owned())
            .await
    }
}
