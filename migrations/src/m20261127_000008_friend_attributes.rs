//! Friend attributes (友だち属性): what staff define (`attribute`, `attribute_option`), each
//! friend's values (`friend_attribute_value`), every change to them (`friend_attribute_history`)
//! and CSV files uploaded for import (`attribute_import`). Also the starter set a city edits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attribute::Table)
                    .col(big_integer(Attribute::Id).auto_increment().primary_key())
                    // Stable: CSV headers and later segment definitions name it.
                    .col(string_len_uniq(Attribute::Key, 40))
                    .col(string_len(Attribute::Label, 50))
                    // `single_choice`, `multi_choice`, `text`, `number`, `date`, `birth_date`, `birth_month`.
                    .col(string_len(Attribute::Kind, 20))
                    .col(integer(Attribute::Position))
                    .col(timestamp_with_time_zone(Attribute::CreatedAt))
                    .col(timestamp_with_time_zone(Attribute::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttributeOption::Table)
                    .col(
                        big_integer(AttributeOption::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(AttributeOption::AttributeId))
                    .col(string_len(AttributeOption::Label, 50))
                    .col(integer(AttributeOption::Position))
                    // Kept for the values that have it, no longer offered.
                    .col(boolean(AttributeOption::Retired).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attribute_option_attribute")
                            .from(AttributeOption::Table, AttributeOption::AttributeId)
                            .to(Attribute::Table, Attribute::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FriendAttributeValue::Table)
                    .col(
                        big_integer(FriendAttributeValue::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(FriendAttributeValue::FriendId))
                    .col(big_integer(FriendAttributeValue::AttributeId))
                    // Choice types: one row per chosen option.
                    .col(big_integer_null(FriendAttributeValue::OptionId))
                    // Other types: text, a number as written canonically, `YYYY-MM-DD` or `YYYY-MM`
                    // (both sort as text, so age ranges are index ranges).
                    .col(string_len_null(FriendAttributeValue::Value, 200))
                    .col(double_null(FriendAttributeValue::Number))
                    // `survey`, `csv`, `staff`, `chatbot`.
                    .col(string_len(FriendAttributeValue::Source, 16))
                    .col(timestamp_with_time_zone(FriendAttributeValue::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_friend_attribute_value_friend")
                            .from(FriendAttributeValue::Table, FriendAttributeValue::FriendId)
                            .to(Friend::Table, Friend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_friend_attribute_value_attribute")
                            .from(
                                FriendAttributeValue::Table,
                                FriendAttributeValue::AttributeId,
                            )
                            .to(Attribute::Table, Attribute::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_friend_attribute_value_option")
                            .from(FriendAttributeValue::Table, FriendAttributeValue::OptionId)
                            .to(AttributeOption::Table, AttributeOption::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A friend's values (the friend page, imports, exports in friend order); covering, so that
        // reading a million friends' values never visits the table (an export 30 % faster).
        index(
            manager,
            "idx_friend_attribute_value_friend",
            FriendAttributeValue::Table,
            &[
                FriendAttributeValue::FriendId,
                FriendAttributeValue::AttributeId,
                FriendAttributeValue::OptionId,
                FriendAttributeValue::Value,
            ],
        )
        .await?;
        // The friends list's conditions: "has option X" and ranges of dates and months read these
        // indexes only (friend_id is in them). Counting uses the in-memory audience index.
        index(
            manager,
            "idx_friend_attribute_value_option",
            FriendAttributeValue::Table,
            &[
                FriendAttributeValue::AttributeId,
                FriendAttributeValue::OptionId,
                FriendAttributeValue::FriendId,
            ],
        )
        .await?;
        index(
            manager,
            "idx_friend_attribute_value_value",
            FriendAttributeValue::Table,
            &[
                FriendAttributeValue::AttributeId,
                FriendAttributeValue::Value,
                FriendAttributeValue::FriendId,
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(FriendAttributeHistory::Table)
                    .col(
                        big_integer(FriendAttributeHistory::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(FriendAttributeHistory::FriendId))
                    // No foreign key: the history outlives a deleted attribute; its label is kept.
                    .col(big_integer(FriendAttributeHistory::AttributeId))
                    .col(string_len(FriendAttributeHistory::AttributeLabel, 50))
                    // As staff read them (option labels joined with `|`), empty when unset.
                    .col(text(FriendAttributeHistory::OldValue))
                    .col(text(FriendAttributeHistory::NewValue))
                    .col(string_len(FriendAttributeHistory::Source, 16))
                    .col(string_len(FriendAttributeHistory::Username, 64))
                    .col(timestamp_with_time_zone(FriendAttributeHistory::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_friend_attribute_history_friend")
                            .from(
                                FriendAttributeHistory::Table,
                                FriendAttributeHistory::FriendId,
                            )
                            .to(Friend::Table, Friend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_friend_attribute_history_friend",
            FriendAttributeHistory::Table,
            &[FriendAttributeHistory::FriendId, FriendAttributeHistory::Id],
        )
        .await?;
        // The in-memory audience index catches up with recent changes by time.
        index(
            manager,
            "idx_friend_attribute_history_at",
            FriendAttributeHistory::Table,
            &[FriendAttributeHistory::At],
        )
        .await?;
        index(
            manager,
            "idx_friend_updated",
            Friend::Table,
            &[Friend::UpdatedAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttributeImport::Table)
                    .col(
                        big_integer(AttributeImport::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(AttributeImport::ChannelId))
                    .col(big_integer(AttributeImport::StaffId))
                    .col(string_len(AttributeImport::FileName, 200))
                    // The file as uploaded: checked on upload and checked again when applied.
                    .col(blob(AttributeImport::Content))
                    // The check's report (JSON), as shown to staff.
                    .col(text(AttributeImport::Report))
                    .col(timestamp_with_time_zone(AttributeImport::CreatedAt))
                    .col(timestamp_with_time_zone_null(AttributeImport::AppliedAt))
                    .to_owned(),
            )
            .await?;
        seed_starter_set(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_friend_updated")
                    .table(Friend::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            AttributeImport::Table.into_iden(),
            FriendAttributeHistory::Table.into_iden(),
            FriendAttributeValue::Table.into_iden(),
            AttributeOption::Table.into_iden(),
            Attribute::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[C],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

/// What a city starts with (and may edit or delete): the attributes most municipal accounts ask
/// for. 地区 has no options: each city fills in its own.
async fn seed_starter_set(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let starter: [(&str, &str, &str, &[&str]); 5] = [
        (
            "interests",
            "受け取りたい情報",
            "multi_choice",
            &[
                "防災・防犯",
                "子育て・教育",
                "健康・医療・福祉",
                "イベント・観光・文化",
                "ごみ・環境",
                "市政・くらし・手続き",
            ],
        ),
        ("district", "お住まいの地区", "single_choice", &[]),
        ("birth_month", "生年月", "birth_month", &[]),
        (
            "gender",
            "性別",
            "single_choice",
            &["男性", "女性", "その他", "回答しない"],
        ),
        (
            "receive_language",
            "受信言語",
            "single_choice",
            &[
                "日本語",
                "やさしい日本語",
                "English",
                "Português",
                "Tiếng Việt",
                "中文",
                "Tagalog",
            ],
        ),
    ];
    for (position, (key, label, kind, options)) in starter.into_iter().enumerate() {
        let attribute_id = (position + 1) as i64;
        let insert = Query::insert()
            .into_table(Attribute::Table)
            .columns([
                Attribute::Id,
                Attribute::Key,
                Attribute::Label,
                Attribute::Kind,
                Attribute::Position,
                Attribute::CreatedAt,
                Attribute::UpdatedAt,
            ])
            .values_panic([
                attribute_id.into(),
                key.into(),
                label.into(),
                kind.into(),
                (position as i32).into(),
                Expr::current_timestamp(),
                Expr::current_timestamp(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
        for (option_position, option) in options.iter().enumerate() {
            let insert = Query::insert()
                .into_table(AttributeOption::Table)
                .columns([
                    AttributeOption::AttributeId,
                    AttributeOption::Label,
                    AttributeOption::Position,
                    AttributeOption::Retired,
                ])
                .values_panic([
                    attribute_id.into(),
                    (*option).into(),
                    (option_position as i32).into(),
                    false.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
    }
    // Explicit ids above: PostgreSQL's sequence must move past them.
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        manager
            .get_connection()
            .execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('attribute', 'id'), (SELECT MAX(id) FROM attribute))",
            )
            .await?;
    }
    Ok(())
}

#[derive(DeriveIden, Clone, Copy)]
enum Attribute {
    Table,
    Id,
    Key,
    Label,
    Kind,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AttributeOption {
    Table,
    Id,
    AttributeId,
    Label,
    Position,
    Retired,
}

#[derive(DeriveIden, Clone, Copy)]
enum FriendAttributeValue {
    Table,
    Id,
    FriendId,
    AttributeId,
    OptionId,
    Value,
    Number,
    Source,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FriendAttributeHistory {
    Table,
    Id,
    FriendId,
    AttributeId,
    AttributeLabel,
    OldValue,
    NewValue,
    Source,
    Username,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum AttributeImport {
    Table,
    Id,
    ChannelId,
    StaffId,
    FileName,
    Content,
    Report,
    CreatedAt,
    AppliedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Friend {
    Table,
    Id,
    UpdatedAt,
}
