use sea_orm::entity::prelude::*;

/// A member of staff's draft in the message composer, one per staff member and key
/// (`crate::messaging::drafts`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editor_draft")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub staff_id: i64,
    /// What is being edited, e.g. `templates/12`.
    pub draft_key: String,
    /// JSON array of LINE message objects.
    pub messages: String,
    pub saved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::staff_account::Entity",
        from = "Column::StaffId",
        to = "super::staff_account::Column::Id",
        on_delete = "Cascade"
    )]
    Staff,
}

impl Related<super::staff_account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Staff.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
