use sea_orm::entity::prelude::*;

/// One menu at LINE for one channel: a version being published, live, retired or deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "line_rich_menu")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub version_id: i64,
    pub name: String,
    pub line_id: Option<String>,
    pub state: String,
    pub purpose: String,
    pub error: Option<String>,
    pub wait_until: Option<DateTimeUtc>,
    pub delete_after: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: String,
    /// When it went live (what citizens see), and when it stopped being shown: the period
    /// LINE's statistics of it are asked for (`menus::statistics`).
    pub live_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
