use sea_orm::entity::prelude::*;

/// A friend's value of one attribute: one row per chosen option for choice types, else one row
/// with `value` (and `number` for numbers).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "friend_attribute_value")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub friend_id: i64,
    pub attribute_id: i64,
    pub option_id: Option<i64>,
    pub value: Option<String>,
    pub number: Option<f64>,
    pub source: model::status::ValueSource,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
