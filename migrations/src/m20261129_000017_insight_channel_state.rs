//! Each channel's state towards LINE's insight endpoints (`line_insight_channel`).
//!
//! - The row is what an insight call locks while it reserves one of the channel's hourly calls
//!   (`line_insight_call` holds the calls): the check and the record are one step on SQLite and
//!   PostgreSQL alike, so concurrent passes and staff refreshes never exceed the budget.
//! - After LINE answers 429 the channel's insight calls wait until `paused_until`, for a delay
//!   that doubles while LINE keeps answering 429 (`backoff_minutes`, 0 after a success); stored
//!   so that a restart keeps waiting.

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
                    .table(LineInsightChannel::Table)
                    .col(big_integer(LineInsightChannel::ChannelId).primary_key())
                    .col(timestamp_with_time_zone_null(
                        LineInsightChannel::PausedUntil,
                    ))
                    .col(integer(LineInsightChannel::BackoffMinutes).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_insight_channel_channel")
                            .from(LineInsightChannel::Table, LineInsightChannel::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LineInsightChannel::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LineInsightChannel {
    Table,
    ChannelId,
    PausedUntil,
    BackoffMinutes,
}

#[derive(DeriveIden)]
enum LineChannel {
    Table,
    Id,
}
