use sea_orm::entity::prelude::*;

/// A citizen's session on the LIFF pages, created from a verified LINE ID token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "liff_session")]
pub struct Model {
    /// SHA-256 (hex) of the cookie's token: the token itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub channel_id: i64,
    pub friend_id: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
