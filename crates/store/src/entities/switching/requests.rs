use sea_orm::entity::prelude::*;

/// A Data Act switching request or an agreement exit. Milestones are not
/// stored: they are recomputed from these facts on every read.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "switching_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    pub election: String,
    pub notice_months: i32,
    pub requested_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub destination: Option<String>,
    pub status: String,
    pub unfeasible_declared_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub unfeasibility_reasons: Option<String>,
    pub alternative_transition_end: Option<Date>,
    pub extended_transition_end: Option<Date>,
    pub completed_at: Option<DateTimeUtc>,
    pub contract_end: Option<Date>,
    pub deletion_term_days: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub termination_reason: Option<String>,
    /// The erasure certificate's canonical JSON, once erased.
    #[sea_orm(column_type = "Text", nullable)]
    pub certificate: Option<String>,
    pub erased_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    /// The customer withdrew the request (migration 13).
    pub withdrawn_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub withdrawal_reason: Option<String>,
    /// When the worker moved the agreement to `ended` with the contract.
    pub agreement_ended_at: Option<DateTimeUtc>,
    /// The retrieval end the customer was last reminded of (7 days before).
    pub retrieval_reminded_for: Option<DateTimeUtc>,
    /// The outbox message that carries the erasure certificate.
    pub erasure_notice_id: Option<String>,
    /// When the webhook was removed, after the erasure notice was settled.
    pub webhook_closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
