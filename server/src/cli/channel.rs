//! `machidayori channel set|list|sandbox-token`: LINE channels beside `main` (secrets from
//! standard input), and the token of a sandbox channel for trying the emulated Messaging API.

use anyhow::{Context, bail};

use super::{ChannelAction, read_stdin_line};
use crate::config::Config;

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
        ChannelAction::SandboxToken { key } => {
            let channels = domain::platform::channels::load_all(&db, &secrets).await?;
            let Some(channel) = channels.into_iter().find(|c| c.key == key) else {
                bail!("チャネル「{key}」はありません。/ No channel {key:?}.");
            };
            if !channel.sandbox {
                bail!(
                    "チャネル「{key}」は LINE のチャネルです。トークンはサンドボックスのチャネルのものだけ表示します。/ {key:?} is a LINE channel: only a sandbox channel's token is shown."
                );
            }
            println!("{}", channel.access_token);
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
