//! Segments and deliveries (セグメント配信): saved segments (`segment`), the registry of test
//! recipients (`test_recipient`), deliveries (`delivery`) and their occurrences (`delivery_run`,
//! one per send: once for a one-off delivery, once per day for a repeated one), test sends
//! (`delivery_test`), and which instance sends for a channel (`channel_sender`, a lease). The
//! batches of a run are the outbox's stored requests (`line_send.run_id`).

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
                    .table(Segment::Table)
                    .col(big_integer(Segment::Id).auto_increment().primary_key())
                    .col(big_integer(Segment::DepartmentId))
                    .col(string_len(Segment::Name, 100))
                    .col(string_len(Segment::Description, 500))
                    // `model::segment::Rule` as JSON.
                    .col(text(Segment::Rule))
                    // Raised by every save: a save based on an older version is refused.
                    .col(integer(Segment::Version))
                    .col(timestamp_with_time_zone(Segment::CreatedAt))
                    .col(timestamp_with_time_zone(Segment::UpdatedAt))
                    .col(string_len(Segment::UpdatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_segment_department")
                            .from(Segment::Table, Segment::DepartmentId)
                            .to(Department::Table, Department::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TestRecipient::Table)
                    .col(
                        big_integer(TestRecipient::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(TestRecipient::DepartmentId))
                    .col(big_integer(TestRecipient::FriendId))
                    .col(string_len(TestRecipient::Name, 50))
                    .col(string_len(TestRecipient::Note, 200))
                    // JSON array of group names.
                    .col(text(TestRecipient::Groups))
                    .col(timestamp_with_time_zone(TestRecipient::CreatedAt))
                    .col(string_len(TestRecipient::CreatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_test_recipient_department")
                            .from(TestRecipient::Table, TestRecipient::DepartmentId)
                            .to(Department::Table, Department::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_test_recipient_friend")
                            .from(TestRecipient::Table, TestRecipient::FriendId)
                            .to(Friend::Table, Friend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_test_recipient_department_friend")
                    .table(TestRecipient::Table)
                    .col(TestRecipient::DepartmentId)
                    .col(TestRecipient::FriendId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Delivery::Table)
                    .col(big_integer(Delivery::Id).auto_increment().primary_key())
                    .col(big_integer(Delivery::DepartmentId))
                    .col(big_integer(Delivery::ChannelId))
                    .col(string_len(Delivery::Title, 100))
                    // JSON array of LINE message objects.
                    .col(text(Delivery::Messages))
                    // `model::delivery::Target` as JSON.
                    .col(text(Delivery::Target))
                    // `model::delivery::Timing` as JSON.
                    .col(text(Delivery::Timing))
                    // `model::status::DeliveryStatus`.
                    .col(string_len(Delivery::Status, 20))
                    .col(integer(Delivery::Version))
                    // The next occurrence while scheduled (lists, the calendar).
                    .col(timestamp_with_time_zone_null(Delivery::NextAt))
                    .col(big_integer_null(Delivery::CopiedFrom))
                    .col(timestamp_with_time_zone(Delivery::CreatedAt))
                    .col(string_len(Delivery::CreatedBy, 64))
                    .col(timestamp_with_time_zone(Delivery::UpdatedAt))
                    .col(string_len(Delivery::UpdatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_department")
                            .from(Delivery::Table, Delivery::DepartmentId)
                            .to(Department::Table, Department::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_channel")
                            .from(Delivery::Table, Delivery::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_status_next_at")
                    .table(Delivery::Table)
                    .col(Delivery::Status)
                    .col(Delivery::NextAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryRun::Table)
                    .col(big_integer(DeliveryRun::Id).auto_increment().primary_key())
                    .col(big_integer(DeliveryRun::DeliveryId))
                    // The planned time (the moment staff pressed 送信 for a delivery sent now).
                    .col(timestamp_with_time_zone(DeliveryRun::OccurrenceAt))
                    // `model::status::DeliveryStatus`, from 送信中 on.
                    .col(string_len(DeliveryRun::Status, 20))
                    // Recipients resolved when it started (null until then).
                    .col(big_integer_null(DeliveryRun::Audience))
                    // The recipients are stored as the run's outbox batches.
                    .col(boolean(DeliveryRun::Prepared))
                    .col(boolean(DeliveryRun::StopRequested))
                    .col(big_integer(DeliveryRun::Sent))
                    .col(big_integer(DeliveryRun::Failed))
                    .col(timestamp_with_time_zone_null(DeliveryRun::StartedAt))
                    .col(timestamp_with_time_zone_null(DeliveryRun::FinishedAt))
                    // Why it failed or was missed, for staff (Japanese).
                    .col(text_null(DeliveryRun::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_run_delivery")
                            .from(DeliveryRun::Table, DeliveryRun::DeliveryId)
                            .to(Delivery::Table, Delivery::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_run_occurrence")
                    .table(DeliveryRun::Table)
                    .col(DeliveryRun::DeliveryId)
                    .col(DeliveryRun::OccurrenceAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryTest::Table)
                    .col(big_integer(DeliveryTest::Id).auto_increment().primary_key())
                    .col(big_integer(DeliveryTest::DeliveryId))
                    .col(big_integer(DeliveryTest::SendId))
                    .col(integer(DeliveryTest::Recipients))
                    // JSON array of the test recipients' names.
                    .col(text(DeliveryTest::Names))
                    // Sent to the test recipients who match the delivery's target.
                    .col(boolean(DeliveryTest::ByTarget))
                    .col(timestamp_with_time_zone(DeliveryTest::CreatedAt))
                    .col(string_len(DeliveryTest::CreatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_test_delivery")
                            .from(DeliveryTest::Table, DeliveryTest::DeliveryId)
                            .to(Delivery::Table, Delivery::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_test_send")
                            .from(DeliveryTest::Table, DeliveryTest::SendId)
                            .to(LineSend::Table, LineSend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelSender::Table)
                    .col(big_integer(ChannelSender::ChannelId).primary_key())
                    // Which instance (its random id) sends for the channel now.
                    .col(string_len(ChannelSender::Holder, 64))
                    .col(timestamp_with_time_zone(ChannelSender::LockedUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_channel_sender_channel")
                            .from(ChannelSender::Table, ChannelSender::ChannelId)
                            .to(LineChannel::Table, LineChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The run a stored request is a batch of (no foreign key: SQLite cannot add one to an
        // existing table; runs are never deleted while their batches exist).
        manager
            .alter_table(
                Table::alter()
                    .table(LineSend::Table)
                    .add_column(big_integer_null(LineSend::RunId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_send_run")
                    .table(LineSend::Table)
                    .col(LineSend::RunId)
                    .col(LineSend::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_line_send_run")
                    .table(LineSend::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LineSend::Table)
                    .drop_column(LineSend::RunId)
                    .to_owned(),
            )
            .await?;
        for table in [
            ChannelSender::Table.into_iden(),
            DeliveryTest::Table.into_iden(),
            DeliveryRun::Table.into_iden(),
            Delivery::Table.into_iden(),
            TestRecipient::Table.into_iden(),
            Segment::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Segment {
    Table,
    Id,
    DepartmentId,
    Name,
    Description,
    Rule,
    Version,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum TestRecipient {
    Table,
    Id,
    DepartmentId,
    FriendId,
    Name,
    Note,
    Groups,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    Id,
    DepartmentId,
    ChannelId,
    Title,
    Messages,
    Target,
    Timing,
    Status,
    Version,
    NextAt,
    CopiedFrom,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum DeliveryRun {
    Table,
    Id,
    DeliveryId,
    OccurrenceAt,
    Status,
    Audience,
    Prepared,
    StopRequested,
    Sent,
    Failed,
    StartedAt,
    FinishedAt,
    Note,
}

#[derive(DeriveIden)]
enum DeliveryTest {
    Table,
    Id,
    DeliveryId,
    SendId,
    Recipients,
    Names,
    ByTarget,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum ChannelSender {
    Table,
    ChannelId,
    Holder,
    LockedUntil,
}

#[derive(DeriveIden)]
enum LineSend {
    Table,
    Id,
    RunId,
    Status,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Friend {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LineChannel {
    Table,
    Id,
}
