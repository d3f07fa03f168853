//! The command line: `machidayori [--config FILE] [serve | migrate ... | admin create ...]`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use migrations::{Migrator, MigratorTrait};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "machidayori",
    version,
    about = "まちだより: LINE information delivery for municipalities"
)]
pub struct Cli {
    /// TOML file with settings (keys are the environment variable names in lower case);
    /// environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the admin panel and API (the default).
    Serve,
    /// Apply or inspect database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Manage staff accounts from the server's shell.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the most recent migrations.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create an administrator account.
    Create {
        #[arg(long)]
        username: String,
        /// Name shown in the admin panel; the username if omitted.
        #[arg(long, default_value = "")]
        display_name: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

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

pub async fn admin(config: &Config, action: AdminAction) -> anyhow::Result<()> {
    let AdminAction::Create {
        username,
        display_name,
        password_stdin,
    } = action;
    let password = if password_stdin {
        read_stdin_line()?
    } else {
        prompt_twice()?
    };
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let new = domain::accounts::NewAccount {
        username: &username,
        display_name: &display_name,
        password: &password,
    };
    match domain::accounts::create(&db, new).await {
        Ok(staff) => {
            println!(
                "管理者「{}」を作成しました。/ Created administrator {:?}.",
                staff.display_name, staff.username
            );
            Ok(())
        }
        Err(e @ (domain::DomainError::Invalid(_) | domain::DomainError::Conflict(_))) => {
            bail!("{e}")
        }
        Err(e) => Err(e.into()),
    }
}

fn read_stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn prompt_twice() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to prompt on: pass the password with --password-stdin");
    }
    let first = rpassword::prompt_password("パスワード / Password: ")?;
    let second = rpassword::prompt_password("もう一度 / Again: ")?;
    if first != second {
        bail!("パスワードが一致しません。/ The passwords differ.");
    }
    Ok(first)
}
