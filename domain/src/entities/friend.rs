use sea_orm::entity::prelude::*;

/// A LINE user who friended a channel. Kept after blocking, for history and statistics.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "friend")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub line_user_id: String,
    pub display_name: Option<String>,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    pub language: Option<String>,
    /// `following` or `blocked`.
    pub status: model::status::FriendStatus,
    pub first_followed_at: DateTimeUtc,
    /// The latest follow (re-follows after a block move it).
    pub followed_at: DateTimeUtc,
    pub blocked_at: Option<DateTimeUtc>,
    pub profile_fetched_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
