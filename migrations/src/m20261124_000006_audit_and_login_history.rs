//! Login history (every sign-in attempt, from which throttling and lockouts are derived) and the
//! tamper-evident audit log (操作ログ) with its one-row chain head.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `prev_hash` of the first audit entry: 64 zeros, as wide as a SHA-256 in hex.
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempt::Table)
                    .col(big_integer(LoginAttempt::Id).auto_increment().primary_key())
                    .col(timestamp_with_time_zone(LoginAttempt::At))
                    // As typed (bounded, control characters removed).
                    .col(string_len(LoginAttempt::Username, 64))
                    // Lower-cased, trimmed: what the per-account throttle counts by.
                    .col(string_len(LoginAttempt::UsernameKey, 64))
                    .col(big_integer_null(LoginAttempt::StaffId))
                    .col(string_len(LoginAttempt::Outcome, 32))
                    .col(string_len_null(LoginAttempt::ClientAddr, 45))
                    .col(string_len_null(LoginAttempt::UserAgent, 256))
                    // Set on the failure that started a lockout: until when it holds.
                    .col(timestamp_with_time_zone_null(LoginAttempt::LockedUntil))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_login_attempt_username_key_at",
                LoginAttempt::UsernameKey,
            ),
            ("idx_login_attempt_client_addr_at", LoginAttempt::ClientAddr),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LoginAttempt::Table)
                        .col(column)
                        .col(LoginAttempt::At)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempt_at")
                    .table(LoginAttempt::Table)
                    .col(LoginAttempt::At)
                    .to_owned(),
            )
            .await?;
        // The lockouts in force, shown on every visit of the history page.
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempt_locked_until")
                    .table(LoginAttempt::Table)
                    .col(LoginAttempt::LockedUntil)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    // Assigned from the chain head, not by the database: gap-free by construction.
                    .col(big_integer(AuditLog::Seq).primary_key())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(big_integer_null(AuditLog::StaffId))
                    .col(string_len(AuditLog::Username, 64))
                    .col(string_len_null(AuditLog::ClientAddr, 45))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::EntityType, 64))
                    .col(string_len_null(AuditLog::EntityId, 128))
                    .col(text(AuditLog::Summary))
                    // A second entry chaining onto the same predecessor is refused by the database.
                    .col(string_len_uniq(AuditLog::PrevHash, 64))
                    .col(string_len(AuditLog::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHead::Table)
                    .col(integer(AuditChainHead::Id).primary_key())
                    .col(big_integer(AuditChainHead::Seq))
                    .col(string_len(AuditChainHead::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditChainHead::Table)
                    .columns([
                        AuditChainHead::Id,
                        AuditChainHead::Seq,
                        AuditChainHead::Hash,
                    ])
                    .values_panic([1.into(), 0i64.into(), GENESIS_HASH.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditChainHead::Table.into_iden(),
            AuditLog::Table.into_iden(),
            LoginAttempt::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LoginAttempt {
    Table,
    Id,
    At,
    Username,
    UsernameKey,
    StaffId,
    Outcome,
    ClientAddr,
    UserAgent,
    LockedUntil,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    StaffId,
    Username,
    ClientAddr,
    Action,
    EntityType,
    EntityId,
    Summary,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    Id,
    Seq,
    Hash,
}
