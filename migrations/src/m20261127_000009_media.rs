//! The media library (画像): images staff upload (`media`), each with the sizes LINE needs, derived
//! once on upload (`media_variant`). Images stay in the database, so that backups and every
//! instance have them.

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
                    .table(Media::Table)
                    .col(big_integer(Media::Id).auto_increment().primary_key())
                    .col(big_integer(Media::DepartmentId))
                    // The public URLs' secret part: 32 hex characters from 16 random bytes.
                    .col(string_len_uniq(Media::Token, 32))
                    // SHA-256 (hex) of the file as uploaded: the same file uploaded again in the
                    // same department is the same image.
                    .col(string_len(Media::Sha256, 64))
                    .col(string_len(Media::FileName, 200))
                    .col(string_len(Media::AltText, 400))
                    // Of the stored original (what LINE fetches), not of the upload.
                    .col(string_len(Media::ContentType, 40))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(big_integer(Media::Bytes))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    // The username, as it was then (accounts may go).
                    .col(string_len(Media::CreatedBy, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_department")
                            .from(Media::Table, Media::DepartmentId)
                            .to(Department::Table, Department::Id)
                            // A department that still owns images is not deleted.
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_department_sha256")
                    .table(Media::Table)
                    .col(Media::DepartmentId)
                    .col(Media::Sha256)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MediaVariant::Table)
                    .col(big_integer(MediaVariant::MediaId))
                    // `original`, `preview`, `card`, `imagemap/240` ... `imagemap/1040`.
                    .col(string_len(MediaVariant::Variant, 20))
                    .col(string_len(MediaVariant::ContentType, 40))
                    .col(integer(MediaVariant::Width))
                    .col(integer(MediaVariant::Height))
                    .col(blob(MediaVariant::Data))
                    .primary_key(
                        Index::create()
                            .col(MediaVariant::MediaId)
                            .col(MediaVariant::Variant),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_variant_media")
                            .from(MediaVariant::Table, MediaVariant::MediaId)
                            .to(Media::Table, Media::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MediaVariant::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    DepartmentId,
    Token,
    Sha256,
    FileName,
    AltText,
    ContentType,
    Width,
    Height,
    Bytes,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum MediaVariant {
    Table,
    MediaId,
    Variant,
    ContentType,
    Width,
    Height,
    Data,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
}
