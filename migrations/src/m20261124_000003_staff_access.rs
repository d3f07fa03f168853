//! The staff security model: roles, per-feature permissions and departments (部署).
//!
//! Accounts that existed before are administrators: the only way to create one was the first-run
//! setup page or `machidayori admin create`, both meant for 管理者.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(StaffAccount::Table)
                    .add_column(string_len(StaffAccount::Role, 16).default("admin"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StaffAccount::Table)
                    .add_column(boolean(StaffAccount::MustChangePassword).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Department::Table)
                    .col(big_integer(Department::Id).auto_increment().primary_key())
                    .col(string_len(Department::Name, 100))
                    // Lower-cased, trimmed name: unique, so 「総務課」 cannot exist twice.
                    .col(string_len_uniq(Department::NameKey, 100))
                    .col(timestamp_with_time_zone(Department::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffDepartment::Table)
                    .col(big_integer(StaffDepartment::StaffId))
                    .col(big_integer(StaffDepartment::DepartmentId))
                    .primary_key(
                        Index::create()
                            .col(StaffDepartment::StaffId)
                            .col(StaffDepartment::DepartmentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_department_staff")
                            .from(StaffDepartment::Table, StaffDepartment::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_department_department")
                            .from(StaffDepartment::Table, StaffDepartment::DepartmentId)
                            .to(Department::Table, Department::Id)
                            // A department with members (or, later, items) is not deleted.
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_department_department")
                    .table(StaffDepartment::Table)
                    .col(StaffDepartment::DepartmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffPermission::Table)
                    .col(big_integer(StaffPermission::StaffId))
                    // `feature.action` (e.g. `deliveries.send`) or `all_departments`.
                    .col(string_len(StaffPermission::Permission, 64))
                    .primary_key(
                        Index::create()
                            .col(StaffPermission::StaffId)
                            .col(StaffPermission::Permission),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_permission_staff")
                            .from(StaffPermission::Table, StaffPermission::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StaffPermission::Table.into_iden(),
            StaffDepartment::Table.into_iden(),
            Department::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [StaffAccount::MustChangePassword, StaffAccount::Role] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StaffAccount::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
    Role,
    MustChangePassword,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
    Name,
    NameKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffDepartment {
    Table,
    StaffId,
    DepartmentId,
}

#[derive(DeriveIden)]
enum StaffPermission {
    Table,
    StaffId,
    Permission,
}
