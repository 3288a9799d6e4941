use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deletion_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: String,
    pub tenant_id: String,
    pub external_ref: String,
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub basis: String,
    pub shredded_at: DateTimeUtc,
    pub ledger_seq: i64,
    pub ledger_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
