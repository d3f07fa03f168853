//! - A delivery may name a rich menu (spec 4(2) ア): when a run is sent, the friends LINE
//!   accepted it for are linked to that menu (`friend_rich_menu.override_*`), until
//!   `rich_menu_until` when given, after which their rules or the default apply again.
//! - A menu may have tabs: each further tab is a menu of its own (design, image, versions)
//!   whose `tab_of` names the first tab; they are published together and switch by aliases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time. No foreign key: a design named by
        // a delivery cannot be deleted (`menus::links::in_use`), and SQLite cannot add one later.
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .add_column(big_integer_null(Delivery::RichMenuId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .add_column(timestamp_with_time_zone_null(Delivery::RichMenuUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RichMenu::Table)
                    .add_column(big_integer_null(RichMenu::TabOf))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RichMenu::Table)
                    .drop_column(RichMenu::TabOf)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .drop_column(Delivery::RichMenuUntil)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Delivery::Table)
                    .drop_column(Delivery::RichMenuId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    RichMenuId,
    RichMenuUntil,
}

#[derive(DeriveIden)]
enum RichMenu {
    Table,
    TabOf,
}
