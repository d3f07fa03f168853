use sea_orm::entity::prelude::*;

/// One change of a friend's attribute value, as staff read it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "friend_attribute_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub friend_id: i64,
    pub attribute_id: i64,
    pub attribute_label: String,
    pub old_value: String,
    pub new_value: String,
    pub source: model::status::ValueSource,
    pub username: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
