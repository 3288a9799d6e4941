use sea_orm::entity::prelude::*;

/// A controller: a customer of the provider and a tenant of Custodian.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "controllers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub legal_name: String,
    #[sea_orm(unique)]
    pub kvk_number: String,
    pub country: String,
    pub privacy_email: String,
    pub dpo_name: String,
    pub dpo_email: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
