use sea_orm::entity::prelude::*;

/// A rich menu as staff edit it (`model::menu::MenuDesign` as JSON, and its fitted image).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rich_menu")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub department_id: i64,
    pub title: String,
    pub design: String,
    pub image: Option<Vec<u8>>,
    pub image_type: Option<String>,
    /// The first tab's id when this menu is a further tab of it (published with it).
    pub tab_of: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
