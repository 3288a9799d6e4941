use sea_orm::entity::prelude::*;

/// A sign-in begun at an OpenID Provider and not yet completed. Deleted
/// when it completes, is refused, or is stale: a `state` is good once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_attempts")]
pub struct Model {
    /// SHA-256 of the `state` sent to the provider (hex).
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    /// The provider's id in the configuration.
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// SHA-256 of the value the console keeps in the browser that began.
    pub binding_hash: String,
    pub redirect_uri: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
