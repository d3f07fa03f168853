use sea_orm::entity::prelude::*;

/// A file a citizen sent with an answer, stored here only (never behind a public URL).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_upload")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub survey_id: i64,
    pub friend_id: i64,
    pub response_id: i64,
    pub question_id: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub data: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
