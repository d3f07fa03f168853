//! Surveys in LIFF (アンケート).
//!
//! A survey belongs to a department (`survey`); each save keeps a version of its questions,
//! consent and design as JSON (`survey_version`, never changed once written). A citizen's
//! answers are revisions (`survey_response`): every submission is a new row naming the version
//! it was given on and the consent it agreed to (its fingerprint and time), so history and
//! consent records are kept; the latest revision is the current answer. Files citizens upload
//! stay in the database (`survey_upload`), outside any public URL. `liff_session` is a
//! citizen's short session on the LIFF pages, created from a verified LINE ID token.
//! `app_marker` records things done once per deployment (the starter survey).

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
                    .table(Survey::Table)
                    .col(big_integer(Survey::Id).auto_increment().primary_key())
                    .col(big_integer(Survey::DepartmentId))
                    // The latest version's title, for lists.
                    .col(string_len(Survey::Title, 100))
                    // draft, open, closed (by hand); the period narrows `open`.
                    .col(string_len(Survey::State, 10))
                    .col(timestamp_with_time_zone_null(Survey::OpensAt))
                    .col(timestamp_with_time_zone_null(Survey::ClosesAt))
                    .col(big_integer(Survey::LatestVersion))
                    .col(timestamp_with_time_zone(Survey::CreatedAt))
                    .col(string_len(Survey::CreatedBy, 64))
                    .col(timestamp_with_time_zone(Survey::UpdatedAt))
                    .col(string_len(Survey::UpdatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_department")
                            .from(Survey::Table, Survey::DepartmentId)
                            .to(Department::Table, Department::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyVersion::Table)
                    .col(
                        big_integer(SurveyVersion::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(SurveyVersion::SurveyId))
                    // 1, 2, 3... per survey.
                    .col(big_integer(SurveyVersion::Number))
                    // `model::survey::Survey` as JSON.
                    .col(text(SurveyVersion::Definition))
                    .col(timestamp_with_time_zone(SurveyVersion::CreatedAt))
                    .col(string_len(SurveyVersion::CreatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_version_survey")
                            .from(SurveyVersion::Table, SurveyVersion::SurveyId)
                            .to(Survey::Table, Survey::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_survey_version_number")
                    .table(SurveyVersion::Table)
                    .col(SurveyVersion::SurveyId)
                    .col(SurveyVersion::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyResponse::Table)
                    .col(
                        big_integer(SurveyResponse::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(SurveyResponse::SurveyId))
                    .col(big_integer(SurveyResponse::FriendId))
                    // 1, 2, 3... per survey and friend: two submits at once cannot both be
                    // the next one (the unique index below), so one wins whole.
                    .col(big_integer(SurveyResponse::Revision))
                    .col(big_integer(SurveyResponse::VersionNumber))
                    // `model::survey::Answers` as JSON.
                    .col(text(SurveyResponse::Answers))
                    // The consent agreed to with this answer (none: the version asked none).
                    .col(string_len_null(SurveyResponse::ConsentFingerprint, 16))
                    .col(timestamp_with_time_zone(SurveyResponse::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_response_survey")
                            .from(SurveyResponse::Table, SurveyResponse::SurveyId)
                            .to(Survey::Table, Survey::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_response_friend")
                            .from(SurveyResponse::Table, SurveyResponse::FriendId)
                            .to(Friend::Table, Friend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_survey_response_revision")
                    .table(SurveyResponse::Table)
                    .col(SurveyResponse::SurveyId)
                    .col(SurveyResponse::FriendId)
                    .col(SurveyResponse::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_survey_response_friend")
                    .table(SurveyResponse::Table)
                    .col(SurveyResponse::FriendId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyUpload::Table)
                    .col(big_integer(SurveyUpload::Id).auto_increment().primary_key())
                    .col(big_integer(SurveyUpload::SurveyId))
                    .col(big_integer(SurveyUpload::FriendId))
                    .col(big_integer(SurveyUpload::ResponseId))
                    .col(string_len(SurveyUpload::QuestionId, 20))
                    .col(string_len(SurveyUpload::FileName, 200))
                    // Of the stored file (images are re-encoded without metadata).
                    .col(string_len(SurveyUpload::ContentType, 40))
                    .col(big_integer(SurveyUpload::Bytes))
                    .col(blob(SurveyUpload::Data))
                    .col(timestamp_with_time_zone(SurveyUpload::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_upload_response")
                            .from(SurveyUpload::Table, SurveyUpload::ResponseId)
                            .to(SurveyResponse::Table, SurveyResponse::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_survey_upload_response")
                    .table(SurveyUpload::Table)
                    .col(SurveyUpload::ResponseId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiffSession::Table)
                    // SHA-256 (hex) of the cookie's random token.
                    .col(string_len(LiffSession::TokenHash, 64).primary_key())
                    .col(big_integer(LiffSession::ChannelId))
                    .col(big_integer(LiffSession::FriendId))
                    .col(timestamp_with_time_zone(LiffSession::CreatedAt))
                    .col(timestamp_with_time_zone(LiffSession::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_liff_session_friend")
                            .from(LiffSession::Table, LiffSession::FriendId)
                            .to(Friend::Table, Friend::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_liff_session_expires")
                    .table(LiffSession::Table)
                    .col(LiffSession::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppMarker::Table)
                    .col(string_len(AppMarker::Key, 64).primary_key())
                    .col(timestamp_with_time_zone(AppMarker::At))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AppMarker::Table.into_iden(),
            LiffSession::Table.into_iden(),
            SurveyUpload::Table.into_iden(),
            SurveyResponse::Table.into_iden(),
            SurveyVersion::Table.into_iden(),
            Survey::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Survey {
    Table,
    Id,
    DepartmentId,
    Title,
    State,
    OpensAt,
    ClosesAt,
    LatestVersion,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum SurveyVersion {
    Table,
    Id,
    SurveyId,
    Number,
    Definition,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum SurveyResponse {
    Table,
    Id,
    SurveyId,
    FriendId,
    Revision,
    VersionNumber,
    Answers,
    ConsentFingerprint,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum SurveyUpload {
    Table,
    Id,
    SurveyId,
    FriendId,
    ResponseId,
    QuestionId,
    FileName,
    ContentType,
    Bytes,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LiffSession {
    Table,
    TokenHash,
    ChannelId,
    FriendId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AppMarker {
    Table,
    Key,
    At,
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
