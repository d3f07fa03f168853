use sea_orm::entity::prelude::*;

/// A member of the city's staff who can sign in to the admin panel.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// As the administrator typed it; shown in the UI.
    pub username: String,
    /// Lower-cased `username`; unique, so names differing only in case cannot coexist.
    #[sea_orm(unique)]
    pub username_key: String,
    pub display_name: String,
    /// PHC string of an argon2id hash; never leaves this crate.
    pub password_hash: String,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// 管理者 or 一般, stored as `admin` or `staff`.
    pub role: model::access::Role,
    /// Set for initial and reset passwords: the user must choose their own at next sign-in.
    pub must_change_password: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::staff_session::Entity")]
    Session,
}

impl Related<super::staff_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
