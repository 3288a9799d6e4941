use sea_orm::entity::prelude::*;

/// A public key the vault has signed evidence with.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    /// `name+id` (eight hex digits).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_handle: String,
    /// The signed-note verifier key `name+id+base64`.
    #[sea_orm(column_type = "Text")]
    pub public_key: String,
    pub first_used_at: DateTimeUtc,
    /// When another key took over; empty for the key in use.
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
