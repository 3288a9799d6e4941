use sea_orm::entity::prelude::*;

/// A controller's objection to a change notice, and its resolution.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subprocessor_objections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub notice_id: String,
    pub tenant_id: String,
    pub filed_at: DateTimeUtc,
    pub filed_by: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
