use sea_orm::entity::prelude::*;

/// One send of a notice (initial or supplement): what was sent, what it
/// lacked, and its outbox message. Never updated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "breach_notice_sends")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub notice_id: String,
    pub incident_id: String,
    pub tenant_id: String,
    pub phase: String,
    pub sequence: i32,
    pub sent_at: DateTimeUtc,
    pub sent_by: String,
    pub message_id: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// JSON array of content item keys.
    #[sea_orm(column_type = "Text")]
    pub missing: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
