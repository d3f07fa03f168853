//! Drafts of the message composer (下書きの自動保存).
//!
//! While staff edit messages (定型文, deliveries) the composer saves its work here now and then,
//! so a closed tab loses nothing. A draft is one member of staff's own: one row per staff member
//! and `draft_key` (what is being edited, e.g. `templates/12` or `deliveries/new`), holding the
//! composer's LINE message objects as JSON. Drafts go with their account (`ON DELETE CASCADE`);
//! old ones are cleared by the domain as new ones are saved.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EditorDraft::Table)
                    .col(big_integer(EditorDraft::Id).auto_increment().primary_key())
                    .col(big_integer(EditorDraft::StaffId))
                    // `[a-z0-9:/_-]`, 1 to 200 characters (checked by the domain).
                    .col(string_len(EditorDraft::DraftKey, 200))
                    // A JSON array of LINE message objects (`line::message::Message`), work in
                    // progress: not checked against LINE's limits.
                    .col(text(EditorDraft::Messages))
                    .col(timestamp_with_time_zone(EditorDraft::SavedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_editor_draft_staff")
                            .from(EditorDraft::Table, EditorDraft::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_editor_draft_staff_key")
                    .table(EditorDraft::Table)
                    .col(EditorDraft::StaffId)
                    .col(EditorDraft::DraftKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EditorDraft::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EditorDraft {
    Table,
    Id,
    StaffId,
    DraftKey,
    Messages,
    SavedAt,
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
}
