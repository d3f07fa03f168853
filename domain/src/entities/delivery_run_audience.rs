use sea_orm::entity::prelude::*;

/// A run's recipients, fixed when it started, and how many of its batches are stored
/// (`delivery::staging`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run_audience")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: i64,
    /// Ascending friend ids, delta-encoded (`staging::encode_ids`).
    pub friend_ids: Vec<u8>,
    /// Batches of the run: one per 500 friend ids.
    pub batches: i32,
    /// Batches stored in `line_send` so far (the first ones).
    pub batches_stored: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
