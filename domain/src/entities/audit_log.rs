use sea_orm::entity::prelude::*;

/// One entry of the tamper-evident audit log; see `crate::security::audit`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: DateTimeUtc,
    pub staff_id: Option<i64>,
    /// The actor's username as it was then (or `command-line` / `system`).
    pub username: String,
    pub client_addr: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON text, secrets masked.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(unique)]
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
