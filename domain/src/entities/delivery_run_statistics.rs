use sea_orm::entity::prelude::*;

/// LINE's figures of a run sent with an aggregation unit, and when to ask again
/// (`delivery::statistics`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run_statistics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: i64,
    pub channel_id: i64,
    pub aggregation_unit: String,
    pub sent_at: DateTimeUtc,
    /// None once the final figures are in.
    pub next_fetch_at: Option<DateTimeUtc>,
    pub fetches: i32,
    pub fetched_at: Option<DateTimeUtc>,
    pub is_final: bool,
    /// Null: under 20 (LINE's null), or not fetched yet (`fetched_at` says which).
    pub unique_impression: Option<i64>,
    pub unique_click: Option<i64>,
    /// LINE's answer (`line::api::StatisticsPerUnit`) as JSON.
    pub detail: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
