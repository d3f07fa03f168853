use sea_orm::entity::prelude::*;

/// One HTTP request, as the access log keeps it (see `crate::security::access_log`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub method: String,
    /// Without the query string.
    pub path: String,
    pub status: i16,
    pub latency_us: i64,
    pub client_addr: Option<String>,
    pub staff_id: Option<i64>,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
