//! 設定: LINE channels as staff see them (secrets masked), the greeting message, and the admin
//! IP allowlist (接続元IP制限). Ranges from `ADMIN_ALLOWED_IPS` are shown but cannot be removed
//! here; a change that would shut out the caller is refused.

use leptos::prelude::*;
use model::status::{AllowlistSource, Environment};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A channel in the switcher and on the settings page. Secrets are masked on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelView {
    pub key: String,
    pub name: String,
    pub environment: Environment,
    pub sandbox: bool,
    pub channel_id: Option<String>,
    pub channel_secret: String,
    pub access_token: String,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
    pub api_base: String,
    pub greeting_enabled: bool,
    /// The greeting's messages, as the composer edits them.
    pub greeting_messages: Vec<line::message::Message>,
}

impl ChannelView {
    /// The one-line label the admin UI shows wherever it acts on a channel.
    pub fn badge(&self) -> String {
        let mut label = format!("{}：{}", self.environment.label_ja(), self.name);
        if self.sandbox {
            label.push_str("（サンドボックス）");
        }
        label
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedIpView {
    /// `None` for a range from the configuration (not removable in the UI).
    pub id: Option<i64>,
    pub network: String,
    pub note: String,
    pub source: AllowlistSource,
    pub added_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedIpsView {
    pub entries: Vec<AllowedIpView>,
    /// The caller's address as the server sees it, so staff know what to add.
    pub your_address: Option<String>,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::Need;
    &[
        // The top bar shows every member of staff which channel they are on.
        rule::<LineChannels>(Need::SignedIn),
        rule::<SaveGreeting>(Need::Admin),
        rule::<AllowedIps>(Need::Admin),
        rule::<AddAllowedIp>(Need::Admin),
        rule::<RemoveAllowedIp>(Need::Admin),
    ]
};

#[server(endpoint = "settings/channels")]
pub async fn line_channels() -> Result<Vec<ChannelView>, AppError> {
    use domain::platform::channels;
    let (_, ctx) = crate::ssr::context::call::<LineChannels>()?;
    let list = channels::summaries(ctx.db(), &ctx.server().secrets).await?;
    Ok(list
        .into_iter()
        .map(|c| ChannelView {
            environment: c.environment,
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
            greeting_messages: c.greeting.messages,
        })
        .collect())
}

/// Saves the greeting sent when someone adds the account as a friend. `messages` is the
/// composer's list as a JSON array of LINE message objects, checked here by LINE's rules again;
/// nothing is saved if it breaks one.
#[server(endpoint = "settings/save_greeting")]
pub async fn save_greeting(
    channel: String,
    enabled: Option<String>,
    messages: String,
) -> Result<(), AppError> {
    use domain::platform::channels::{self, Greeting};
    let (me, ctx) = crate::ssr::context::call::<SaveGreeting>()?;
    let messages = serde_json::from_str(&messages).map_err(|e| {
        AppError::Invalid(format!(
            "あいさつメッセージの JSON が正しくありません（{e}）。メッセージオブジェクトの配列で送ってください。"
        ))
    })?;
    let greeting = Greeting {
        enabled: enabled.is_some(),
        messages,
    };
    channels::set_greeting(ctx.db(), &ctx.actor(&me), &channel, &greeting).await?;
    tracing::info!(staff_id = me.id, channel = %channel, "greeting updated");
    Ok(())
}

#[server(endpoint = "settings/allowed_ips")]
pub async fn allowed_ips() -> Result<AllowedIpsView, AppError> {
    use domain::security::allowlist;
    let (_, ctx) = crate::ssr::context::call::<AllowedIps>()?;
    let configured = ctx
        .server()
        .allowlist
        .configured()
        .iter()
        .map(|net| AllowedIpView {
            id: None,
            network: net.to_string(),
            note: String::new(),
            source: AllowlistSource::Config,
            added_at: String::new(),
        });
    let stored = allowlist::list(ctx.db())
        .await?
        .into_iter()
        .map(|e| AllowedIpView {
            id: Some(e.id),
            network: e.network.to_string(),
            note: e.note,
            source: e.source,
            added_at: domain::time::minutes(e.created_at),
        });
    Ok(AllowedIpsView {
        entries: configured.chain(stored).collect(),
        your_address: ctx.client_addr().map(|ip| ip.to_string()),
    })
}

#[server(endpoint = "settings/add_allowed_ip")]
pub async fn add_allowed_ip(network: String, note: String) -> Result<(), AppError> {
    use domain::security::allowlist::{self, NewEntry};
    let (me, ctx) = crate::ssr::context::call::<AddAllowedIp>()?;
    let live = &ctx.server().allowlist;
    let new = NewEntry {
        network: &network,
        note: &note,
        source: AllowlistSource::Ui,
    };
    let entry = allowlist::add(ctx.db(), &ctx.actor(&me), live.configured(), new).await?;
    tracing::info!(staff_id = me.id, network = %entry.network, "admin IP allowlist: range added");
    Ok(live.reload(ctx.db()).await?)
}

#[server(endpoint = "settings/remove_allowed_ip")]
pub async fn remove_allowed_ip(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<RemoveAllowedIp>()?;
    let live = &ctx.server().allowlist;
    domain::security::allowlist::remove(ctx.db(), &ctx.actor(&me), live.configured(), id).await?;
    tracing::info!(
        staff_id = me.id,
        entry = id,
        "admin IP allowlist: range removed"
    );
    Ok(live.reload(ctx.db()).await?)
}
