use sea_orm::entity::prelude::*;

/// A survey (アンケート) of a department; its questions are in `survey_version`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub department_id: i64,
    /// The latest version's title.
    pub title: String,
    /// `draft`, `open` or `closed` (`domain::audience::surveys::State`).
    pub state: String,
    pub opens_at: Option<DateTimeUtc>,
    pub closes_at: Option<DateTimeUtc>,
    /// The number of the latest version (what citizens are shown).
    pub latest_version: i64,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
