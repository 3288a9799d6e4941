use sea_orm::entity::prelude::*;

/// The notice of a change to one controller; its delivery is an outbox message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subprocessor_notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub change_id: String,
    pub tenant_id: String,
    pub kind: String,
    pub subprocessor_id: String,
    pub replaces_id: Option<String>,
    pub effective_on: Date,
    pub mode: String,
    pub objection_days: i32,
    pub message_id: String,
    pub approval: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub approval_reference: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
