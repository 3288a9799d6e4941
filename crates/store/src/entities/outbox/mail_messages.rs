use sea_orm::entity::prelude::*;

/// One e-mail to one person (see migration 26).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// What the mail is about, once: an alert and its threshold, an audit
    /// entry, a digest's day (unique).
    pub dedup_key: String,
    pub person_id: String,
    pub address: String,
    pub language: String,
    pub tenant_id: Option<String>,
    /// `alert`, `event` or `digest`.
    pub kind: String,
    pub topic: String,
    /// The obligation an alert is about (its service and calendar UID), and
    /// its due instant: a mail whose obligation is done is not sent.
    pub obligation_service: Option<String>,
    pub obligation_uid: Option<String>,
    pub due: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub text_body: String,
    #[sea_orm(column_type = "Text")]
    pub html_body: String,
    /// `pending`, `sent`, `dead`, `withdrawn` (its obligation was done
    /// first) or `empty` (a digest day with nothing to say).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
