use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub external_ref: String,
    pub vacancy_ref: String,
    pub applied_on: Date,
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    pub status: String,
    pub closed_on: Option<Date>,
    pub consent: String,
    pub consent_given_on: Option<Date>,
    pub consent_withdrawn_on: Option<Date>,
    pub legal_hold: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub hold_reason: Option<String>,
    pub restricted: bool,
    pub delete_after: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub retention_basis: Option<String>,
    #[sea_orm(column_type = "Blob")]
    pub profile: Vec<u8>,
    pub cv_size: i64,
    pub shred_claimed_at: Option<DateTimeUtc>,
    pub claimed_until: Option<DateTimeUtc>,
    pub shred_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub shred_basis: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
