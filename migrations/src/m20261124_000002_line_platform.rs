//! The LINE platform layer: channels (with encrypted secrets), friends, the webhook inbox and
//! the outbox of push/multicast requests with their retry keys.

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
                    .table(LineChannel::Table)
                    .col(big_integer(LineChannel::Id).auto_increment().primary_key())
                    .col(string_len_uniq(LineChannel::Key, 32))
                    .col(string_len(LineChannel::Name, 100))
                    // `production` or `test`.
                    .col(string_len(LineChannel::Environment, 16))
                    // Served by the built-in sandbox instead of LINE.
                    .col(boolean(LineChannel::Sandbox))
                    .col(string_len_null(LineChannel::ChannelId, 32))
                    // AES-256-GCM under the configured secret key; never stored in clear.
                    .col(text_null(LineChannel::ChannelSecretEnc))
                    .col(text_null(LineChannel::AccessTokenEnc))
                    .col(string_len_null(LineChannel::LoginChannelId, 32))
                    .col(string_len_null(LineChannel::LiffId, 64))
                    .col(string_len(LineChannel::ApiBase, 2000))
                    .col(string_len(LineChannel::ApiDataBase, 2000))
                    .col(boolean(LineChannel::GreetingEnabled).default(true))
                    .col(text_null(LineChannel::GreetingText))
                    .col(text_null(LineChannel::GreetingFlex))
                    .col(timestamp_with_time_zone(LineChannel::CreatedAt))
                    .col(timestamp_with_time_zone(LineChannel::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Friend::Table)
                    .col(big_integer(Friend::Id).auto_increment().primary_key())
                    .col(big_integer(Friend::ChannelId))
                    .col(string_len(Friend::LineUserId, 64))
                    .col(string_len_null(Friend::DisplayName, 200))
                    .col(string_len_null(Friend::PictureUrl, 2000))
                    .col(text_null(Friend::StatusMessage))
                    .col(string_len_null(Friend::Language, 35))
                    // `following` or `blocked`.
                    .col(string_len(Friend::Status, 16))
                    .col(timestamp_with_time_zone(Friend::FirstFollowedAt))
                    .col(timestamp_with_time_zone(Friend::FollowedAt))
                    .col(timestamp_with_time_zone_null(Friend::BlockedAt))
                    .col(timestamp_with_time_zone_null(Friend::ProfileFetchedAt))
                    .col(timestamp_with_time_zone(Friend::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_friend_channel")
                            .from(Friend::Table, Friend::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_friend_channel_user")
                    .table(Friend::Table)
                    .col(Friend::ChannelId)
                    .col(Friend::LineUserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_friend_channel_followed")
                    .table(Friend::Table)
                    .col(Friend::ChannelId)
                    .col(Friend::FollowedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookEvent::Table)
                    .col(big_integer(WebhookEvent::Id).auto_increment().primary_key())
                    .col(big_integer(WebhookEvent::ChannelId))
                    .col(string_len(WebhookEvent::WebhookEventId, 64))
                    .col(string_len(WebhookEvent::EventType, 64))
                    .col(string_len_null(WebhookEvent::LineUserId, 64))
                    .col(timestamp_with_time_zone(WebhookEvent::OccurredAt))
                    .col(timestamp_with_time_zone(WebhookEvent::ReceivedAt))
                    .col(boolean(WebhookEvent::IsRedelivery))
                    // The event exactly as LINE sent it.
                    .col(text(WebhookEvent::Payload))
                    // `pending`, `done` or `failed` (gave up after the last retry).
                    .col(string_len(WebhookEvent::Status, 16))
                    .col(integer(WebhookEvent::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookEvent::NextAttemptAt))
                    // A worker holds the event until then; after a crash it is taken again.
                    .col(timestamp_with_time_zone_null(WebhookEvent::LockedUntil))
                    // Steps already done, so that a retry does not redo them (e.g. `greeted`).
                    .col(string_len_null(WebhookEvent::Progress, 32))
                    .col(text_null(WebhookEvent::LastError))
                    .col(timestamp_with_time_zone_null(WebhookEvent::ProcessedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_event_channel")
                            .from(WebhookEvent::Table, WebhookEvent::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_webhook_event_channel_event")
                    .table(WebhookEvent::Table)
                    .col(WebhookEvent::ChannelId)
                    .col(WebhookEvent::WebhookEventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_event_due")
                    .table(WebhookEvent::Table)
                    .col(WebhookEvent::Status)
                    .col(WebhookEvent::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_event_user")
                    .table(WebhookEvent::Table)
                    .col(WebhookEvent::ChannelId)
                    .col(WebhookEvent::LineUserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LineSend::Table)
                    .col(big_integer(LineSend::Id).auto_increment().primary_key())
                    .col(big_integer(LineSend::ChannelId))
                    // `push` or `multicast`.
                    .col(string_len(LineSend::Kind, 16))
                    // Stored before the first attempt; every retry sends the same key.
                    .col(string_len_uniq(LineSend::RetryKey, 36))
                    .col(text(LineSend::Body))
                    .col(integer(LineSend::Recipients))
                    // `pending`, `sent`, `failed` or `expired` (retry key older than 24 h).
                    .col(string_len(LineSend::Status, 16))
                    .col(integer(LineSend::Attempts).default(0))
                    .col(timestamp_with_time_zone(LineSend::CreatedAt))
                    .col(timestamp_with_time_zone_null(LineSend::FirstAttemptAt))
                    .col(timestamp_with_time_zone_null(LineSend::FinishedAt))
                    .col(string_len_null(LineSend::LineRequestId, 64))
                    // LINE's error body, for staff to read.
                    .col(text_null(LineSend::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_send_channel")
                            .from(LineSend::Table, LineSend::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_send_status")
                    .table(LineSend::Table)
                    .col(LineSend::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LineSend::Table.into_iden(),
            WebhookEvent::Table.into_iden(),
            Friend::Table.into_iden(),
            LineChannel::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LineChannel {
    Table,
    Id,
    Key,
    Name,
    Environment,
    Sandbox,
    ChannelId,
    ChannelSecretEnc,
    AccessTokenEnc,
    LoginChannelId,
    LiffId,
    ApiBase,
    ApiDataBase,
    GreetingEnabled,
    GreetingText,
    GreetingFlex,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Friend {
    Table,
    Id,
    ChannelId,
    LineUserId,
    DisplayName,
    PictureUrl,
    StatusMessage,
    Language,
    Status,
    FirstFollowedAt,
    FollowedAt,
    BlockedAt,
    ProfileFetchedAt,
    UpdatedAt,
}

// `WebhookEventId` is LINE's name for the column, not a stutter.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum WebhookEvent {
    Table,
    Id,
    ChannelId,
    WebhookEventId,
    EventType,
    LineUserId,
    OccurredAt,
    ReceivedAt,
    IsRedelivery,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    Progress,
    LastError,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum LineSend {
    Table,
    Id,
    ChannelId,
    Kind,
    RetryKey,
    Body,
    Recipients,
    Status,
    Attempts,
    CreatedAt,
    FirstAttemptAt,
    FinishedAt,
    LineRequestId,
    Error,
}
