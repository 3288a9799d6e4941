use sea_orm::entity::prelude::*;

/// The tenant-erasure fence (key store): the tenant's KEKs were destroyed
/// at `destroyed_at`; it can never get a key again.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_shreds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    pub destroyed_at: DateTimeUtc,
    /// JSON array of the KEK versions destroyed.
    #[sea_orm(column_type = "Text")]
    pub kek_versions: String,
    pub keys_destroyed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
