use sea_orm::entity::prelude::*;

/// LINE's figures of a run at one fetch: the points of its chart.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_statistics_sample")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub run_id: i64,
    pub at: DateTimeUtc,
    pub unique_impression: Option<i64>,
    pub unique_click: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
