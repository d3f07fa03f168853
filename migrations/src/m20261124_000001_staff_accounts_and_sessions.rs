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
                    .table(StaffAccount::Table)
                    .col(big_integer(StaffAccount::Id).auto_increment().primary_key())
                    .col(string_len(StaffAccount::Username, 64))
                    .col(string_len_uniq(StaffAccount::UsernameKey, 64))
                    .col(string_len(StaffAccount::DisplayName, 100))
                    .col(string(StaffAccount::PasswordHash))
                    .col(boolean(StaffAccount::IsActive).default(true))
                    .col(timestamp_with_time_zone(StaffAccount::CreatedAt))
                    .col(timestamp_with_time_zone(StaffAccount::UpdatedAt))
                    .col(timestamp_with_time_zone_null(StaffAccount::LastLoginAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffSession::Table)
                    .col(string_len(StaffSession::TokenHash, 64).primary_key())
                    .col(big_integer(StaffSession::StaffId))
                    .col(timestamp_with_time_zone(StaffSession::CreatedAt))
                    .col(timestamp_with_time_zone(StaffSession::LastSeenAt))
                    .col(timestamp_with_time_zone(StaffSession::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_session_staff")
                            .from(StaffSession::Table, StaffSession::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_session_staff_id")
                    .table(StaffSession::Table)
                    .col(StaffSession::StaffId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffSession::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StaffAccount::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
    Username,
    UsernameKey,
    DisplayName,
    PasswordHash,
    IsActive,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum StaffSession {
    Table,
    TokenHash,
    StaffId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}
