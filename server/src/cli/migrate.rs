//! `machidayori migrate up|down|status`.

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};

use super::MigrateAction;
use crate::config::Config;

pub async fn migrate(config: &Config, action: MigrateAction) -> anyhow::Result<()> {
    let db = domain::db::connect(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    match action {
        MigrateAction::Up => {
            Migrator::up(&db, None).await?;
            println!("migrations applied");
        }
        MigrateAction::Down { steps } => {
            Migrator::down(&db, Some(steps)).await?;
            println!("reverted {steps} migration(s)");
        }
        MigrateAction::Status => {
            for m in Migrator::get_migration_with_status(&db).await? {
                println!("{:?}\t{}", m.status(), m.name());
            }
        }
    }
    Ok(())
}
