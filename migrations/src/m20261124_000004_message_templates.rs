//! Message templates (定型文): the first thing staff create that belongs to a department.

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
                    .table(MessageTemplate::Table)
                    .col(
                        big_integer(MessageTemplate::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(MessageTemplate::DepartmentId))
                    .col(string_len(MessageTemplate::Title, 100))
                    // A JSON array of 1-5 LINE message objects, checked by the `line` crate.
                    .col(text(MessageTemplate::Messages))
                    .col(timestamp_with_time_zone(MessageTemplate::CreatedAt))
                    .col(timestamp_with_time_zone(MessageTemplate::UpdatedAt))
                    // The username of whoever saved it last, as it was then (accounts may go).
                    .col(string_len(MessageTemplate::UpdatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_message_template_department")
                            .from(MessageTemplate::Table, MessageTemplate::DepartmentId)
                            .to(Department::Table, Department::Id)
                            // A department that still owns templates is not deleted.
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_template_department")
                    .table(MessageTemplate::Table)
                    .col(MessageTemplate::DepartmentId)
                    .col(MessageTemplate::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MessageTemplate::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MessageTemplate {
    Table,
    Id,
    DepartmentId,
    Title,
    Messages,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
}
