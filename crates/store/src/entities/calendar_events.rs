use sea_orm::entity::prelude::*;

/// An event a person's calendar feed served (see migration 25).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub uid: String,
    pub summary: String,
    /// `YYYY-MM-DD` (a day deadline's last day) or an RFC 3339 instant.
    pub start: String,
    pub url: String,
    pub first_seen: DateTimeUtc,
    /// When the obligation was first no longer listed; `None` while it is.
    pub gone_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
