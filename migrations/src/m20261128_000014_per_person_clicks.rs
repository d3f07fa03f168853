//! Per-person clicks (「クリックした人を記録」) and LINE's follower statistics.
//!
//! A delivery may record who clicked: its runs are then sent one push per friend, each with
//! links of the friend's own (`delivery::links`). A tracked link of such a run keeps the run's
//! key for those codes (`person_key`), and a click keeps whose it was (`friend_id`, none for
//! the codes every recipient shares). `line_follower_statistics` keeps LINE's daily friend
//! counts per channel (`GET /v2/bot/insight/followers`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .add_column(boolean(Delivery::PerPersonClicks).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TrackedLink::Table)
                    // Hex key of the run's per-person codes; none for shared codes.
                    .add_column(string_len_null(TrackedLink::PersonKey, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LinkClick::Table)
                    .add_column(big_integer_null(LinkClick::FriendId))
                    .to_owned(),
            )
            .await?;
        // Who clicked a link (the delivery page, the segment condition).
        manager
            .create_index(
                Index::create()
                    .name("idx_link_click_link_friend")
                    .table(LinkClick::Table)
                    .col(LinkClick::LinkId)
                    .col(LinkClick::FriendId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LineFollowerStatistics::Table)
                    .col(
                        big_integer(LineFollowerStatistics::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(LineFollowerStatistics::ChannelId))
                    // The day in Japan, `YYYY-MM-DD`.
                    .col(string_len(LineFollowerStatistics::Day, 10))
                    // LINE's `status`: ready, unready, out_of_service.
                    .col(string_len(LineFollowerStatistics::Status, 20))
                    .col(big_integer_null(LineFollowerStatistics::Followers))
                    .col(big_integer_null(LineFollowerStatistics::TargetedReaches))
                    .col(big_integer_null(LineFollowerStatistics::Blocks))
                    .col(timestamp_with_time_zone(LineFollowerStatistics::FetchedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_follower_statistics_channel")
                            .from(
                                LineFollowerStatistics::Table,
                                LineFollowerStatistics::ChannelId,
                            )
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_follower_statistics_day")
                    .table(LineFollowerStatistics::Table)
                    .col(LineFollowerStatistics::ChannelId)
                    .col(LineFollowerStatistics::Day)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(LineFollowerStatistics::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_link_click_link_friend")
                    .table(LinkClick::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LinkClick::Table)
                    .drop_column(LinkClick::FriendId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TrackedLink::Table)
                    .drop_column(TrackedLink::PersonKey)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .drop_column(Delivery::PerPersonClicks)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    PerPersonClicks,
}

#[derive(DeriveIden)]
enum TrackedLink {
    Table,
    PersonKey,
}

#[derive(DeriveIden)]
enum LinkClick {
    Table,
    LinkId,
    FriendId,
}

#[derive(DeriveIden)]
enum LineFollowerStatistics {
    Table,
    Id,
    ChannelId,
    Day,
    Status,
    Followers,
    TargetedReaches,
    Blocks,
    FetchedAt,
}

#[derive(DeriveIden)]
enum LineChannel {
    Table,
    Id,
}
