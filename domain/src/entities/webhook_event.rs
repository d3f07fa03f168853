use sea_orm::entity::prelude::*;

/// The durable inbox: every webhook event LINE delivered, stored before the 200 answer and
/// processed afterwards by the workers. Unique per channel by LINE's `webhookEventId`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub webhook_event_id: String,
    pub event_type: String,
    pub line_user_id: Option<String>,
    pub occurred_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub is_redelivery: bool,
    /// The event's JSON exactly as LINE sent it.
    pub payload: String,
    pub status: model::status::WorkStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    /// The last step completed, so a retry skips it (e.g. `greeted`).
    pub progress: Option<String>,
    pub last_error: Option<String>,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
