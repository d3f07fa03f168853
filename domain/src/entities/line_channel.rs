use sea_orm::entity::prelude::*;

/// A LINE Messaging API channel (an official account). Secrets are stored sealed
/// (`crate::security::secrets`); this row never holds them in clear.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "line_channel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub key: String,
    pub name: String,
    /// `production` or `test`.
    pub environment: crate::platform::channels::Environment,
    /// Served by the built-in sandbox instead of LINE.
    pub sandbox: bool,
    pub channel_id: Option<String>,
    pub channel_secret_enc: Option<String>,
    pub access_token_enc: Option<String>,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
    pub api_base: String,
    pub api_data_base: String,
    pub greeting_enabled: bool,
    /// The greeting's LINE message objects, a JSON array (at most five), sent in this order.
    pub greeting_messages: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
