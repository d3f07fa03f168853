//! The admin panel's network controls: the IP allowlist (`admin_allowed_ip`) and the access log
//! (`access_log`, one row per HTTP request, kept at least 180 days).

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
                    .table(AdminAllowedIp::Table)
                    .col(
                        big_integer(AdminAllowedIp::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    // Normalised network (`192.0.2.0/24`, `2001:db8::/32`): unique.
                    .col(string_len_uniq(AdminAllowedIp::Cidr, 64))
                    .col(string_len(AdminAllowedIp::Note, 200).default(""))
                    // Where the entry came from: `ui` (an administrator) or `cli`.
                    .col(string_len(AdminAllowedIp::Source, 16))
                    // No foreign key: the entry outlives the account that added it.
                    .col(big_integer_null(AdminAllowedIp::CreatedBy))
                    .col(timestamp_with_time_zone(AdminAllowedIp::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(big_integer(AccessLog::Id).auto_increment().primary_key())
                    .col(timestamp_with_time_zone(AccessLog::At))
                    .col(string_len(AccessLog::Method, 16))
                    // The path only: query strings may carry tokens and are never stored.
                    .col(string_len(AccessLog::Path, 1024))
                    .col(small_integer(AccessLog::Status))
                    .col(big_integer(AccessLog::LatencyUs))
                    .col(string_len_null(AccessLog::ClientAddr, 45))
                    // No foreign key: the log outlives accounts.
                    .col(big_integer_null(AccessLog::StaffId))
                    .col(string_len_null(AccessLog::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        // The daily purge and any browsing go by time.
        manager
            .create_index(
                Index::create()
                    .name("idx_access_log_at")
                    .table(AccessLog::Table)
                    .col(AccessLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AccessLog::Table.into_iden(),
            AdminAllowedIp::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AdminAllowedIp {
    Table,
    Id,
    Cidr,
    Note,
    Source,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Id,
    At,
    Method,
    Path,
    Status,
    LatencyUs,
    ClientAddr,
    StaffId,
    RequestId,
}
