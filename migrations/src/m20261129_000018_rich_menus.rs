//! Rich menus (リッチメニュー).
//!
//! - `rich_menu`: a menu as staff edit it, owned by a department: its design (a JSON
//!   `model::menu::MenuDesign`) and its image (JPEG or PNG within LINE's 1 MB, fitted to the
//!   design's size by the server).
//! - `rich_menu_version`: what was published, frozen: LINE menus cannot be changed once
//!   created, so every publish is a version of its own and a rollback publishes an old one.
//! - `line_rich_menu`: one menu on LINE for one channel (a version made real), with the step
//!   its publishing has reached, so a publish interrupted at any step resumes from there; its
//!   `name` at LINE is our key, to find it again after an answer lost in a crash.
//! - `rich_menu_channel`: per channel, the LINE menu that is the default, and the row that
//!   publishing locks while it reserves a call of LINE's hourly create/delete budget.
//! - `rich_menu_rule`: "friends in segment S see menu M", with a priority and an optional
//!   period; `friend_rich_menu`: what each friend was linked to at LINE and why, and a
//!   delivery's menu for its recipients until a time (`domain::menus::links` keeps LINE in step).
//! - `line_menu_call`: those calls, counted across instances (LINE allows 100 creates and 100
//!   deletes an hour; the in-process limiter would sleep an hour instead).

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
                    .table(RichMenu::Table)
                    .col(big_integer(RichMenu::Id).auto_increment().primary_key())
                    .col(big_integer(RichMenu::DepartmentId))
                    .col(string_len(RichMenu::Title, 100))
                    .col(text(RichMenu::Design))
                    .col(blob_null(RichMenu::Image))
                    // `image/jpeg` or `image/png`, with `image`.
                    .col(string_len_null(RichMenu::ImageType, 20))
                    .col(timestamp_with_time_zone(RichMenu::CreatedAt))
                    .col(timestamp_with_time_zone(RichMenu::UpdatedAt))
                    .col(string_len(RichMenu::UpdatedBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_department")
                            .from(RichMenu::Table, RichMenu::DepartmentId)
                            .to(Department::Table, Department::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RichMenuVersion::Table)
                    .col(
                        big_integer(RichMenuVersion::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(RichMenuVersion::RichMenuId))
                    // 1, 2, … per menu.
                    .col(integer(RichMenuVersion::Number))
                    .col(text(RichMenuVersion::Design))
                    .col(blob(RichMenuVersion::Image))
                    .col(string_len(RichMenuVersion::ImageType, 20))
                    .col(timestamp_with_time_zone(RichMenuVersion::CreatedAt))
                    .col(string_len(RichMenuVersion::CreatedBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_version_menu")
                            .from(RichMenuVersion::Table, RichMenuVersion::RichMenuId)
                            .to(RichMenu::Table, RichMenu::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rich_menu_version_number")
                    .table(RichMenuVersion::Table)
                    .col(RichMenuVersion::RichMenuId)
                    .col(RichMenuVersion::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LineRichMenu::Table)
                    .col(big_integer(LineRichMenu::Id).auto_increment().primary_key())
                    .col(big_integer(LineRichMenu::ChannelId))
                    .col(big_integer(LineRichMenu::VersionId))
                    // Our key, sent as LINE's `name`: `machidayori-{id}`.
                    .col(string_len(LineRichMenu::Name, 100))
                    // LINE's `richMenuId`, once created.
                    .col(string_len_null(LineRichMenu::LineId, 100))
                    // queued, created, uploaded, live, retired, deleted, failed.
                    .col(string_len(LineRichMenu::State, 20))
                    // What it is published as: `default`.
                    .col(string_len(LineRichMenu::Purpose, 20))
                    // LINE's answer when a step failed, in Japanese.
                    .col(text_null(LineRichMenu::Error))
                    // A step waits for LINE's hourly budget until then.
                    .col(timestamp_with_time_zone_null(LineRichMenu::WaitUntil))
                    // A retired menu is deleted at LINE after this (links are asynchronous).
                    .col(timestamp_with_time_zone_null(LineRichMenu::DeleteAfter))
                    .col(timestamp_with_time_zone(LineRichMenu::CreatedAt))
                    .col(timestamp_with_time_zone(LineRichMenu::UpdatedAt))
                    .col(string_len(LineRichMenu::CreatedBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_rich_menu_channel")
                            .from(LineRichMenu::Table, LineRichMenu::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_rich_menu_version")
                            .from(LineRichMenu::Table, LineRichMenu::VersionId)
                            .to(RichMenuVersion::Table, RichMenuVersion::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_rich_menu_channel_state")
                    .table(LineRichMenu::Table)
                    .col(LineRichMenu::ChannelId)
                    .col(LineRichMenu::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RichMenuChannel::Table)
                    .col(big_integer(RichMenuChannel::ChannelId).primary_key())
                    .col(big_integer_null(RichMenuChannel::DefaultLineMenuId))
                    // The 防災 menu everyone is linked to while the emergency switch is on.
                    .col(big_integer_null(RichMenuChannel::EmergencyMenuId))
                    .col(timestamp_with_time_zone_null(
                        RichMenuChannel::EmergencySince,
                    ))
                    .col(string_len_null(RichMenuChannel::EmergencyBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_channel_channel")
                            .from(RichMenuChannel::Table, RichMenuChannel::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_channel_default")
                            .from(RichMenuChannel::Table, RichMenuChannel::DefaultLineMenuId)
                            .to(LineRichMenu::Table, LineRichMenu::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RichMenuRule::Table)
                    .col(big_integer(RichMenuRule::Id).auto_increment().primary_key())
                    .col(big_integer(RichMenuRule::ChannelId))
                    .col(big_integer(RichMenuRule::DepartmentId))
                    // None: every friend (a switch for a period, e.g. 年末年始 or 選挙期間).
                    .col(big_integer_null(RichMenuRule::SegmentId))
                    .col(big_integer(RichMenuRule::RichMenuId))
                    // Lower first: a friend in two rules' segments gets the first rule's menu.
                    .col(integer(RichMenuRule::Priority))
                    // The rule applies only between these, when set (年末年始, 選挙期間).
                    .col(timestamp_with_time_zone_null(RichMenuRule::StartsAt))
                    .col(timestamp_with_time_zone_null(RichMenuRule::EndsAt))
                    .col(timestamp_with_time_zone(RichMenuRule::UpdatedAt))
                    .col(string_len(RichMenuRule::UpdatedBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_rule_channel")
                            .from(RichMenuRule::Table, RichMenuRule::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_rule_segment")
                            .from(RichMenuRule::Table, RichMenuRule::SegmentId)
                            .to(Segment::Table, Segment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rich_menu_rule_menu")
                            .from(RichMenuRule::Table, RichMenuRule::RichMenuId)
                            .to(RichMenu::Table, RichMenu::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FriendRichMenu::Table)
                    .col(big_integer(FriendRichMenu::FriendId).primary_key())
                    .col(big_integer(FriendRichMenu::ChannelId))
                    // The LINE menu we linked to this friend (None: none, the default shows).
                    .col(string_len_null(FriendRichMenu::LinkedLineId, 100))
                    // Why, for 「だれに何が表示されるか」.
                    .col(string_len(FriendRichMenu::Source, 200))
                    // A delivery's menu for its recipients, until a time.
                    .col(big_integer_null(FriendRichMenu::OverrideMenuId))
                    .col(timestamp_with_time_zone_null(FriendRichMenu::OverrideUntil))
                    .col(string_len_null(FriendRichMenu::OverrideNote, 200))
                    .col(timestamp_with_time_zone(FriendRichMenu::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_friend_rich_menu_friend")
                            .from(FriendRichMenu::Table, FriendRichMenu::FriendId)
                            .to(Friend::Table, Friend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_friend_rich_menu_channel")
                    .table(FriendRichMenu::Table)
                    .col(FriendRichMenu::ChannelId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LineMenuCall::Table)
                    .col(big_integer(LineMenuCall::Id).auto_increment().primary_key())
                    .col(big_integer(LineMenuCall::ChannelId))
                    // `create` or `delete`: LINE counts each endpoint's hour apart.
                    .col(string_len(LineMenuCall::Kind, 20))
                    .col(timestamp_with_time_zone(LineMenuCall::CalledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_menu_call_channel")
                            .from(LineMenuCall::Table, LineMenuCall::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_menu_call_channel_at")
                    .table(LineMenuCall::Table)
                    .col(LineMenuCall::ChannelId)
                    .col(LineMenuCall::CalledAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FriendRichMenu::Table.into_iden(),
            RichMenuRule::Table.into_iden(),
            LineMenuCall::Table.into_iden(),
            RichMenuChannel::Table.into_iden(),
            LineRichMenu::Table.into_iden(),
            RichMenuVersion::Table.into_iden(),
            RichMenu::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum RichMenu {
    Table,
    Id,
    DepartmentId,
    Title,
    Design,
    Image,
    ImageType,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum RichMenuVersion {
    Table,
    Id,
    RichMenuId,
    Number,
    Design,
    Image,
    ImageType,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum LineRichMenu {
    Table,
    Id,
    ChannelId,
    VersionId,
    Name,
    LineId,
    State,
    Purpose,
    Error,
    WaitUntil,
    DeleteAfter,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum RichMenuChannel {
    Table,
    ChannelId,
    DefaultLineMenuId,
    EmergencyMenuId,
    EmergencySince,
    EmergencyBy,
}

#[derive(DeriveIden)]
enum RichMenuRule {
    Table,
    Id,
    ChannelId,
    DepartmentId,
    SegmentId,
    RichMenuId,
    Priority,
    StartsAt,
    EndsAt,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum FriendRichMenu {
    Table,
    FriendId,
    ChannelId,
    LinkedLineId,
    Source,
    OverrideMenuId,
    OverrideUntil,
    OverrideNote,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Segment {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Friend {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LineMenuCall {
    Table,
    Id,
    ChannelId,
    Kind,
    CalledAt,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LineChannel {
    Table,
    Id,
}
