use sea_orm::entity::prelude::*;

/// One push or multicast request, stored with its `X-Line-Retry-Key` before the first attempt
/// so that a retry, even after a crash, can never deliver twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "line_send")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub kind: crate::delivery::outbox::SendKind,
    #[sea_orm(unique)]
    pub retry_key: String,
    /// The request body (JSON).
    pub body: String,
    pub recipients: i32,
    pub status: crate::delivery::outbox::SendStatus,
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub first_attempt_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub line_request_id: Option<String>,
    /// LINE's error body or our reason, for staff.
    pub error: Option<String>,
    /// The delivery run this request is a batch of (none: a test send, a simulator send).
    pub run_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
