use sea_orm::entity::prelude::*;

/// One occurrence of a delivery: the recipients resolved when it started, stored as its outbox
/// batches (`line_send.run_id`), and how sending them went.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    /// The planned time (unique per delivery).
    pub occurrence_at: DateTimeUtc,
    pub status: model::status::DeliveryStatus,
    /// Recipients resolved when it started.
    pub audience: Option<i64>,
    /// The batches are stored.
    pub prepared: bool,
    pub stop_requested: bool,
    pub sent: i64,
    pub failed: i64,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// Why it failed or was missed (Japanese, for staff).
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
