//! The background job queue (`job`): idempotent jobs with leases, shared by every instance on
//! one database. A unique `key` makes enqueueing idempotent, which is also how a periodic job
//! runs once per period across instances.

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
                    .table(Job::Table)
                    .col(big_integer(Job::Id).auto_increment().primary_key())
                    // What to do (`security.purge_logs`, later `delivery.send`...).
                    .col(string_len(Job::Kind, 64))
                    // Enqueueing the same key again does nothing.
                    .col(string_len_uniq(Job::Key, 200))
                    .col(text(Job::Payload))
                    // `pending`, `done` or `failed`.
                    .col(string_len(Job::Status, 16))
                    .col(integer(Job::Attempts).default(0))
                    .col(timestamp_with_time_zone(Job::RunAt))
                    .col(timestamp_with_time_zone_null(Job::LockedUntil))
                    .col(text_null(Job::LastError))
                    .col(timestamp_with_time_zone(Job::CreatedAt))
                    .col(timestamp_with_time_zone_null(Job::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // Taking due jobs reads the first pending rows in time order.
        manager
            .create_index(
                Index::create()
                    .name("idx_job_due")
                    .table(Job::Table)
                    .col(Job::Status)
                    .col(Job::RunAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Job::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Job {
    Table,
    Id,
    Kind,
    Key,
    Payload,
    Status,
    Attempts,
    RunAt,
    LockedUntil,
    LastError,
    CreatedAt,
    FinishedAt,
}
