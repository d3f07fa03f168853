//! The command line: `machidayori [--config FILE] [serve | migrate ... | admin ... | channel ... |
//! audit verify | friends import|export]`. The arguments are declared here; each command group runs in its own module
//! (`serve` is `crate::serve`).

// The commands answer the operator on standard output.
#![allow(clippy::print_stdout)]

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

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
    /// Friends' attributes as CSV files (cities moving from another vendor bring one).
    Friends {
        #[command(subcommand)]
        action: FriendsAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum FriendsAction {
    /// Import attribute values from a CSV file (UTF-8 or Shift_JIS; the admin panel's format):
    /// every row is checked first, and one problem changes nothing. Exits with status 1 and
    /// the problems, each with its line, when the file has any.
    Import {
        file: PathBuf,
        /// Only check the file and say what would change.
        #[arg(long)]
        dry_run: bool,
        /// The channel whose friends the file names (the first channel if omitted).
        #[arg(long)]
        channel: Option<String>,
    },
    /// Export every friend with every attribute as CSV (UTF-8 with BOM unless --encoding sjis).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// `utf8` (default) or `sjis`.
        #[arg(long, default_value = "utf8")]
        encoding: String,
        #[arg(long)]
        channel: Option<String>,
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
    /// Print the access token of a sandbox channel: for calling the built-in sandbox's Messaging
    /// API (`/sandbox/line`) as the account would, with curl or LINE's SDKs (the browser tests
    /// publish rich menus this way). Refused for a channel on LINE, whose token is never shown.
    SandboxToken {
        #[arg(long)]
        key: String,
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

mod admin;
mod audit;
mod channel;
mod friends;
mod migrate;

pub use admin::admin;
pub use audit::audit;
pub use channel::channel;
pub use friends::friends;
pub use migrate::migrate;

/// One line of standard input, without its line ending (passwords, secrets: never arguments,
/// which other users of the machine can read).
pub(crate) fn read_stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
