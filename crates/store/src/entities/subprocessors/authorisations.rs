use sea_orm::entity::prelude::*;

/// A controller's written authorisation of a sub-processor (annex or approval).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subprocessor_authorisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub subprocessor_id: String,
    pub basis: String,
    #[sea_orm(column_type = "Text")]
    pub reference: String,
    pub effective_from: DateTimeUtc,
    pub recorded_by: String,
    pub notice_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
