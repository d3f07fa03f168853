use sea_orm::entity::prelude::*;

/// An image of the media library (画像), owned by a department. Its sizes are `media_variant`s.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub department_id: i64,
    /// The secret part of the public URLs (`/media/{token}/...`).
    #[sea_orm(unique)]
    pub token: String,
    /// SHA-256 (hex) of the uploaded file; unique per department.
    pub sha256: String,
    pub file_name: String,
    pub alt_text: String,
    /// Of the stored original.
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
