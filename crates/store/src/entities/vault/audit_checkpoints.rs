use sea_orm::entity::prelude::*;

/// A signed checkpoint of an audit Merkle tree.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoints")]
pub struct Model {
    /// `global`, or `tenant:<id>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tree: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tree_size: i64,
    /// Base64, as in the checkpoint.
    pub root_hash: String,
    /// The C2SP signed note.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// `name+id` of the key that signed it.
    pub signed_by: String,
    pub signed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
