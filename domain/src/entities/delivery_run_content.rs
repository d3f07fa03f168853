use sea_orm::entity::prelude::*;

/// What a run sent: its messages with tracked links in place, and its LINE aggregation unit
/// (`delivery::statistics`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run_content")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: i64,
    /// None when this month's budget of unit names was used up (no LINE statistics).
    pub aggregation_unit: Option<String>,
    /// JSON array of LINE message objects, as sent.
    pub messages: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
