//! Statistics of deliveries: what each run sent (its messages with tracked links and its LINE
//! aggregation unit), the tracked links and their clicks, LINE's figures fetched per run with
//! the samples the charts draw, and the insight calls made (LINE's hourly budget). Deliveries
//! gain `link_tracking`: which links staff chose not to track.

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
                    .table(DeliveryRunContent::Table)
                    .col(big_integer(DeliveryRunContent::RunId).primary_key())
                    // `^[a-zA-Z0-9_]{1,30}$`; none when the month's budget of names was used up.
                    .col(string_len_null(DeliveryRunContent::AggregationUnit, 30))
                    // JSON array of the LINE messages as sent (tracked links in place).
                    .col(text(DeliveryRunContent::Messages))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_run_content_run")
                            .from(DeliveryRunContent::Table, DeliveryRunContent::RunId)
                            .to(DeliveryRun::Table, DeliveryRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // No foreign keys to the delivery: links in citizens' chats keep working after the
        // delivery is deleted.
        manager
            .create_table(
                Table::create()
                    .table(TrackedLink::Table)
                    .col(big_integer(TrackedLink::Id).auto_increment().primary_key())
                    .col(string_len(TrackedLink::Code, 32).unique_key())
                    .col(big_integer(TrackedLink::DeliveryId))
                    .col(big_integer(TrackedLink::RunId))
                    .col(big_integer(TrackedLink::ChannelId))
                    // 1-based order of the link in the run's messages.
                    .col(integer(TrackedLink::Position))
                    // 1-based message it is in (LINE's `seq`).
                    .col(integer(TrackedLink::MessageSeq))
                    .col(text(TrackedLink::Url))
                    .col(timestamp_with_time_zone(TrackedLink::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tracked_link_run")
                    .table(TrackedLink::Table)
                    .col(TrackedLink::RunId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LinkClick::Table)
                    .col(big_integer(LinkClick::Id).auto_increment().primary_key())
                    .col(big_integer(LinkClick::LinkId))
                    .col(timestamp_with_time_zone(LinkClick::ClickedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_link_click_link")
                    .table(LinkClick::Table)
                    .col(LinkClick::LinkId)
                    .col(LinkClick::ClickedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RunStatistics::Table)
                    .col(big_integer(RunStatistics::RunId).primary_key())
                    .col(big_integer(RunStatistics::ChannelId))
                    .col(string_len(RunStatistics::AggregationUnit, 30))
                    .col(timestamp_with_time_zone(RunStatistics::SentAt))
                    // When LINE is asked next; none once the final figures are in.
                    .col(timestamp_with_time_zone_null(RunStatistics::NextFetchAt))
                    .col(integer(RunStatistics::Fetches))
                    .col(timestamp_with_time_zone_null(RunStatistics::FetchedAt))
                    .col(boolean(RunStatistics::IsFinal))
                    // LINE's figures: null when LINE answered null (under 20) or never answered.
                    .col(big_integer_null(RunStatistics::UniqueImpression))
                    .col(big_integer_null(RunStatistics::UniqueClick))
                    // LINE's answer as JSON (per message and per URL).
                    .col(text_null(RunStatistics::Detail))
                    .col(text_null(RunStatistics::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_run_statistics_run")
                            .from(RunStatistics::Table, RunStatistics::RunId)
                            .to(DeliveryRun::Table, DeliveryRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_run_statistics_due")
                    .table(RunStatistics::Table)
                    .col(RunStatistics::ChannelId)
                    .col(RunStatistics::NextFetchAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StatisticsSample::Table)
                    .col(
                        big_integer(StatisticsSample::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(StatisticsSample::RunId))
                    .col(timestamp_with_time_zone(StatisticsSample::At))
                    .col(big_integer_null(StatisticsSample::UniqueImpression))
                    .col(big_integer_null(StatisticsSample::UniqueClick))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_statistics_sample_run")
                            .from(StatisticsSample::Table, StatisticsSample::RunId)
                            .to(DeliveryRun::Table, DeliveryRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_statistics_sample_run")
                    .table(StatisticsSample::Table)
                    .col(StatisticsSample::RunId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LineInsightCall::Table)
                    .col(
                        big_integer(LineInsightCall::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(LineInsightCall::ChannelId))
                    .col(timestamp_with_time_zone(LineInsightCall::CalledAt))
                    .col(string_len(LineInsightCall::Endpoint, 100))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_insight_call_channel")
                    .table(LineInsightCall::Table)
                    .col(LineInsightCall::ChannelId)
                    .col(LineInsightCall::CalledAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    // JSON array of the URLs staff chose not to track.
                    .add_column(text_null(Delivery::UntrackedLinks))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .drop_column(Delivery::UntrackedLinks)
                    .to_owned(),
            )
            .await?;
        for table in [
            LineInsightCall::Table.into_iden(),
            StatisticsSample::Table.into_iden(),
            RunStatistics::Table.into_iden(),
            LinkClick::Table.into_iden(),
            TrackedLink::Table.into_iden(),
            DeliveryRunContent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DeliveryRunContent {
    Table,
    RunId,
    AggregationUnit,
    Messages,
}

#[derive(DeriveIden)]
enum TrackedLink {
    Table,
    Id,
    Code,
    DeliveryId,
    RunId,
    ChannelId,
    Position,
    MessageSeq,
    Url,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LinkClick {
    Table,
    Id,
    LinkId,
    ClickedAt,
}

#[derive(DeriveIden)]
enum RunStatistics {
    #[sea_orm(iden = "delivery_run_statistics")]
    Table,
    RunId,
    ChannelId,
    AggregationUnit,
    SentAt,
    NextFetchAt,
    Fetches,
    FetchedAt,
    IsFinal,
    UniqueImpression,
    UniqueClick,
    Detail,
    LastError,
}

#[derive(DeriveIden)]
enum StatisticsSample {
    #[sea_orm(iden = "delivery_statistics_sample")]
    Table,
    Id,
    RunId,
    At,
    UniqueImpression,
    UniqueClick,
}

#[derive(DeriveIden)]
enum LineInsightCall {
    Table,
    Id,
    ChannelId,
    CalledAt,
    Endpoint,
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    UntrackedLinks,
}

#[derive(DeriveIden)]
enum DeliveryRun {
    Table,
    Id,
}
