use sea_orm::entity::prelude::*;

/// A person who uses the console (the processor's staff, a customer's DPO).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// Lower case.
    pub email: String,
    /// `en` or `nl`.
    pub language: String,
    /// `admin`, `auditor` or `controller`.
    pub role: String,
    /// Set for a customer's DPO (`controller`), never otherwise.
    pub tenant_id: Option<String>,
    /// The OpenID Provider and the account there, once the person signed in.
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub invited_at: DateTimeUtc,
    /// Who invited the person (the audit actor's name).
    pub invited_by: String,
    pub signed_in_at: Option<DateTimeUtc>,
    pub removed_at: Option<DateTimeUtc>,
    /// The alert topics the person turned off, comma-separated (empty:
    /// every topic its role may receive).
    pub alerts_off: String,
    /// The local (Europe/Amsterdam) time of the daily digest, `HH:MM`;
    /// `None`: no digest.
    pub digest_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
