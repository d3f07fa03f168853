use sea_orm::entity::prelude::*;

/// One choice of a choice attribute. Its id is what values hold, so a rename keeps them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attribute_option")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub attribute_id: i64,
    pub label: String,
    pub position: i32,
    /// Kept for the values that have it, no longer offered.
    pub retired: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
