use sea_orm::entity::prelude::*;

/// A delivery (配信): messages, audience and timing, owned by a department, on one channel.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub department_id: i64,
    pub channel_id: i64,
    pub title: String,
    /// JSON array of LINE message objects.
    pub messages: String,
    /// `model::delivery::Target` as JSON.
    pub target: String,
    /// `model::delivery::Timing` as JSON.
    pub timing: String,
    pub status: model::status::DeliveryStatus,
    /// Raised by every change (a save based on an older version is refused).
    pub version: i32,
    /// The next occurrence while scheduled.
    pub next_at: Option<DateTimeUtc>,
    pub copied_from: Option<i64>,
    /// JSON array of the URLs staff chose not to track (`delivery::links`).
    pub untracked_links: Option<String>,
    /// 「クリックした人を記録」: sent one push per friend with links of their own.
    pub per_person_clicks: bool,
    /// The rich menu (design id) its recipients see once a run is sent (spec 4(2) ア).
    pub rich_menu_id: Option<i64>,
    /// Until when they see it; none: until another delivery or staff change it.
    pub rich_menu_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
