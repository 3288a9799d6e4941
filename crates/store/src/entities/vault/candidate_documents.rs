use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: String,
    pub tenant_id: String,
    #[sea_orm(column_type = "Blob")]
    pub body: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
