//! Rich menu statistics (リッチメニューの統計).
//!
//! - `line_rich_menu.live_at` / `ended_at`: when a LINE menu went live and when it stopped
//!   being shown (retired), the period LINE's figures of it are asked for. Menus live or retired
//!   before this migration take the time of their last change.
//! - `rich_menu_statistics`: LINE's summary of a LINE menu (`GET /v2/bot/insight/richmenu/
//!   {richMenuId}/summary`) for one period (the last 7 days, the last 30, the whole time it was
//!   shown), as last fetched: impressions and their users, and per area (by `bounds`) taps and
//!   their users, as JSON. Under LINE's privacy threshold only the id comes back: stored as
//!   `below_threshold` with null figures (「20未満」, never 0). Fetched by a periodic job
//!   within the channel's insight budget shared with deliveries (`line_insight_call`).
//! - `rich_menu_area_link`: a URL area of a published LINE menu sent through our click redirect
//!   (`/r/{code}`): the `tracked_link` it was given (with no delivery: `delivery_id` and
//!   `run_id` 0), so the redirect's clicks (`link_click`) count that area's taps ourselves.

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
                    .table(LineRichMenu::Table)
                    .add_column(timestamp_with_time_zone_null(LineRichMenu::LiveAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LineRichMenu::Table)
                    .add_column(timestamp_with_time_zone_null(LineRichMenu::EndedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE line_rich_menu SET live_at = updated_at WHERE state IN ('live', 'retired')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE line_rich_menu SET ended_at = updated_at WHERE state = 'retired'",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(RichMenuStatistics::Table)
                    .col(
                        big_integer(RichMenuStatistics::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(RichMenuStatistics::LineMenuId))
                    .col(big_integer(RichMenuStatistics::ChannelId))
                    // `7d`, `30d` or `live`.
                    .col(string_len(RichMenuStatistics::Period, 10))
                    // The days asked for (Japan, `yyyyMMdd`).
                    .col(string_len_null(RichMenuStatistics::FromDay, 8))
                    .col(string_len_null(RichMenuStatistics::ToDay, 8))
                    // The days LINE's figures cover (`metricsFrom`, `metricsTo`).
                    .col(string_len_null(RichMenuStatistics::MetricsFrom, 8))
                    .col(string_len_null(RichMenuStatistics::MetricsTo, 8))
                    .col(boolean(RichMenuStatistics::BelowThreshold).default(false))
                    .col(big_integer_null(RichMenuStatistics::Impressions))
                    .col(big_integer_null(RichMenuStatistics::ImpressionUsers))
                    // `[{"bounds": {...}, "count": n, "uniqueUsers": n}]`.
                    .col(text_null(RichMenuStatistics::Clicks))
                    .col(timestamp_with_time_zone_null(RichMenuStatistics::FetchedAt))
                    .col(timestamp_with_time_zone_null(
                        RichMenuStatistics::NextFetchAt,
                    ))
                    .col(boolean(RichMenuStatistics::IsFinal).default(false))
                    .col(text_null(RichMenuStatistics::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_statistics_line_menu")
                            .from(RichMenuStatistics::Table, RichMenuStatistics::LineMenuId)
                            .to(LineRichMenu::Table, LineRichMenu::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rich_menu_statistics_menu_period")
                    .table(RichMenuStatistics::Table)
                    .col(RichMenuStatistics::LineMenuId)
                    .col(RichMenuStatistics::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RichMenuAreaLink::Table)
                    .col(
                        big_integer(RichMenuAreaLink::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(RichMenuAreaLink::LineMenuId))
                    // 0-based, as in the design's areas.
                    .col(integer(RichMenuAreaLink::AreaIndex))
                    .col(big_integer(RichMenuAreaLink::LinkId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_area_link_line_menu")
                            .from(RichMenuAreaLink::Table, RichMenuAreaLink::LineMenuId)
                            .to(LineRichMenu::Table, LineRichMenu::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rich_menu_area_link_menu_area")
                    .table(RichMenuAreaLink::Table)
                    .col(RichMenuAreaLink::LineMenuId)
                    .col(RichMenuAreaLink::AreaIndex)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rich_menu_statistics_next_fetch")
                    .table(RichMenuStatistics::Table)
                    .col(RichMenuStatistics::NextFetchAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RichMenuAreaLink::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RichMenuStatistics::Table).to_owned())
            .await?;
        for column in [LineRichMenu::EndedAt, LineRichMenu::LiveAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LineRichMenu::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LineRichMenu {
    Table,
    Id,
    LiveAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum RichMenuStatistics {
    Table,
    Id,
    LineMenuId,
    ChannelId,
    Period,
    FromDay,
    ToDay,
    MetricsFrom,
    MetricsTo,
    BelowThreshold,
    Impressions,
    ImpressionUsers,
    Clicks,
    FetchedAt,
    NextFetchAt,
    IsFinal,
    LastError,
}

#[derive(DeriveIden)]
enum RichMenuAreaLink {
    Table,
    Id,
    LineMenuId,
    AreaIndex,
    LinkId,
}
