use sea_orm::entity::prelude::*;

/// "Friends in segment S (or every friend) see menu M" on one channel, by priority,
/// optionally in a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rich_menu_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub department_id: i64,
    /// None: every friend (a switch for a period).
    pub segment_id: Option<i64>,
    pub rich_menu_id: i64,
    pub priority: i32,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
