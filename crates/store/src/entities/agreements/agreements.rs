use sea_orm::entity::prelude::*;

/// A processing agreement with one controller; its terms live in versions.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub status: String,
    pub latest_version: i32,
    pub activated_at: Option<DateTimeUtc>,
    pub notice_given_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub ended_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
