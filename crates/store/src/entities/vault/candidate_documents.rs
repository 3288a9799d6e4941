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

/// For reading a candidate and its CV in one query; no foreign key is
/// declared by this (the migrations own the schema).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::candidates::Entity",
        from = "Column::CandidateId",
        to = "super::candidates::Column::Id"
    )]
    Candidate,
}

impl Related<super::candidates::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Candidate.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
