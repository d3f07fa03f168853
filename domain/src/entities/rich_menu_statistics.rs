use sea_orm::entity::prelude::*;

/// LINE's summary of one LINE menu for one period, as last fetched (`menus::statistics`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rich_menu_statistics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub line_menu_id: i64,
    pub channel_id: i64,
    /// `7d`, `30d` or `live`.
    pub period: String,
    /// The days asked for (Japan, `yyyyMMdd`).
    pub from_day: Option<String>,
    pub to_day: Option<String>,
    /// The days LINE's figures cover.
    pub metrics_from: Option<String>,
    pub metrics_to: Option<String>,
    /// LINE answered only the id: fewer users than its privacy threshold.
    pub below_threshold: bool,
    pub impressions: Option<i64>,
    pub impression_users: Option<i64>,
    /// Per area tapped: `[{"bounds": {...}, "count": n, "uniqueUsers": n}]`.
    pub clicks: Option<String>,
    pub fetched_at: Option<DateTimeUtc>,
    pub next_fetch_at: Option<DateTimeUtc>,
    pub is_final: bool,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
