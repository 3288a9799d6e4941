use sea_orm::entity::prelude::*;

/// An incident as the processor discovered it, and its triage outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "breach_incidents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub status: String,
    pub discovered_at: DateTimeUtc,
    pub discovered_by: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// JSON array of system names.
    #[sea_orm(column_type = "Text")]
    pub systems: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub internal_notes: Option<String>,
    pub reported_at: DateTimeUtc,
    pub reported_by: String,
    pub dismissal_basis: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub dismissal_reason: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
