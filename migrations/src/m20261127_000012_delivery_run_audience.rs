//! A delivery run's recipients, fixed when it starts (`delivery_run_audience`): their friend ids
//! in one row, from which the engine stores the run's batches (`line_send`) a group at a time
//! while the first ones are already being sent. `batches_stored` says how far it got, so an
//! instance taking over after a crash goes on from there with the same recipients.

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
                    .table(DeliveryRunAudience::Table)
                    .col(big_integer(DeliveryRunAudience::RunId).primary_key())
                    // Ascending friend ids, each as its difference from the one before in LEB128
                    // (about a byte a friend): a million recipients in about 1 MB.
                    .col(blob(DeliveryRunAudience::FriendIds))
                    .col(integer(DeliveryRunAudience::Batches))
                    .col(integer(DeliveryRunAudience::BatchesStored))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_run_audience_run")
                            .from(DeliveryRunAudience::Table, DeliveryRunAudience::RunId)
                            .to(DeliveryRun::Table, DeliveryRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeliveryRunAudience::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DeliveryRunAudience {
    Table,
    RunId,
    FriendIds,
    Batches,
    BatchesStored,
}

#[derive(DeriveIden)]
enum DeliveryRun {
    Table,
    Id,
}
