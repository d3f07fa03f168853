use sea_orm::entity::prelude::*;

/// One sign-in attempt, successful or not; see `crate::security::login_history`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// As typed, bounded and without control characters.
    pub username: String,
    /// Lower-cased, trimmed `username`: the per-account throttle's key.
    pub username_key: String,
    /// The account, when the username named one.
    pub staff_id: Option<i64>,
    pub outcome: model::status::LoginOutcome,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// On the failure that started a lockout: until when it holds.
    pub locked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
