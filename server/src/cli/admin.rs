//! `machidayori admin create|unlock|allow-ip|allowed-ips`: staff accounts and the admin IP
//! allowlist from the server's shell (the way back in for a locked-out operator).

use std::io::IsTerminal;

use anyhow::{Context, bail};

use super::{AdminAction, read_stdin_line};
use crate::config::Config;

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
        source: model::status::AllowlistSource::Cli,
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
            model::status::AllowlistSource::Config,
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
