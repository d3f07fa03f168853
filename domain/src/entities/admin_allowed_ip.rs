use sea_orm::entity::prelude::*;

/// A network allowed to reach the admin panel, added in the UI or with `machidayori admin
/// allow-ip`. Ranges from `ADMIN_ALLOWED_IPS` are not stored: they are allowed in addition.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_allowed_ip")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Normalised network, e.g. `192.0.2.0/24`; unique.
    #[sea_orm(unique)]
    pub cidr: String,
    pub note: String,
    /// `ui` or `cli`.
    pub source: model::status::AllowlistSource,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
