use sea_orm::entity::prelude::*;

/// A friend registered as a test recipient (テスト配信先) of a department: usually a member of
/// staff's own LINE account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "test_recipient")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub department_id: i64,
    pub friend_id: i64,
    pub name: String,
    pub note: String,
    /// JSON array of group names.
    pub groups: String,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
