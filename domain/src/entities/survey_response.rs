use sea_orm::entity::prelude::*;

/// One submission of a citizen's answers (a revision; the highest is the current answer).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_response")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub survey_id: i64,
    pub friend_id: i64,
    pub revision: i64,
    pub version_number: i64,
    /// `model::survey::Answers` as JSON.
    pub answers: String,
    /// `Consent::fingerprint` of what was agreed to with this answer.
    pub consent_fingerprint: Option<String>,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
