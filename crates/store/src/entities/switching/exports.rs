use sea_orm::entity::prelude::*;

/// An export bundle. Its files are in `switching_export_chunks`, sealed
/// with a key kept in the vault's key store under `wrapped_key_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "switching_exports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub switch_id: String,
    pub tenant_id: String,
    pub status: String,
    pub started_at: DateTimeUtc,
    pub ready_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub wrapped_key_id: String,
    /// JSON array of {path, format, bytes, sha256, records}: the data
    /// files and the manifest (documents are listed in the manifest only).
    #[sea_orm(column_type = "Text", nullable)]
    pub files: Option<String>,
    pub manifest_sha256: Option<String>,
    pub candidates: i64,
    pub documents: i64,
    pub downloads: i32,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
