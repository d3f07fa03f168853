use sea_orm::entity::prelude::*;

/// A background job (`crate::jobs`): taken by one worker of one instance at a time, with a
/// lease, retried with backoff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What to do; a [`crate::jobs::Kind`]'s name.
    pub kind: String,
    /// Unique: enqueueing the same key again does nothing.
    #[sea_orm(unique)]
    pub key: String,
    /// The job's input as JSON.
    pub payload: String,
    pub status: model::status::WorkStatus,
    pub attempts: i32,
    /// When the job is due (first, or again after a failure).
    pub run_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
