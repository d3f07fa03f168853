use sea_orm::entity::prelude::*;

/// A published rich menu, frozen (LINE menus cannot be changed; a rollback publishes this).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rich_menu_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rich_menu_id: i64,
    pub number: i32,
    pub design: String,
    pub image: Vec<u8>,
    pub image_type: String,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
