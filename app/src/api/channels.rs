//! LINE channels as staff see them (secrets masked), and the greeting message.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

/// A channel in the switcher and on the settings page. Secrets are masked on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub key: String,
    pub name: String,
    /// 本番 or テスト.
    pub environment: String,
    pub production: bool,
    pub sandbox: bool,
    pub channel_id: Option<String>,
    pub channel_secret: String,
    pub access_token: String,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
    pub api_base: String,
    pub greeting_enabled: bool,
    pub greeting_text: String,
    pub greeting_flex: String,
}

impl ChannelView {
    /// The one-line label the admin UI shows wherever it acts on a channel.
    pub fn badge(&self) -> String {
        let mut label = format!("{}：{}", self.environment, self.name);
        if self.sandbox {
            label.push_str("（サンドボックス）");
        }
        label
    }
}

#[server]
pub async fn line_channels() -> Result<Vec<ChannelView>, AppError> {
    use super::server::*;
    require_staff()?;
    let ctx = context()?;
    let channels = domain::platform::channels::summaries(ctx.db(), &ctx.server().secrets)
        .await
        .map_err(domain_error)?;
    Ok(channels
        .into_iter()
        .map(|c| ChannelView {
            environment: c.environment.label_ja().to_owned(),
            production: c.environment == domain::platform::channels::Environment::Production,
            key: c.key,
            name: c.name,
            sandbox: c.sandbox,
            channel_id: c.channel_id,
            channel_secret: c.channel_secret,
            access_token: c.access_token,
            login_channel_id: c.login_channel_id,
            liff_id: c.liff_id,
            api_base: if c.sandbox {
                "内蔵の LINE サンドボックス".to_owned()
            } else {
                c.api_base
            },
            greeting_enabled: c.greeting.enabled,
            greeting_text: c.greeting.text,
            greeting_flex: c.greeting.flex,
        })
        .collect())
}

/// Saves the greeting sent when someone adds the account as a friend; checked against LINE's
/// limits first, and nothing is saved if it breaks one.
#[server]
pub async fn save_greeting(
    channel: String,
    enabled: Option<String>,
    text: String,
    flex: String,
) -> Result<(), AppError> {
    use super::server::*;
    let staff = require_staff()?;
    let ctx = context()?;
    let greeting = domain::platform::channels::Greeting {
        enabled: enabled.is_some(),
        text,
        flex,
    };
    domain::platform::channels::set_greeting(ctx.db(), &ctx.actor(&staff), &channel, &greeting)
        .await
        .map_err(domain_error)?;
    tracing::info!(staff_id = staff.id, channel = %channel, "greeting updated");
    Ok(())
}
