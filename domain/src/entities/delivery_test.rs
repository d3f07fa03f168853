use sea_orm::entity::prelude::*;

/// A test send (テスト配信) of a delivery to test recipients: never part of its runs or
/// statistics.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_test")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    /// The outbox request that carried it.
    pub send_id: i64,
    pub recipients: i32,
    /// JSON array of the test recipients' names.
    pub names: String,
    /// Sent to the test recipients who match the delivery's target.
    pub by_target: bool,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
