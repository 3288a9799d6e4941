use sea_orm::entity::prelude::*;

/// One audit log entry; `seq` is its position in the global chain.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: DateTimeUtc,
    pub tenant_id: Option<String>,
    pub tenant_seq: i64,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub reason: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
    pub tenant_prev_hash: Option<String>,
    pub tenant_hash: Option<String>,
    /// Who wrote the entry: the database login role on PostgreSQL (set by
    /// the database's `audit_append`), the process's name on SQLite; `None`
    /// for entries written before writers were recorded (migration 000020).
    pub writer: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
