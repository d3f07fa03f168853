use sea_orm::entity::prelude::*;

/// A channel's rich menu state: its default menu; locked while a LINE call is reserved.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rich_menu_channel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: i64,
    pub default_line_menu_id: Option<i64>,
    pub emergency_menu_id: Option<i64>,
    pub emergency_since: Option<DateTimeUtc>,
    pub emergency_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
