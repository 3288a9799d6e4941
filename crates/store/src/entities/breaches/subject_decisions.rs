use sea_orm::entity::prelude::*;

/// An art. 34 decision for one notice; the latest is current.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "breach_subject_decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub notice_id: String,
    pub tenant_id: String,
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub communicated_at: Option<DateTimeUtc>,
    pub decided_at: DateTimeUtc,
    pub decided_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
