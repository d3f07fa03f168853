//! The command line: `machidayori [--config FILE] [serve | migrate ... | admin create|allow-ip|allowed-ips ...]`.

// The commands answer the operator on standard output.
#![allow(clippy::print_stdout)]

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
    /// Configure LINE channels beside `main` (e.g. a test account).
    Channel {
        #[command(subcommand)]
        action: ChannelAction,
    },
    /// The audit log (操作ログ).
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the audit log's hash chain; exits with status 1 at the first broken link.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ChannelAction {
    /// Create or update a channel. Its secret and access token are read from standard input
    /// (two lines), never from the command line; with --sandbox, the built-in LINE sandbox
    /// serves it instead.
    Set {
        /// Short name used in URLs: lower-case letters, digits, - and _.
        #[arg(long)]
        key: String,
        /// Name shown to staff.
        #[arg(long, default_value = "")]
        name: String,
        /// `production` (本番) or `test` (テスト).
        #[arg(long, default_value = "test")]
        environment: String,
        #[arg(long)]
        sandbox: bool,
        #[arg(long)]
        channel_id: Option<String>,
        #[arg(long)]
        login_channel_id: Option<String>,
        #[arg(long)]
        liff_id: Option<String>,
        #[arg(long)]
        api_base: Option<String>,
        #[arg(long)]
        api_data_base: Option<String>,
    },
    /// List channels (secrets masked).
    List,
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
    /// Lift a sign-in lockout of a username or a client address.
    Unlock {
        #[arg(long, required_unless_present = "address")]
        username: Option<String>,
        #[arg(long)]
        address: Option<std::net::IpAddr>,
    },
    /// Allow a network to reach the admin panel (restores access after a lockout; a running
    /// server follows within seconds). Already allowed: nothing changes.
    AllowIp {
        /// CIDR range or single address, e.g. 192.0.2.0/24 or 2001:db8::1.
        cidr: String,
        /// Shown beside the range in the admin panel.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List the networks allowed to reach the admin panel.
    AllowedIps,
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
    let (username, display_name, password_stdin) = match action {
        AdminAction::Create {
            username,
            display_name,
            password_stdin,
        } => (username, display_name, password_stdin),
        AdminAction::Unlock { username, address } => {
            let db = domain::db::connect_and_migrate(&config.database_url, 1)
                .await
                .context("cannot open the database")?;
            let actor = domain::security::audit::Actor::command_line();
            let was_locked =
                domain::security::login_history::unlock(&db, &actor, username.as_deref(), address)
                    .await?;
            println!(
                "{}",
                if was_locked {
                    "ロックを解除しました。/ Lockout lifted."
                } else {
                    "ロックされていませんでした（記録は残しました）。/ Was not locked (recorded anyway)."
                }
            );
            return Ok(());
        }
        AdminAction::AllowIp { cidr, note } => return allow_ip(config, &cidr, &note).await,
        AdminAction::AllowedIps => return allowed_ips(config).await,
    };
    let password = if password_stdin {
        read_stdin_line()?
    } else {
        prompt_twice()?
    };
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let new =
        domain::staff::accounts::NewAccount::administrator(&username, &display_name, &password);
    let actor = domain::security::audit::Actor::command_line();
    match domain::staff::accounts::create(&db, &actor, new).await {
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

async fn allow_ip(config: &Config, cidr: &str, note: &str) -> anyhow::Result<()> {
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let new = domain::security::allowlist::NewEntry {
        network: cidr,
        note,
        source: domain::security::allowlist::Source::Cli,
    };
    // No client address: the operator at the server's shell cannot lock themselves out.
    let actor = domain::security::audit::Actor::command_line();
    match domain::security::allowlist::add(&db, &actor, &config.admin_allowed_ips, new).await {
        Ok(entry) => {
            println!(
                "{} を管理画面への接続を許可する範囲に追加しました。/ Added {} to the admin IP allowlist.",
                entry.network, entry.network
            );
            Ok(())
        }
        Err(domain::DomainError::Conflict(_)) => {
            println!("{cidr} は既に許可されています。/ Already allowed.");
            Ok(())
        }
        Err(e @ domain::DomainError::Invalid(_)) => bail!("{e}"),
        Err(e) => Err(e.into()),
    }
}

async fn allowed_ips(config: &Config) -> anyhow::Result<()> {
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let configured = config.admin_allowed_ips.iter().map(|net| {
        (
            net.to_string(),
            domain::security::allowlist::Source::Config,
            String::new(),
        )
    });
    let stored = domain::security::allowlist::list(&db)
        .await?
        .into_iter()
        .map(|e| (e.network.to_string(), e.source, e.note));
    let all: Vec<_> = configured.chain(stored).collect();
    if all.is_empty() {
        println!(
            "許可範囲は空です。すべての接続元から管理画面に接続できます。/ Empty: every address may reach the admin panel."
        );
    }
    for (network, source, note) in all {
        println!("{network}\t{}\t{note}", source.label_ja());
    }
    Ok(())
}

pub async fn channel(config: &Config, action: ChannelAction) -> anyhow::Result<()> {
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let secrets = crate::line_platform::secret_box(config)?;
    match action {
        ChannelAction::List => {
            for c in domain::platform::channels::summaries(&db, &secrets).await? {
                println!(
                    "{}\t{}\t{}\t{}\tsecret {}\ttoken {}",
                    c.key,
                    c.environment.label_ja(),
                    if c.sandbox { "sandbox" } else { &c.api_base },
                    c.name,
                    c.channel_secret,
                    c.access_token
                );
            }
            Ok(())
        }
        ChannelAction::Set {
            key,
            name,
            environment,
            sandbox,
            channel_id,
            login_channel_id,
            liff_id,
            api_base,
            api_data_base,
        } => {
            let environment = domain::platform::channels::Environment::from_key(&environment)
                .context("--environment must be `production` or `test`")?;
            let (channel_secret, access_token) = if sandbox {
                (None, None)
            } else {
                let secret = read_stdin_line()?;
                let token = read_stdin_line()?;
                if secret.is_empty() || token.is_empty() {
                    bail!(
                        "give the channel secret and the access token on two lines of standard input (or use --sandbox)"
                    );
                }
                (Some(secret), Some(token))
            };
            let settings = domain::platform::channels::ChannelSettings {
                key,
                name,
                environment: Some(environment),
                channel_id,
                channel_secret,
                access_token,
                login_channel_id,
                liff_id,
                api_base,
                api_data_base,
            };
            let actor = domain::security::audit::Actor::command_line();
            match domain::platform::channels::set(&db, &secrets, &settings, &actor).await {
                Ok(c) => {
                    println!(
                        "チャネル「{}」（{}）を保存しました。サーバーを再起動すると使われます。/ Saved channel {:?}; restart the server to use it.",
                        c.key,
                        c.environment.label_ja(),
                        c.key
                    );
                    Ok(())
                }
                Err(e @ domain::DomainError::Invalid(_)) => bail!("{e}"),
                Err(e) => Err(e.into()),
            }
        }
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

pub async fn audit(config: &Config, action: AuditAction) -> anyhow::Result<()> {
    let AuditAction::Verify = action;
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let report = domain::security::audit::verify(&db).await?;
    match report.first_break {
        None => {
            println!(
                "操作ログは改ざんされていません（{} 件を確認）。/ Audit log intact: {} entries verified.",
                report.checked, report.checked
            );
            Ok(())
        }
        Some(broken) => bail!(
            "操作ログの連鎖が番号 {} で壊れています：{}（それより前の {} 件は正常）。/ Audit log chain broken at seq {} ({} entries before it verified).",
            broken.seq,
            broken.problem.describe(),
            report.checked,
            broken.seq,
            report.checked
        ),
    }
}
