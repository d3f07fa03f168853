use sea_orm::entity::prelude::*;

/// A CSV file uploaded for import: checked on upload, applied (checked again) on request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attribute_import")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub staff_id: i64,
    pub file_name: String,
    pub content: Vec<u8>,
    /// JSON of the check's report.
    pub report: String,
    pub created_at: DateTimeUtc,
    pub applied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
