use sea_orm::entity::prelude::*;

/// A channel's state towards LINE's insight endpoints: locked while a call is reserved, and
/// the back-off after LINE answered 429.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "line_insight_channel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: i64,
    pub paused_until: Option<DateTimeUtc>,
    pub backoff_minutes: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
