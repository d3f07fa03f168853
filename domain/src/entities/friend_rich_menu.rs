use sea_orm::entity::prelude::*;

/// What one friend is linked to at LINE and why; a delivery's menu for them until a time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "friend_rich_menu")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub friend_id: i64,
    pub channel_id: i64,
    pub linked_line_id: Option<String>,
    pub source: String,
    pub override_menu_id: Option<i64>,
    pub override_until: Option<DateTimeUtc>,
    pub override_note: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
