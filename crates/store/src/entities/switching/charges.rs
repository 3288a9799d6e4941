use sea_orm::entity::prelude::*;

/// A switching charge (Data Act art. 29).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "switching_charges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub switch_id: String,
    pub tenant_id: String,
    pub amount_cents: i64,
    pub charged_on: Date,
    pub direct_cost_cents: i64,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub legal_review: bool,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
