use sea_orm::entity::prelude::*;

/// A link of a sent run replaced by `/r/{code}` (`delivery::links`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tracked_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub delivery_id: i64,
    pub run_id: i64,
    pub channel_id: i64,
    /// 1-based order of the link in the run's messages.
    pub position: i32,
    /// 1-based message it is in.
    pub message_seq: i32,
    /// Where it leads.
    pub url: String,
    /// Hex key of the run's per-person codes (`delivery::links::person_code`); none when
    /// every recipient shares the code.
    pub person_key: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
