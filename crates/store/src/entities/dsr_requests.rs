use sea_orm::entity::prelude::*;

/// A data-subject request. The subject's e-mail and phone are kept only as
/// the vault's keyed blind-index hashes (`subject_hashes`, a JSON array).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dsr_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    pub channel: String,
    pub received_at: DateTimeUtc,
    pub state: String,
    /// JSON array: which identifiers were given ("email", "phone", "candidate_ref").
    #[sea_orm(column_type = "Text")]
    pub identified_by: String,
    #[sea_orm(column_type = "Text")]
    pub subject_hashes: String,
    pub candidate_ref: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub suspension: String,
    pub identity_requested_at: Option<DateTimeUtc>,
    pub identity_received_at: Option<DateTimeUtc>,
    pub extended_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub extension_reasons: Option<String>,
    pub forwarded_message_id: Option<String>,
    pub subject_informed_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub refusal_reasons: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub complaint_info: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub judicial_remedy_info: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
