use sea_orm::entity::prelude::*;

/// LINE's friend counts of a channel on one day (`GET /v2/bot/insight/followers`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "line_follower_statistics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    /// The day in Japan, `YYYY-MM-DD`.
    pub day: String,
    /// LINE's `status`: `ready`, `unready` (not computed yet), `out_of_service`.
    pub status: String,
    pub followers: Option<i64>,
    pub targeted_reaches: Option<i64>,
    pub blocks: Option<i64>,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
