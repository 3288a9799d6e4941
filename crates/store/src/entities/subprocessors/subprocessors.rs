use sea_orm::entity::prelude::*;

/// The register of sub-processors (not tenant-scoped: the processor's own).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subprocessors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub legal_name: String,
    #[sea_orm(column_type = "Text")]
    pub address: String,
    pub country: String,
    #[sea_orm(column_type = "Text")]
    pub service: String,
    #[sea_orm(column_type = "Text")]
    pub data_categories: String,
    pub contact_email: String,
    pub flowdown_contract_ref: String,
    pub flowdown_date: Option<Date>,
    pub adequacy_scope_met: bool,
    pub tia_reference: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
