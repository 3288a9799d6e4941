use sea_orm::entity::prelude::*;

/// A notification to the supervisory authority about one notice's breach.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "breach_authority_notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub notice_id: String,
    pub tenant_id: String,
    pub phase: String,
    pub notified_at: DateTimeUtc,
    pub by_party: String,
    pub reference: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reasons_for_delay: Option<String>,
    pub late: bool,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
