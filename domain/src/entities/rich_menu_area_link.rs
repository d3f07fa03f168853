use sea_orm::entity::prelude::*;

/// A URL area of a published LINE menu, sent through the click redirect: its tracked link
/// (`menus::statistics::track_areas`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rich_menu_area_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub line_menu_id: i64,
    /// 0-based, as in the design's areas.
    pub area_index: i32,
    /// The `tracked_link` whose code the area opens (`/r/{code}`).
    pub link_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
