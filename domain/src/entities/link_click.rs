use sea_orm::entity::prelude::*;

/// One click of a tracked link (written in batches by the redirect).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_click")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub link_id: i64,
    /// Whose click it was (a per-person code); none for a code every recipient shares.
    pub friend_id: Option<i64>,
    pub clicked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
